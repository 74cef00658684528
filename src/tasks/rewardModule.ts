// Your own reward: a function of the completion and its example replaces the task's scorer, like the
// reward functions of TRL's GRPOTrainer. From a config, `reward.module` names a module (.js/.mjs; .ts
// when rlvr runs under tsx) exporting `score`; from the library, pass the function.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Problem, ScoreResult, Task } from "./types.js";

/** What a reward function sees of one sample. */
export interface RewardExample extends Problem {
  /** The completion hit the token limit without a stop token. */
  truncated: boolean;
}

/**
 * A number (the reward; correct when it is at least 1) or the reward with its own verdict and reason;
 * synchronous or asynchronous. A throw or rejection marks the sample (reward 0) without stopping the run.
 */
export type RewardFunction = (
  completion: string,
  example: RewardExample,
) =>
  | number
  | { reward: number; correct?: boolean; reason?: string }
  | Promise<number | { reward: number; correct?: boolean; reason?: string }>;

function asScore(value: unknown, source: string): ScoreResult {
  const r = typeof value === "number" ? { reward: value } : (value as { reward?: unknown });
  if (typeof r !== "object" || r === null || typeof r.reward !== "number" || !Number.isFinite(r.reward))
    throw new Error(`${source}: score() must return a finite number or { reward: number, … }`);
  const o = r as { reward: number; correct?: unknown; reason?: unknown };
  const correct = typeof o.correct === "boolean" ? o.correct : o.reward >= 1;
  return {
    reward: o.reward,
    correct,
    reason: typeof o.reason === "string" ? o.reason : `reward ${o.reward}`,
  };
}

/** `task` with `fn` as its scorer (its problems unchanged). */
export function withReward(task: Task, fn: RewardFunction, source = "reward function"): Task {
  return {
    ...task,
    score: async (problem, completion, { truncated }) =>
      asScore(await fn(completion, { ...problem, truncated }), source),
  };
}

/** The `score` export of the module at `path` (resolved from the working directory). */
export async function loadRewardModule(path: string): Promise<RewardFunction> {
  let module: { score?: unknown; default?: { score?: unknown } };
  try {
    module = await import(pathToFileURL(resolve(path)).href);
  } catch (err) {
    throw new Error(`reward.module ${path}: cannot load it: ${(err as Error).message}`);
  }
  const score = module.score ?? module.default?.score;
  if (typeof score !== "function")
    throw new Error(`reward.module ${path}: the module must export a function score(completion, example)`);
  return score as RewardFunction;
}
