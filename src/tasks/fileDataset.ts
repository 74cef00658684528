// The user's own data as a task (task.name "dataset"): a JSONL, JSON or Parquet file of problems with a
// question field and a gold-answer field, scored by the math verifier like the shipped benchmarks. A bad
// row is an error naming the file, line (or row) and field, unless task.options.skipBadRows leaves it
// out, counted in the task's notes.
import { resolve } from "node:path";
import { createDatasetTask } from "./datasetTask.js";
import { loadDataset } from "./datasets.js";
import { checkOptionKeys, formatWeightOption, type TaskOptions } from "./taskOptions.js";
import type { Problem, Split, Task } from "./types.js";

export interface FileDatasetOptions {
  /** The training problems (JSONL, JSON array, or Parquet). */
  file: string;
  /** Held-out problems; absent = no test split. */
  testFile?: string;
  questionField: string;
  answerField: string;
  skipBadRows: boolean;
  formatWeight?: number;
}

const KNOWN = ["file", "testFile", "questionField", "answerField", "skipBadRows", "formatWeight"];

/** task.options of the "dataset" task, checked: the message names the field. */
export function fileDatasetOptions(o: TaskOptions): FileDatasetOptions {
  checkOptionKeys("dataset", o, KNOWN);
  const str = (k: string, fallback?: string): string => {
    const v = o[k] ?? fallback;
    if (typeof v !== "string" || v === "") throw new Error(`task.options.${k}: expected a non-empty string`);
    return v;
  };
  if (o.skipBadRows !== undefined && typeof o.skipBadRows !== "boolean")
    throw new Error("task.options.skipBadRows: expected true or false");
  return {
    file: str("file"),
    testFile: o.testFile === undefined ? undefined : str("testFile"),
    questionField: str("questionField", "question"),
    answerField: str("answerField", "answer"),
    skipBadRows: o.skipBadRows === true,
    ...formatWeightOption(o),
  };
}

/** Reads the files now (Parquet is read asynchronously) and returns the task; `notes` gets what was skipped. */
export async function loadFileDataset(o: FileDatasetOptions, notes: string[] = []): Promise<Task> {
  const read = async (file: string, split: Split): Promise<Problem[]> => {
    const skipped: string[] = [];
    const problems = await loadDataset(resolve(file), "answer", {
      name: `dataset-${split}`,
      fields: { question: o.questionField, answer: o.answerField },
      onInvalid: o.skipBadRows ? "skip" : "error",
      skipped,
    });
    if (skipped.length > 0)
      notes.push(`${file}: skipped ${skipped.length} bad row(s), the first: ${skipped[0]}`);
    if (problems.length === 0) throw new Error(`${file}: no usable problems`);
    return problems;
  };
  const splits: Partial<Record<Split, Problem[]>> = { train: await read(o.file, "train") };
  if (o.testFile) splits.test = await read(o.testFile, "test");
  return createDatasetTask({ name: "dataset", splits }, { formatWeight: o.formatWeight });
}
