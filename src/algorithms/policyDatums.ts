// Trajectories → engine datums. A sequence is prompt ++ completion; the datum's position t predicts
// token t+1 (Tinker's Datum alignment), so completion token j sits at position P−1+j. Prompt positions get
// weight 0, which masks them out of every loss.
import type { Datum } from "../engine/types.js";

export interface PolicySequence {
  promptTokens: readonly number[];
  completionTokens: readonly number[];
  samplingLogprobs_T: readonly number[];
  /** One advantage for the whole completion (GRPO), or one per completion token. */
  advantage: number | readonly number[];
  /** Per completion token: the aggregation weight (mask / normaliser, core/aggregation.ts). */
  weights_T: readonly number[];
}

/** The full token sequence of a trajectory. */
export function fullSequence(s: {
  promptTokens: readonly number[];
  completionTokens: readonly number[];
}): number[] {
  return [...s.promptTokens, ...s.completionTokens];
}

/** Places per-completion-token values at their datum positions, zero over the prompt. */
export function alignToDatum(promptLength: number, values_T: readonly number[]): number[] {
  const out = new Array<number>(promptLength - 1 + values_T.length).fill(0);
  for (let j = 0; j < values_T.length; j++) out[promptLength - 1 + j] = values_T[j];
  return out;
}

/**
 * The datum of one sequence. `refLogprobs_N` (optional) is the reference model's computeLogprobs of the
 * full sequence, which already has the datum's alignment.
 */
export function policyDatum(s: PolicySequence, refLogprobs_N?: readonly number[]): Datum {
  const P = s.promptTokens.length;
  const C = s.completionTokens.length;
  if (P < 1) throw new Error("policyDatum: the prompt must have at least one token");
  if (s.samplingLogprobs_T.length !== C || s.weights_T.length !== C) {
    throw new Error(
      `policyDatum: ${C} completion tokens but ${s.samplingLogprobs_T.length} logprobs and ${s.weights_T.length} weights`,
    );
  }
  const seq = fullSequence(s);
  const advantages_T =
    typeof s.advantage === "number" ? new Array<number>(C).fill(s.advantage) : [...s.advantage];
  if (advantages_T.length !== C)
    throw new Error(`policyDatum: ${C} completion tokens but ${advantages_T.length} advantages`);
  const datum: Datum = {
    inputTokens: seq.slice(0, -1),
    targetTokens: seq.slice(1),
    weights: alignToDatum(P, s.weights_T),
    samplingLogprobs: alignToDatum(P, s.samplingLogprobs_T),
    advantages: alignToDatum(P, advantages_T),
  };
  if (refLogprobs_N) {
    if (refLogprobs_N.length !== seq.length - 1) {
      throw new Error(
        `policyDatum: reference logprobs have length ${refLogprobs_N.length}, expected ${seq.length - 1}`,
      );
    }
    datum.refLogprobs = [...refLogprobs_N];
  }
  return datum;
}

/** Splits datums into micro-batches of at most `size` (the weights already carry the whole batch's normaliser). */
export function microBatches<T>(items: readonly T[], size: number): T[][] {
  if (!(size >= 1)) throw new Error(`microBatches: size must be ≥ 1, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
