// Tasks by name, as the CLI and configs name them; each factory receives the config's task.options and
// checks them itself.
//
// | name           | reward  | problems                                              | options          |
// | -------------- | ------- | ----------------------------------------------------- | ---------------- |
// | arith          | binary  | the default difficulty mix (DEFAULT_ARITH_MIX)        | mix: level mix   |
// | arith-ordinal  | ordinal | the same problems, partial credit (for CoRPO)         | mix              |
// | arith-easy     | binary  | level 1 only: 2 operations                            | none             |
// | arith-hard     | binary  | levels 4–5: 3–4 operations, up to 3-digit numbers     | none             |
// | gsm8k, math    | math verifier | GSM8K; MATH 12k train with MATH500 as test       | formatWeight     |
// | math500, minerva, olympiadbench, aime24, aime25, amc23 | math verifier | test split only | formatWeight |
import { type ArithTaskOptions, createArithTask, type LevelWeight } from "./arith.js";
import {
  createDatasetTask,
  DATASET_TASKS,
  loadOneShotRlvrTask,
  ONE_SHOT_EXAMPLES,
  type OneShotExample,
} from "./datasetTask.js";
import { fileDatasetOptions, loadFileDataset } from "./fileDataset.js";
import { promptSuffix } from "./promptPresets.js";
import { loadRewardModule, type RewardFunction, withReward } from "./rewardModule.js";
import { checkOptionKeys, formatWeightOption, type TaskOptions } from "./taskOptions.js";
import type { Problem, Task, TaskSpec } from "./types.js";

type Options = TaskOptions;

/** task.options.mix: a non-empty list of {level, weight} (arith.ts validates the values). */
function mixOption(options: Options): Pick<ArithTaskOptions, "mix"> {
  if (options.mix === undefined) return {};
  const mix = options.mix;
  const ok =
    Array.isArray(mix) &&
    mix.every(
      (m) =>
        typeof m === "object" && m !== null && typeof m.level === "number" && typeof m.weight === "number",
    );
  if (!ok) throw new Error('task.options.mix: expected a list of {"level": n, "weight": w}');
  return { mix: mix as LevelWeight[] };
}

const FACTORIES: Record<string, (options: Options) => Task> = {
  arith: (o) => {
    checkOptionKeys("arith", o, ["mix"]);
    return createArithTask({ name: "arith", reward: "binary", ...mixOption(o) });
  },
  "arith-ordinal": (o) => {
    checkOptionKeys("arith-ordinal", o, ["mix"]);
    return createArithTask({ name: "arith-ordinal", reward: "ordinal", ...mixOption(o) });
  },
  "arith-easy": (o) => {
    checkOptionKeys("arith-easy", o, []);
    return createArithTask({ name: "arith-easy", mix: [{ level: 1, weight: 1 }] });
  },
  "arith-hard": (o) => {
    checkOptionKeys("arith-hard", o, []);
    return createArithTask({
      name: "arith-hard",
      mix: [
        { level: 4, weight: 0.5 },
        { level: 5, weight: 0.5 },
      ],
    });
  },
};

for (const spec of DATASET_TASKS)
  FACTORIES[spec.name] = (o) => {
    checkOptionKeys(spec.name, o, ["formatWeight"]);
    return createDatasetTask(spec, formatWeightOption(o));
  };

/** The user's own file (task.options.file), loaded by loadTask. */
const FILE_DATASET = "dataset";
/** 1-shot RLVR's examples (parquet, read asynchronously by loadTask). */
const ONE_SHOT = "one-shot-rlvr";

export function taskNames(): string[] {
  return [...Object.keys(FACTORIES), FILE_DATASET, ONE_SHOT];
}

/** task.options of one-shot-rlvr: example (pi1 | pi2 | pi13 | dsr_sub, default pi1) and formatWeight. */
function oneShotOptions(o: Options): { example: OneShotExample } {
  checkOptionKeys(ONE_SHOT, o, ["example", "formatWeight"]);
  const example = o.example ?? "pi1";
  if (typeof example !== "string" || !(ONE_SHOT_EXAMPLES as readonly string[]).includes(example))
    throw new Error(
      `task.options.example: expected one of ${ONE_SHOT_EXAMPLES.join(", ")}, got ${JSON.stringify(example)}`,
    );
  return { example: example as OneShotExample };
}

/** Appends `suffix` to every problem's question (the task's problems, seen by every layer alike). */
function withSuffix(task: Task, suffix: string): Task {
  const suffixed = (p: Problem): Problem => ({ ...p, question: `${p.question}${suffix}` });
  return {
    ...task,
    problems: (split, count, seed) => task.problems(split, count, seed).map(suffixed),
  };
}

function unknownTask(name: string): Error {
  return new Error(`unknown task ${JSON.stringify(name)}; known tasks: ${taskNames().join(", ")}`);
}

/** A built-in task by name, with its options, and the question suffix of its prompt when there is one. */
export function getTask(spec: TaskSpec | string): Task {
  const { name, options = {}, prompt } = typeof spec === "string" ? { name: spec } : spec;
  if (name === FILE_DATASET || name === ONE_SHOT)
    throw new Error(`task ${name} reads files: open it with loadTask`);
  const make = Object.hasOwn(FACTORIES, name) ? FACTORIES[name] : undefined;
  if (!make) throw unknownTask(name);
  const task = make(options);
  const suffix = prompt ? promptSuffix(prompt) : undefined;
  return suffix ? withSuffix(task, suffix) : task;
}

export interface LoadTaskOptions {
  /** The user's reward in place of the task's scorer: a function, or a module path exporting `score`. */
  reward?: RewardFunction | string;
  /** Gets what loading left out (skipped bad rows). */
  notes?: string[];
}

/** Any task of a config: a built-in one, or the user's file (`dataset`), with the user's reward if given. */
export async function loadTask(spec: TaskSpec, o: LoadTaskOptions = {}): Promise<Task> {
  let task =
    spec.name === FILE_DATASET
      ? await loadFileDataset(fileDatasetOptions(spec.options ?? {}), o.notes)
      : spec.name === ONE_SHOT
        ? await loadOneShotRlvrTask(
            oneShotOptions(spec.options ?? {}).example,
            formatWeightOption(spec.options ?? {}),
            o.notes,
          )
        : getTask({ name: spec.name, options: spec.options });
  if (o.reward !== undefined)
    task =
      typeof o.reward === "string"
        ? withReward(task, await loadRewardModule(o.reward), o.reward)
        : withReward(task, o.reward);
  const suffix = spec.prompt ? promptSuffix(spec.prompt) : undefined;
  return suffix ? withSuffix(task, suffix) : task;
}
