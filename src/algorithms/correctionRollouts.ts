// Correction rollouts (docs/algorithms.md "MGRPO", layer 2 and two-turn evaluation): for each attempt (a
// turn-1 / layer-1 completion) render the correction query q' = q + attempt + guide phrase, sample H
// corrections through the engine and score them with the task's verifier. Used by the MGRPO step, the
// two-turn evaluation and STaR with external prompts.
import { stopTokenIds } from "../engine/tokenizer/stopTokens.js";
import type { RewardKind } from "../core/choices.js";
import { Rng } from "../core/rng.js";
import type { Tokenizer } from "../engine/tokenizer/types.js";
import type { SamplingEngine, SamplingParams } from "../engine/types.js";
import {
  type CorrectionRendering,
  type ModelChatFormat,
  renderCorrectionQuery,
} from "../tasks/correctionPrompt.js";
import { pickGuidePhrase } from "../tasks/guidePhrases.js";
import type { Problem, Task } from "../tasks/types.js";
import { type ScoredTrajectory, scoredTrajectory } from "./rollouts.js";

/** One attempt to be corrected, with the guide phrase its correction query uses. */
export interface CorrectionAttempt {
  problem: Problem;
  /** The attempt's completion text (as the verifier saw it). */
  attemptText: string;
  attemptCorrect: boolean;
  guidePhrase: string;
}

/** The H scored corrections of one attempt. */
export interface CorrectionGroup extends CorrectionAttempt {
  /** The rendered correction query q'. */
  queryText: string;
  trajectories_H: ScoredTrajectory[];
}

export interface CorrectionRolloutOptions {
  /** H, corrections per attempt. */
  groupSize: number;
  sampling: SamplingParams;
  rendering: CorrectionRendering;
  reward: RewardKind;
  /** The layer-2 system prompt (none by default). */
  system?: string;
  /** The model's own chat template for the correction queries; the built-in one when absent. */
  model?: ModelChatFormat;
}

/** Stream key of the guide-phrase draws (Rng.derive(seed, GUIDE_STREAM, p, i)). */
export const GUIDE_STREAM = 0x6d67;

/**
 * The guide phrase of attempt i of prompt p under `seed`: a pure function of (seed, p, i), so reruns
 * and resumed runs draw the same phrases whatever happened before.
 */
export function guidePhraseFor(seed: number, p: number, i: number, pool: readonly string[]): string {
  return pickGuidePhrase(Rng.derive(seed, GUIDE_STREAM, p, i), pool);
}

/** The completion budget of correction queries: maxTokens, capped so the longest prompt still fits; throws when it cannot. */
export function correctionMaxTokens(
  promptLengths: readonly number[],
  maxTokens: number,
  maxSequenceLength: number,
): number {
  const longest = promptLengths.reduce((m, n) => Math.max(m, n), 0);
  const room = maxSequenceLength - longest;
  if (room < 1) {
    throw new Error(
      `correction query of ${longest} tokens leaves no room for a completion under the model's ` +
        `${maxSequenceLength} positions; lower sampling.maxTokens`,
    );
  }
  return Math.min(maxTokens, room);
}

/**
 * Samples H corrections of every attempt. The completion budget is sampling.maxTokens, capped so that
 * the longest correction query plus its completion fits the model (a correction query carries the
 * attempt, so it can be up to maxTokens longer than the question's prompt); the cap used is returned.
 */
export async function sampleCorrections(
  engine: SamplingEngine,
  tokenizer: Tokenizer,
  task: Task,
  attempts: readonly CorrectionAttempt[],
  options: CorrectionRolloutOptions,
): Promise<{ groups: CorrectionGroup[]; maxTokens: number }> {
  const queries = attempts.map((a) =>
    renderCorrectionQuery(a.problem.question, a.attemptText, a.guidePhrase, {
      rendering: options.rendering,
      system: options.system,
      model: options.model,
    }),
  );
  const prompts = queries.map((q) => tokenizer.encode(q));
  if (prompts.length === 0) return { groups: [], maxTokens: options.sampling.maxTokens };
  const maxTokens = correctionMaxTokens(
    prompts.map((p) => p.length),
    options.sampling.maxTokens,
    engine.info.maxSequenceLength,
  );
  const stopTokens = options.sampling.stopTokens ?? stopTokenIds(tokenizer);
  const sampled = await engine.sampleMany(prompts, options.groupSize, {
    ...options.sampling,
    maxTokens,
    stopTokens,
  });
  const groups = await Promise.all(
    attempts.map(async (a, j) => ({
      ...a,
      queryText: queries[j],
      trajectories_H: await Promise.all(
        sampled[j].map((seq) =>
          scoredTrajectory(tokenizer, task, a.problem, prompts[j], seq, options.reward),
        ),
      ),
    })),
  );
  return { groups, maxTokens };
}
