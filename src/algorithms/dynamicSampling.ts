// DAPO dynamic sampling around any group sampler (Yu et al. 2025 §3.2; docs/algorithms.md "GRPO", Dead zone):
// sample a batch of prompts, drop the groups whose rewards are all equal, sample more prompts from the data
// stream until `targetGroups` groups with variance exist or the round cap is reached. The decisions are
// core/deadZone.ts planDynamicSampling's; this file only runs the rounds.
import { planDynamicSampling } from "../core/deadZone.js";
import type { Problem } from "../tasks/types.js";

export interface DynamicSamplingRun<G> {
  /** The groups to train on, in sampling order: the first targetGroups with variance (fewer at the cap). */
  kept: G[];
  /** Every group sampled this step, kept or not (for the dead-zone share and the difficulty filter). */
  sampled: G[];
  /** Sampling rounds done, the first one included. */
  rounds: number;
  /** True when sampling stopped (round cap or an exhausted stream) before targetGroups groups with variance. */
  capped: boolean;
  /** The message to log when capped, else null. */
  warning: string | null;
  droppedZeroVariance: number;
}

export interface DynamicSamplingSources<G> {
  /** Samples and scores the groups of `problems`; `round` is 0 for the first round. */
  sample: (problems: readonly Problem[], round: number) => Promise<G[]>;
  /** The rewards that decide zero variance (the task's rewards, before any KL penalty). */
  rewardsOf: (group: G) => readonly number[];
  /** The next `count` problems of the data stream (deterministic); fewer or none when it is exhausted. */
  moreProblems: (count: number, round: number) => Problem[];
}

/**
 * Prompts to sample in the next round: the missing groups divided by the share of groups with variance seen
 * so far (DAPO samples whole batches; this asks for about what is missing), at least `needed`, at most one
 * batch (`targetGroups`); a whole batch when no group had variance yet.
 */
export function nextRoundSize(
  needed: number,
  sampledSoFar: number,
  informativeSoFar: number,
  targetGroups: number,
): number {
  if (informativeSoFar === 0 || sampledSoFar === 0) return targetGroups;
  // n = min(B, ⌈needed · sampled / informative⌉)
  return Math.min(targetGroups, Math.max(needed, Math.ceil((needed * sampledSoFar) / informativeSoFar)));
}

/**
 * Runs dynamic sampling from the step's problems. `maxRounds` counts every round, the first included (≥ 1).
 * Every group with variance is kept up to the target, so a step has a gradient whenever one group has variance.
 */
export async function dynamicSample<G>(
  problems: readonly Problem[],
  sources: DynamicSamplingSources<G>,
  options: { targetGroups: number; maxRounds: number },
): Promise<DynamicSamplingRun<G>> {
  const sampled: G[] = await sources.sample(problems, 0);
  let rounds = 1;
  for (;;) {
    const rewards_PG = sampled.map(sources.rewardsOf);
    const plan = planDynamicSampling(rewards_PG, rounds, options);
    if (plan.action === "train") {
      return {
        kept: plan.keep.map((i) => sampled[i]),
        sampled,
        rounds,
        capped: plan.capReached,
        warning: plan.warning,
        droppedZeroVariance: plan.droppedZeroVariance,
      };
    }
    const count = nextRoundSize(plan.needed, sampled.length, plan.keep.length, options.targetGroups);
    const extra = sources.moreProblems(count, rounds);
    if (extra.length === 0) {
      return {
        kept: plan.keep.map((i) => sampled[i]),
        sampled,
        rounds,
        capped: true,
        warning:
          `dynamic sampling stopped after ${rounds} rounds: the data stream has no more problems ` +
          `(${plan.keep.length} of ${options.targetGroups} groups with variance)`,
        droppedZeroVariance: plan.droppedZeroVariance,
      };
    }
    sampled.push(...(await sources.sample(extra, rounds)));
    rounds++;
  }
}
