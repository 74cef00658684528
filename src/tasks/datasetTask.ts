// Math benchmarks as tasks: the problems of a shipped data file (data/, read on first use), scored with
// the math verifier (the final answer extracted from the completion, checked for equivalence with the
// gold; a truncated completion scores 0) plus an optional format bonus. Test-only benchmarks (MATH500,
// AIME, AMC, Minerva, OlympiadBench) have no train split: train on `math` or `gsm8k`.
import { fileURLToPath } from "node:url";
import { scoreMathCompletion } from "../verifiers/mathReward.js";
import { sharedVerifier } from "../verifiers/verify.js";
import { type DatasetFormat, loadJsonDataset, loadParquetDataset } from "./datasets.js";
import type { Problem, ScoreResult, Split, Task } from "./types.js";

/** data/ in the package (src/tasks and dist/tasks are both two levels below the root). */
const DATA_DIR = fileURLToPath(new URL("../../data/", import.meta.url));

/** A split's file under data/ and the convention of its gold answers. */
export interface DatasetSplit {
  file: string;
  format: DatasetFormat;
  /** Leave out rows without a usable gold answer (known in the source; listed where the spec says so). */
  skipInvalid?: boolean;
}

export interface DatasetTaskSpec {
  name: string;
  /** A split's file under data/ (read on first use), or its problems already read. */
  splits: Partial<Record<Split, DatasetSplit | readonly Problem[]>>;
}

export interface DatasetTaskOptions {
  /** Added to the reward of a well-formed completion (a closed reasoning block, one answer). Default 0. */
  formatWeight?: number;
}

const isProblems = (s: DatasetSplit | readonly Problem[]): s is readonly Problem[] => Array.isArray(s);

/** Rows are read once per split, in file order; `count` takes the first ones (the seed does not reorder). */
export function createDatasetTask(spec: DatasetTaskSpec, options: DatasetTaskOptions = {}): Task {
  const cache = new Map<Split, readonly Problem[]>();
  const rows = (split: Split): readonly Problem[] => {
    const cached = cache.get(split);
    if (cached) return cached;
    const s = spec.splits[split];
    if (!s) {
      const has = Object.keys(spec.splits).join(", ");
      throw new Error(`task ${spec.name} has no ${split} split (it has: ${has})`);
    }
    if (isProblems(s)) return s;
    const loaded = loadJsonDataset(`${DATA_DIR}${s.file}`, s.format, {
      name: `${spec.name}-${split}`,
      onInvalid: s.skipInvalid ? "skip" : "error",
    });
    cache.set(split, loaded);
    return loaded;
  };
  return {
    name: spec.name,
    problems: (split, count) => {
      const all = rows(split);
      return all.slice(0, count ?? all.length);
    },
    score: async (problem, completion, { truncated }): Promise<ScoreResult> => {
      const r = await scoreMathCompletion(sharedVerifier(), problem.gold, completion, {
        stopReason: truncated ? "length" : "stop",
        formatWeight: options.formatWeight ?? 0,
      });
      return { reward: r.reward, correct: r.correct, reason: r.reason };
    },
  };
}

/** The training sets of 1-shot RLVR (003) shipped in data/one_shot_rlvr/: one example (×128) or DSR-sub. */
export const ONE_SHOT_EXAMPLES = ["pi1", "pi2", "pi13", "dsr_sub"] as const;
export type OneShotExample = (typeof ONE_SHOT_EXAMPLES)[number];

const ONE_SHOT_FILES: Record<OneShotExample, string> = {
  pi1: "one_shot_rlvr/pi1_r128.parquet",
  pi2: "one_shot_rlvr/pi2_r128.parquet",
  pi13: "one_shot_rlvr/pi13_r128.parquet",
  dsr_sub: "one_shot_rlvr/dsr_sub.parquet",
};

/**
 * The `one-shot-rlvr` task: train on the paper's π1 (or π2, π13, or its 1,209-problem DSR-sub), each
 * distinct problem once (the files repeat π_i 128 times; the training loop repeats it to fill a batch),
 * evaluated on MATH500 (003 §3). Rows without a gold answer are left out and reported in `notes`.
 */
export async function loadOneShotRlvrTask(
  example: OneShotExample,
  options: DatasetTaskOptions = {},
  notes?: string[],
): Promise<Task> {
  const skipped: string[] = [];
  const rows = await loadParquetDataset(`${DATA_DIR}${ONE_SHOT_FILES[example]}`, "one-shot-rlvr", {
    name: `one-shot-rlvr-${example}`,
    onInvalid: "skip",
    skipped,
  });
  const seen = new Set<string>();
  const train = rows.filter((p) => !seen.has(p.question) && seen.add(p.question));
  if (skipped.length > 0)
    notes?.push(`one-shot-rlvr ${example}: left out ${skipped.length} rows: ${skipped.join("; ")}`);
  return createDatasetTask(
    { name: "one-shot-rlvr", splits: { train, test: { file: "math500/test.jsonl", format: "math500" } } },
    options,
  );
}

/** The shipped benchmarks (data/README.md lists sources and licences). */
export const DATASET_TASKS: readonly DatasetTaskSpec[] = [
  {
    name: "gsm8k",
    splits: {
      train: { file: "gsm8k/train.jsonl", format: "gsm8k" },
      test: { file: "gsm8k/test.jsonl", format: "gsm8k" },
    },
  },
  {
    name: "math",
    splits: {
      // Lines 5530 and 5532 have an empty \boxed{} as their answer: left out (11,998 problems).
      train: { file: "math_train/train12k_excl_math500.jsonl", format: "answer", skipInvalid: true },
      test: { file: "math500/test.jsonl", format: "math500" },
    },
  },
  { name: "math500", splits: { test: { file: "math500/test.jsonl", format: "math500" } } },
  { name: "minerva", splits: { test: { file: "minerva_math/test.jsonl", format: "minerva" } } },
  { name: "olympiadbench", splits: { test: { file: "olympiadbench/test.json", format: "olympiadbench" } } },
  { name: "aime24", splits: { test: { file: "aime24/test.jsonl", format: "aime" } } },
  { name: "aime25", splits: { test: { file: "aime25/test.jsonl", format: "aime" } } },
  { name: "amc23", splits: { test: { file: "amc23/test.jsonl", format: "amc" } } },
];
