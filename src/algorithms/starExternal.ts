// "STaR with external prompts" (docs/algorithms.md "MGRPO", baselines; MGRPO 001 §4 after Kumar et al. 2024):
// sample G attempts per question, build each attempt's correction query with a guide phrase (the same
// external prompts as MGRPO's layer 2), sample H corrections, keep the successful revisions (the right
// ones) and take one SFT step (cross-entropy, token-mean) on (correction query, revision) pairs. No
// rewards enter the loss beyond the filter. Right revisions of right attempts (confirmations) are kept
// too, unless `onlyCorrections`: training only on wrong→right pairs teaches the model to change right
// answers as well.
import { aggregationWeights } from "../core/aggregation.js";
import type { CorrectionRendering } from "../core/choices.js";
import { rolloutMetrics, seconds } from "../core/metrics.js";
import { Rng } from "../core/rng.js";
import type { AdamParams, Datum, SamplingParams } from "../engine/types.js";
import type { Problem } from "../tasks/types.js";
import type { AlgorithmContext, StepResult } from "./context.js";
import { guidePhraseFor, sampleCorrections } from "./correctionRollouts.js";
import { applyBatch } from "./grpo.js";
import { fullSequence } from "./policyDatums.js";
import { sampleGroups } from "./rollouts.js";

export interface StarExternalOptions {
  groupSize: number;
  /** H, revisions per attempt. */
  layer2Group: number;
  sampling: SamplingParams;
  guidePhrases: readonly string[];
  rendering: CorrectionRendering;
  /** Keep only right revisions of wrong attempts. Default false (right revisions of every attempt). */
  onlyCorrections?: boolean;
  microBatchSize: number;
}

/** Stream key of the revision sampling seed. */
const REVISION_STREAM = 0x57a4;

/** Cross-entropy datums of (prompt, completion) token sequences, token-mean over the batch's completions. */
export function crossEntropyDatums(
  sequences: readonly { promptTokens: readonly number[]; completionTokens: readonly number[] }[],
): Datum[] {
  const seqs = sequences.map(fullSequence);
  // Position t predicts token t+1: completion tokens sit at t ≥ P − 1.
  const masks_BT = sequences.map((s, i) =>
    seqs[i].slice(1).map((_, t) => (t + 1 >= s.promptTokens.length ? 1 : 0)),
  );
  // w = mask / Σ mask (token-mean SFT, as sft.ts)
  const weights_BT = aggregationWeights(masks_BT, "token-mean");
  return seqs.map((seq, i) => ({
    inputTokens: seq.slice(0, -1),
    targetTokens: seq.slice(1),
    weights: weights_BT[i],
  }));
}

export async function starExternalStep(
  ctx: Pick<AlgorithmContext, "engine" | "tokenizer" | "task" | "renderPrompt" | "modelChat">,
  problems: readonly Problem[],
  options: StarExternalOptions,
  adam: AdamParams,
): Promise<StepResult> {
  const t0 = performance.now();
  const seed = options.sampling.seed ?? 0;
  const groups = await sampleGroups(ctx.engine, ctx.tokenizer, ctx.task, problems, {
    groupSize: options.groupSize,
    sampling: options.sampling,
    renderPrompt: ctx.renderPrompt,
    reward: "binary",
  });
  const attempts = groups.flatMap((g, p) =>
    g.trajectories_G.map((t, i) => ({
      problem: g.problem,
      attemptText: t.completionText,
      attemptCorrect: t.correct,
      guidePhrase: guidePhraseFor(seed, p, i, options.guidePhrases),
    })),
  );
  const { groups: revisions } = await sampleCorrections(ctx.engine, ctx.tokenizer, ctx.task, attempts, {
    groupSize: options.layer2Group,
    sampling: { ...options.sampling, seed: Rng.derive(seed, REVISION_STREAM).nextU32() },
    rendering: options.rendering,
    reward: "binary",
    model: ctx.modelChat,
  });
  const tSample = performance.now();
  const kept = revisions.flatMap((g) =>
    g.attemptCorrect && options.onlyCorrections ? [] : g.trajectories_H.filter((t) => t.correct),
  );
  const update = await applyBatch(
    ctx,
    { datums: crossEntropyDatums(kept), loss: { kind: "cross_entropy" } },
    { updatesPerBatch: 1, microBatchSize: options.microBatchSize },
    adam,
  );
  const layer1 = rolloutMetrics(
    groups.flatMap((g) => g.trajectories_G),
    "rollout",
  );
  const layer2 = rolloutMetrics(
    revisions.flatMap((g) => g.trajectories_H),
    "layer2",
  );
  const sampledTokens = Number(layer1["rollout/sampled_tokens"]) + Number(layer2["layer2/sampled_tokens"]);
  return {
    groups,
    advantages_PG: groups.map((g) => g.trajectories_G.map(() => 0)),
    metrics: {
      ...layer1,
      ...layer2,
      "star/kept": kept.length,
      "star/kept_corrections": revisions.reduce(
        (s, g) => s + (g.attemptCorrect ? 0 : g.trajectories_H.filter((t) => t.correct).length),
        0,
      ),
      ...update,
      "optim/lr": adam.learningRate,
      "time/sample_s": seconds(t0, tSample),
      "time/sample_tokens_per_s": sampledTokens / seconds(t0, tSample),
    },
  };
}
