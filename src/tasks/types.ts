// The task interface every algorithm sees: problems with gold answers, and a scorer of completions.
import type { ChatTemplateName, PromptPreset } from "../core/choices.js";

/** One problem of a task. `gold` is the reference final answer as a string. */
export interface Problem {
  id: string;
  question: string;
  gold: string;
  meta?: Record<string, unknown>;
}

/**
 * The score of one completion. `reward` is what the advantage estimator uses; `correct` is the
 * binary verdict (the final answer equals the gold), whatever the reward shape; `ordinal` is the
 * partial-credit reward in [0, 1] when the task defines one (1 exactly when correct).
 */
export interface ScoreResult {
  reward: number;
  correct: boolean;
  reason: string;
  ordinal?: number;
}

export type Split = "train" | "test";

export interface ScoreOptions {
  /** The completion hit the token limit without a stop token. */
  truncated: boolean;
}

export interface Task {
  name: string;
  /** Deterministic under `seed`; the test split is fixed and disjoint from the train split. */
  problems(split: Split, count?: number, seed?: number): Problem[];
  /** May be asynchronous (a verifier in a worker, a sandbox); a throw or rejection marks the sample. */
  score(problem: Problem, completion: string, opts: ScoreOptions): ScoreResult | Promise<ScoreResult>;
}

/** How a problem becomes the prompt text (the config's task.prompt). */
export interface PromptSpec {
  /** A built-in chat template by name. */
  template: ChatTemplateName;
  /** A seed paper's system turn and suffix (tasks/promptPresets.ts); `system` and `suffix` win over it. */
  preset?: PromptPreset;
  /** A system turn before the question. */
  system?: string;
  /** Appended to every question (layer-1 prompts, correction queries, samples.jsonl all see it). */
  suffix?: string;
}

/** What names and parameterises a task (the config's task section). */
export interface TaskSpec {
  name: string;
  /** Task-specific parameters, validated by the task's factory. */
  options?: Readonly<Record<string, unknown>>;
  prompt?: Pick<PromptSpec, "suffix" | "preset">;
}
