// Loaders of math evaluation / training sets into Problems. JSONL and JSON files are read
// synchronously; parquet (one_shot_rlvr rows) with hyparquet. Every error names the file, the line
// (JSONL), the index (JSON array) or the row (parquet), and the field.
//
// | format          | question                              | gold                                   |
// | --------------- | ------------------------------------- | -------------------------------------- |
// | gsm8k           | `question`                            | `answer` after the last `####` (commas removed) |
// | math500, answer | `problem` (else `question`)           | `answer` (string or number)            |
// | minerva         | `problem`                             | the last `\boxed{}` of `solution`      |
// | olympiadbench   | `question`                            | `final_answer` (a list; joined by ", ", `$` wrappers removed) |
// | aime, amc       | as "answer"                           | as "answer" (27.0 → "27")              |
// | one-shot-rlvr   | the last user message of `prompt`     | `reward_model.ground_truth`            |
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parquetReadObjects } from "hyparquet";
import { extractAnswer } from "../verifiers/extract.js";
import type { Problem } from "./types.js";

export type DatasetFormat =
  | "gsm8k"
  | "math500"
  | "answer"
  | "minerva"
  | "olympiadbench"
  | "aime"
  | "amc"
  | "one-shot-rlvr";

export const DATASET_FORMATS: readonly DatasetFormat[] = [
  "gsm8k",
  "math500",
  "answer",
  "minerva",
  "olympiadbench",
  "aime",
  "amc",
  "one-shot-rlvr",
];

export interface LoadDatasetOptions {
  /** Id prefix of the problems (default: the format). */
  name?: string;
  /** Keep the first `limit` problems. */
  limit?: number;
  /**
   * A row without a usable question or gold answer: "error" (default) throws; "skip" leaves it out
   * and appends the error message to `skipped` when given (e.g. dsr_sub row 265 has an empty label).
   */
  onInvalid?: "error" | "skip";
  skipped?: string[];
  /** The user's own columns: the question and the gold answer (string or number) by field name. */
  fields?: { question: string; answer: string };
}

type Row = Record<string, unknown>;

class FieldError extends Error {}

function field(row: Row, name: string): unknown {
  if (!(name in row) || row[name] === null || row[name] === undefined)
    throw new FieldError(`field "${name}" is missing`);
  return row[name];
}

function stringField(row: Row, name: string): string {
  const v = field(row, name);
  if (typeof v !== "string") throw new FieldError(`field "${name}" must be a string, got ${typeof v}`);
  if (v.trim() === "") throw new FieldError(`field "${name}" is empty`);
  return v;
}

/** A gold answer given as a string or a number (27.0 → "27"). */
function answerField(row: Row, name: string): string {
  const v = field(row, name);
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new FieldError(`field "${name}" is not a finite number`);
    return String(v);
  }
  if (typeof v === "bigint") return v.toString();
  if (typeof v !== "string" || v.trim() === "")
    throw new FieldError(`field "${name}" must be a non-empty string or a number`);
  return v.trim();
}

function questionField(row: Row): string {
  if (typeof row.problem === "string") return stringField(row, "problem");
  if (typeof row.question === "string") return stringField(row, "question");
  throw new FieldError(`field "problem" (or "question") is missing`);
}

const unwrapDollars = (s: string) =>
  s
    .trim()
    .replace(/^\$+([\s\S]*?)\$+$/, "$1")
    .trim();

/** Question and gold of one row of a format. */
export function readRow(format: DatasetFormat, row: Row): { question: string; gold: string } {
  switch (format) {
    case "gsm8k": {
      const answer = stringField(row, "answer");
      const at = answer.lastIndexOf("####");
      if (at < 0) throw new FieldError(`field "answer" has no "#### N" final answer`);
      const gold = answer
        .slice(at + 4)
        .trim()
        .replace(/,/g, "");
      if (gold === "") throw new FieldError(`field "answer" has an empty "####" final answer`);
      return { question: stringField(row, "question"), gold };
    }
    case "math500":
    case "answer":
    case "aime":
    case "amc":
      return { question: questionField(row), gold: answerField(row, "answer") };
    case "minerva": {
      const r = extractAnswer(stringField(row, "solution"), { methods: ["boxed"], excludeThink: false });
      if (!r.ok) throw new FieldError(`field "solution" has no final \\boxed{} answer (${r.reason})`);
      return { question: stringField(row, "problem"), gold: r.answer };
    }
    case "olympiadbench": {
      const v = field(row, "final_answer");
      const list = Array.isArray(v) ? v : [v];
      if (list.length === 0 || !list.every((x) => typeof x === "string" && x.trim() !== "")) {
        throw new FieldError(`field "final_answer" must be a non-empty list of strings`);
      }
      return {
        question: stringField(row, "question"),
        gold: (list as string[]).map(unwrapDollars).join(", "),
      };
    }
    case "one-shot-rlvr": {
      const prompt = field(row, "prompt");
      const messages = Array.isArray(prompt) ? prompt : [];
      const user = [...messages]
        .reverse()
        .find((m) => m && typeof m === "object" && (m as Row).role === "user");
      if (!user || typeof (user as Row).content !== "string") {
        throw new FieldError(`field "prompt" must be a list of messages with a user message`);
      }
      const rm = field(row, "reward_model");
      if (typeof rm !== "object" || rm === null)
        throw new FieldError(`field "reward_model" must be an object`);
      let gold: string;
      try {
        gold = answerField(rm as Row, "ground_truth");
      } catch (err) {
        throw new FieldError(`field "reward_model.${(err as Error).message.replace(/^field "/, "")}`);
      }
      return { question: (user as Row).content as string, gold };
    }
    default:
      throw new Error(`unknown dataset format ${JSON.stringify(format)} (${DATASET_FORMATS.join(", ")})`);
  }
}

function checkFormat(format: string): asserts format is DatasetFormat {
  if (!DATASET_FORMATS.includes(format as DatasetFormat)) {
    throw new Error(`unknown dataset format ${JSON.stringify(format)} (${DATASET_FORMATS.join(", ")})`);
  }
}

function toProblems(
  rows: Iterable<{ row: unknown; where: string }>,
  format: DatasetFormat,
  options: LoadDatasetOptions,
): Problem[] {
  const name = options.name ?? format;
  const out: Problem[] = [];
  for (const { row, where } of rows) {
    if (options.limit !== undefined && out.length >= options.limit) break;
    try {
      if (typeof row !== "object" || row === null || Array.isArray(row))
        throw new FieldError("expected a JSON object");
      const { question, gold } = options.fields
        ? {
            question: stringField(row as Row, options.fields.question),
            gold: answerField(row as Row, options.fields.answer),
          }
        : readRow(format, row as Row);
      out.push({ id: `${name}:${out.length}`, question, gold, meta: { source: where } });
    } catch (err) {
      const message = `${where}: ${(err as Error).message}`;
      if (options.onInvalid === "skip" && err instanceof FieldError) options.skipped?.push(message);
      else throw new Error(message);
    }
  }
  return out;
}

function* jsonlRows(file: string, text: string): Generator<{ row: unknown; where: string }> {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === "") continue;
    const where = `${file}:${i + 1}`;
    let row: unknown;
    try {
      row = JSON.parse(lines[i]);
    } catch (err) {
      throw new Error(`${where}: invalid JSON: ${(err as Error).message}`);
    }
    yield { row, where };
  }
}

/** Reads a JSONL file (one object a line) or a JSON file holding an array of objects. */
export function loadJsonDataset(
  file: string,
  format: DatasetFormat,
  options: LoadDatasetOptions = {},
): Problem[] {
  checkFormat(format);
  const text = readFileSync(file, "utf8");
  if (file.endsWith(".jsonl")) return toProblems(jsonlRows(file, text), format, options);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: invalid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(json)) throw new Error(`${file}: expected a JSON array of problems`);
  return toProblems(
    json.map((row, i) => ({ row, where: `${file}[${i}]` })),
    format,
    options,
  );
}

/** Reads a parquet file's rows (e.g. one_shot_rlvr's pi1_r128.parquet). */
export async function loadParquetDataset(
  file: string,
  format: DatasetFormat = "one-shot-rlvr",
  options: LoadDatasetOptions = {},
): Promise<Problem[]> {
  checkFormat(format);
  const buf = readFileSync(file);
  let rows: Row[];
  try {
    const arrayBuffer = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
    rows = (await parquetReadObjects({ file: arrayBuffer })) as Row[];
  } catch (err) {
    throw new Error(`${file}: cannot read parquet: ${(err as Error).message}`);
  }
  return toProblems(
    rows.map((row, i) => ({ row, where: `${file}: row ${i}` })),
    format,
    options,
  );
}

/** Rows given as values (the library's `train({ dataset: rows })`); `where` names them in errors, e.g. "task.options.rows". */
export function loadRowsDataset(
  rows: readonly unknown[],
  where: string,
  format: DatasetFormat,
  options: LoadDatasetOptions = {},
): Problem[] {
  checkFormat(format);
  return toProblems(
    rows.map((row, i) => ({ row, where: `${where}[${i}]` })),
    format,
    options,
  );
}

/** Any supported file, by extension: .jsonl / .json / .parquet. */
export async function loadDataset(
  file: string,
  format: DatasetFormat,
  options: LoadDatasetOptions = {},
): Promise<Problem[]> {
  if (file.endsWith(".parquet")) return loadParquetDataset(file, format, options);
  if (file.endsWith(".jsonl") || file.endsWith(".json")) return loadJsonDataset(file, format, options);
  throw new Error(
    `${file}: unsupported dataset file (${basename(file)}); expected .jsonl, .json or .parquet`,
  );
}
