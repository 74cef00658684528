// Held-out accuracy of a model on a task: K samples per problem, mean correctness, and unbiased
// pass@k (Chen et al. 2021) for k ≤ K.
import { meanPassAtK } from "../core/passAtK.js";
import { type RolloutGroup, sampleGroups } from "../algorithms/rollouts.js";
import type { Tokenizer } from "../engine/tokenizer/types.js";
import type { SamplingEngine, SamplingParams } from "../engine/types.js";
import type { Problem, Task } from "../tasks/types.js";

export interface AccuracyOptions {
  renderPrompt: (problem: Problem) => string;
  sampling: SamplingParams;
  samplesPerProblem: number;
  /** Problems per engine call (bounds memory on the local engine). */
  chunkSize?: number;
}

export interface AccuracyResult {
  n: number;
  samples_per_problem: number;
  accuracy: number;
  /** pass@k for k = 1, 2, 4, … ≤ samples per problem. */
  pass_at_k: Record<string, number>;
  groups: RolloutGroup[];
}

export async function evaluateAccuracy(
  engine: SamplingEngine,
  tokenizer: Tokenizer,
  task: Task,
  problems: readonly Problem[],
  options: AccuracyOptions,
): Promise<AccuracyResult> {
  const K = options.samplesPerProblem;
  const chunk = options.chunkSize ?? 64;
  const groups: RolloutGroup[] = [];
  for (let i = 0; i < problems.length; i += chunk) {
    const sampling = { ...options.sampling, seed: (options.sampling.seed ?? 0) + i };
    groups.push(
      ...(await sampleGroups(engine, tokenizer, task, problems.slice(i, i + chunk), {
        groupSize: K,
        sampling,
        renderPrompt: options.renderPrompt,
        reward: "binary",
      })),
    );
  }
  const counts = groups.map((g) => ({ n: K, c: g.trajectories_G.filter((t) => t.correct).length }));
  const pass_at_k: Record<string, number> = {};
  for (let k = 1; k <= K; k *= 2) pass_at_k[`pass@${k}`] = meanPassAtK(counts, k);
  const correct = counts.reduce((s, c) => s + c.c, 0);
  return {
    n: problems.length,
    samples_per_problem: K,
    accuracy: correct / (problems.length * K),
    pass_at_k,
    groups,
  };
}
