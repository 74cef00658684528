// What every algorithm step is given and returns: the engines (policy and frozen reference, seen only
// through the engine interface), the tokenizer and task, and the step's result for the training loop.
import type { Metrics } from "../core/metrics.js";
import type { Tokenizer } from "../engine/tokenizer/types.js";
import type { TrainingEngine } from "../engine/types.js";
import type { ModelChatFormat } from "../tasks/correctionPrompt.js";
import type { Problem, Task } from "../tasks/types.js";
import type { RolloutGroup, ScoredTrajectory } from "./rollouts.js";

export interface AlgorithmContext {
  engine: TrainingEngine;
  /** The frozen reference policy; required when the loss has a KL term. */
  reference?: TrainingEngine;
  tokenizer: Tokenizer;
  task: Task;
  renderPrompt: (problem: Problem) => string;
  /** The model's own chat template (task.prompt.template "model"), for the correction queries too. */
  modelChat?: ModelChatFormat;
}

/** The next `count` problems of the data stream for extra sampling round `round` (≥ 1); deterministic. */
export type MoreProblems = (count: number, round: number) => Problem[];

/** One line of samples.jsonl. */
export interface SampleRecord {
  step: number;
  [field: string]: unknown;
}

/** The fields every sample record has: the problem, and one scored completion of it. */
export function trajectoryRecord(step: number, problem: Problem, t: ScoredTrajectory): SampleRecord {
  return {
    step,
    problem_id: problem.id,
    question: problem.question,
    gold: problem.gold,
    completion: t.completionText,
    reward: t.reward,
    correct: t.correct,
    truncated: t.truncated,
    reason: t.reason,
  };
}

/** What one algorithm step returns to the training loop. */
export interface StepResult {
  /** The groups trained on. */
  groups: RolloutGroup[];
  /** Their advantages (0 where an algorithm has none). */
  advantages_PG: number[][];
  /** Every group sampled, trained on or not (default `groups`); the difficulty filter records them all. */
  sampledGroups?: RolloutGroup[];
  /** Sample records of a further layer (MGRPO's corrections) for samples.jsonl, given the step and the limit. */
  extraSamples?: (step: number, limit: number) => SampleRecord[];
  /** Messages for the run log, e.g. dynamic sampling stopped at its cap. */
  warnings?: string[];
  /** Namespaced metrics (core/metrics.ts); time/ keys go to timings.jsonl. */
  metrics: Metrics;
}
