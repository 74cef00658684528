// The user's own data as a task (task.name "dataset"): a JSONL, JSON or Parquet file of problems (or the
// rows themselves, task.options.rows, which is what the library's `train({ dataset: rows })` writes into
// the config, so that config.json alone reproduces and resumes the run) with a question field and a
// gold-answer field, scored by the math verifier like the shipped benchmarks. A bad row is an error
// naming the file, line (or row) and field, unless task.options.skipBadRows leaves it out, counted in
// the task's notes.
import { resolve } from "node:path";
import { createDatasetTask } from "./datasetTask.js";
import { loadDataset, loadRowsDataset } from "./datasets.js";
import { checkOptionKeys, formatWeightOption, type TaskOptions } from "./taskOptions.js";
import type { Problem, Split, Task } from "./types.js";

/** Where a split's problems come from: a file, or rows given in the config. */
export type DatasetSource = { file: string } | { rows: readonly Record<string, unknown>[] };

export interface FileDatasetOptions {
  /** The training problems. */
  train: DatasetSource;
  /** Held-out problems; absent = no test split. */
  test?: DatasetSource;
  questionField: string;
  answerField: string;
  skipBadRows: boolean;
  formatWeight?: number;
}

const KNOWN = [
  "file",
  "testFile",
  "rows",
  "testRows",
  "questionField",
  "answerField",
  "skipBadRows",
  "formatWeight",
];

/** task.options of the "dataset" task, checked: the message names the field. */
export function fileDatasetOptions(o: TaskOptions): FileDatasetOptions {
  checkOptionKeys("dataset", o, KNOWN);
  const str = (k: string, fallback?: string): string => {
    const v = o[k] ?? fallback;
    if (typeof v !== "string" || v === "") throw new Error(`task.options.${k}: expected a non-empty string`);
    return v;
  };
  const source = (fileKey: string, rowsKey: string): DatasetSource | undefined => {
    if (o[fileKey] !== undefined && o[rowsKey] !== undefined)
      throw new Error(`task.options: give ${fileKey} or ${rowsKey}, not both`);
    if (o[rowsKey] === undefined) return o[fileKey] === undefined ? undefined : { file: str(fileKey) };
    const rows = o[rowsKey];
    if (!Array.isArray(rows) || rows.length === 0)
      throw new Error(`task.options.${rowsKey}: expected a non-empty array of objects`);
    return { rows };
  };
  if (o.skipBadRows !== undefined && typeof o.skipBadRows !== "boolean")
    throw new Error("task.options.skipBadRows: expected true or false");
  const train = source("file", "rows");
  if (!train) throw new Error("task.options.file: expected a non-empty string (or task.options.rows)");
  return {
    train,
    test: source("testFile", "testRows"),
    questionField: str("questionField", "question"),
    answerField: str("answerField", "answer"),
    skipBadRows: o.skipBadRows === true,
    ...formatWeightOption(o),
  };
}

/** Reads the files now (Parquet is read asynchronously) and returns the task; `notes` gets what was skipped. */
export async function loadFileDataset(o: FileDatasetOptions, notes: string[] = []): Promise<Task> {
  const read = async (from: DatasetSource, split: Split): Promise<Problem[]> => {
    const skipped: string[] = [];
    const options = {
      name: `dataset-${split}`,
      fields: { question: o.questionField, answer: o.answerField },
      onInvalid: o.skipBadRows ? ("skip" as const) : ("error" as const),
      skipped,
    };
    const where = "file" in from ? from.file : `task.options.${split === "train" ? "rows" : "testRows"}`;
    const problems =
      "file" in from
        ? await loadDataset(resolve(from.file), "answer", options)
        : loadRowsDataset(from.rows, where, "answer", options);
    if (skipped.length > 0)
      notes.push(`${where}: skipped ${skipped.length} bad row(s), the first: ${skipped[0]}`);
    if (problems.length === 0) throw new Error(`${where}: no usable problems`);
    return problems;
  };
  const splits: Partial<Record<Split, Problem[]>> = { train: await read(o.train, "train") };
  if (o.test) splits.test = await read(o.test, "test");
  return createDatasetTask({ name: "dataset", splits }, { formatWeight: o.formatWeight });
}
