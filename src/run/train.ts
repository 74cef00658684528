// The library's one call, as TRL's GRPOTrainer(model, reward_funcs, train_dataset).train() is in Python:
// your problems (a file or the rows themselves) and your reward function, plus any config field. It is
// trainRun with the task written for you: the rows go into config.json (task.options.rows), so the run
// directory alone describes, reproduces and resumes the run; the reward function is passed again on resume.
import type { ProgressReporter } from "./progress.js";
import type { RewardFunction } from "../tasks/rewardModule.js";
import { type ConfigInput, mergeConfig, parseConfig } from "./config.js";
import { type TrainRunResult, trainRun } from "./trainRun.js";

/** Problems: a JSONL, JSON or Parquet file, or an array of objects. */
export type DatasetInput = string | readonly Record<string, unknown>[];

export interface TrainOptions {
  /** The training problems, each with a question and a gold answer (fields below). */
  dataset: DatasetInput;
  /** Held-out problems (for run.evalEvery); absent = none. */
  testDataset?: DatasetInput;
  /** The question's field. Default "question". */
  questionField?: string;
  /** The gold answer's field. Default "answer". */
  answerField?: string;
  /** Leave out rows without a usable question or answer (counted in the log). Default false: they are errors. */
  skipBadRows?: boolean;
  /** Your reward, `score(completion, example)`; absent = the math verifier against the gold answer. */
  reward?: RewardFunction;
  /** Model directory, or "default" (the shipped warm start). Same as config.model. */
  model?: string;
  /** Every other setting (algo, steps, batch, sampling, loss, optim, run, …); `rlvr config --print` lists them. */
  config?: Omit<ConfigInput, "task" | "model"> & {
    /** The prompt (template, system, suffix, preset) and trainSize; the problems come from `dataset`. */
    task?: Omit<NonNullable<ConfigInput["task"]>, "name" | "options">;
  };
  /** Continue the run in config.run.out from its last checkpoint. Default false. */
  resume?: boolean;
  progress?: ProgressReporter;
}

const source = (d: DatasetInput, fileKey: string, rowsKey: string) =>
  typeof d === "string" ? { [fileKey]: d } : { [rowsKey]: d };

/** The config `train(options)` runs (validated; errors name "train()"). Pure. */
export function trainConfig(o: TrainOptions) {
  const options = {
    ...source(o.dataset, "file", "rows"),
    ...(o.testDataset === undefined ? {} : source(o.testDataset, "testFile", "testRows")),
    ...(o.questionField === undefined ? {} : { questionField: o.questionField }),
    ...(o.answerField === undefined ? {} : { answerField: o.answerField }),
    ...(o.skipBadRows === undefined ? {} : { skipBadRows: o.skipBadRows }),
  };
  const task: ConfigInput = { task: { name: "dataset", options }, ...(o.model ? { model: o.model } : {}) };
  return parseConfig(mergeConfig(o.config ?? {}, task), "train()");
}

/** Trains on your problems with your reward; resolves when the last checkpoint is written. */
export function train(o: TrainOptions): Promise<TrainRunResult> {
  return trainRun(trainConfig(o), { reward: o.reward, resume: o.resume, progress: o.progress });
}
