// One MGRPO step (ALGORITHMS.md "MGRPO"; MGRPO 001 §3.2): layer 1 is a GRPO step on the questions;
// layer 2 builds, for every layer-1 attempt o_i, the correction query q'_i = q + o_i + p_guide (p_guide
// drawn from a pool with a seeded stream), samples H corrections, verifies them, keeps the H-groups with
// at least one right correction (core/mgrpoSelection.ts), takes GRPO advantages within each kept group
// and updates the same policy with the paper's layer-2 normalisation (core/aggregation.ts).
//
// Order "sequential" (default, the paper's): layer-1 update, then layer-2 sampling from the updated
// policy, then the layer-2 update, so layer2_accuracy is the paper's Acc@t1' ("before the layer-2
// update"). Order "combined": both layers are sampled from the same policy and one update runs over
// both layers' datums (layer 1's datums are taken from grpoStep by deferring its engine updates).
import { computeBatchAdvantages, mean } from "../core/advantages.js";
import { mgrpoLayer2Weights } from "../core/aggregation.js";
import { type Layer2Group, selectLayer2Group, summarizeLayer2Selection } from "../core/mgrpoSelection.js";
import { Rng } from "../core/rng.js";
import type { AdamParams, Datum, TrainingEngine } from "../engine/types.js";
import type { CorrectionRendering } from "../tasks/correctionPrompt.js";
import type { Problem } from "../tasks/types.js";
import { type CorrectionGroup, guidePhraseFor, sampleCorrections } from "./correctionRollouts.js";
import {
  type GrpoContext,
  type GrpoOptions,
  type GrpoStepResult,
  grpoStep,
  klPenalisedRewards,
  type MoreProblems,
  type PolicyLossOptions,
  policyLossSpec,
  updatePolicy,
} from "./grpo.js";
import { fullSequence, policyDatum } from "./policyDatums.js";

export interface MgrpoLayer2Options {
  /** H, corrections per layer-1 attempt. */
  layer2Group: number;
  /** The guide-phrase pool p_guide is drawn from (uniformly, one draw per attempt). */
  guidePhrases: readonly string[];
  rendering: CorrectionRendering;
  order: "sequential" | "combined";
  discardRightThenAllWrong: boolean;
  /** "paper": eq. 6, 1/H Σ_j Σ_h per question; "attempt-mean": also / G' (see layer2Datums). */
  normalization: Layer2Normalization;
  /**
   * Leave out of the layer-2 update the kept groups whose advantages are all exactly 0 (e.g. H right
   * confirmations under GRPO): their surrogate term is 0, so only their KL term (and entropy bonus) is lost.
   */
  dropZeroAdvantageGroups: boolean;
  /** SystemPrompt_L2 (001 eq. 5); none by default. */
  system?: string;
}

export type Layer2Normalization = "paper" | "attempt-mean";

export interface MgrpoOptions extends GrpoOptions {
  mgrpo: MgrpoLayer2Options;
}

export interface MgrpoStepResult extends GrpoStepResult {
  /** The H corrections of every layer-1 attempt, in (prompt, attempt) order. */
  layer2: CorrectionGroup[];
  selection: Layer2Group[];
  /** Advantages of each layer-2 group; all 0 for a discarded group (it has no datums). */
  layer2Advantages_JH: number[][];
}

/** Stream key of the layer-2 sampling seed (derived from the step's sampling seed). */
export const LAYER2_SAMPLING_STREAM = 0x12c2;

/**
 * A view of `engine` that records the datums of forwardBackward calls up to the first optimStep and
 * applies nothing (for the combined order: grpoStep prepares layer 1, the caller updates once).
 */
function deferUpdates(engine: TrainingEngine): { engine: TrainingEngine; datums: Datum[] } {
  const datums: Datum[] = [];
  let recording = true;
  const view: TrainingEngine = {
    info: engine.info,
    sample: (prompt, n, params) => engine.sample(prompt, n, params),
    sampleMany: (prompts, n, params) => engine.sampleMany(prompts, n, params),
    computeLogprobs: (sequences) => engine.computeLogprobs(sequences),
    forward: (d, loss) => engine.forward(d, loss),
    forwardBackward: async (d) => {
      if (recording) datums.push(...d);
      return { logprobs: [], metrics: {} };
    },
    optimStep: async () => {
      recording = false;
      return { metrics: {} };
    },
    saveState: (dir) => engine.saveState(dir),
    loadState: (dir) => engine.loadState(dir),
    saveWeights: (dir) => engine.saveWeights(dir),
  };
  return { engine: view, datums };
}

/**
 * Datums of the kept layer-2 groups, and every group's advantages. Advantages are the configured
 * estimator within each H-group (GRPO: (R − mean)/std over the H corrections); the weights are eq. 6
 * per question, averaged over the `numPrompts` questions of the batch as layer 1 is ("paper"), or
 * averaged over all `groups.length` = B·G' correction queries ("attempt-mean": each question's layer-2
 * loss then weighs as its layer-1 loss 1/G Σ_i does). With `dropZeroAdvantage`, a kept group whose
 * advantages are all exactly 0 gets no datums (the weights of the others do not depend on it).
 */
export async function layer2Datums(
  ctx: Pick<GrpoContext, "reference">,
  groups: readonly CorrectionGroup[],
  selection: readonly Layer2Group[],
  advantage: GrpoOptions["advantage"],
  loss: PolicyLossOptions,
  numPrompts: number,
  normalization: Layer2Normalization,
  dropZeroAdvantage = false,
): Promise<{ datums: Datum[]; advantages_JH: number[][]; zeroAdvantageGroups: number }> {
  if (groups.length !== selection.length)
    throw new Error(`layer2Datums: ${groups.length} groups but ${selection.length} selections`);
  const kept = selection.flatMap((s, j) => (s.kept ? [j] : []));
  const seqs_KH = kept.map((j) => groups[j].trajectories_H);
  const useKl = loss.kl.coef > 0;
  if (useKl && !ctx.reference && seqs_KH.length > 0)
    throw new Error("MGRPO: loss.kl.coef > 0 needs a reference policy");
  const refLogprobs = async (rows: (typeof seqs_KH)[number][]) =>
    rows.length > 0 ? await ctx.reference!.computeLogprobs(rows.flat().map(fullSequence)) : [];
  const klInReward = useKl && loss.kl.mode === "in-reward";
  const rewards_KH = klInReward
    ? klPenalisedRewards(seqs_KH, await refLogprobs(seqs_KH), loss.kl)
    : seqs_KH.map((row) => row.map((t) => t.reward));
  const advantages_KH = computeBatchAdvantages(rewards_KH, advantage);
  const isZero_K = advantages_KH.map((row) => row.every((a) => a === 0));
  const trained = isZero_K.flatMap((zero, k) => (dropZeroAdvantage && zero ? [] : [k]));
  // Q = the B questions ("paper": eq. 6 sums over a question's correction queries), or all B·G' correction queries ("attempt-mean")
  const Q = normalization === "paper" ? numPrompts : groups.length;
  const weights_KHT = mgrpoLayer2Weights(
    seqs_KH.map((row) => row.map((t) => t.completionTokens.map(() => 1))),
    Q,
  );
  const ref_BN = useKl && loss.kl.mode === "in-loss" ? await refLogprobs(trained.map((k) => seqs_KH[k])) : [];
  const datums: Datum[] = [];
  let b = 0;
  for (const k of trained) {
    for (const [h, t] of seqs_KH[k].entries()) {
      datums.push(
        policyDatum({ ...t, advantage: advantages_KH[k][h], weights_T: weights_KHT[k][h] }, ref_BN[b]),
      );
      b++;
    }
  }
  const advantages_JH = groups.map((g) => g.trajectories_H.map(() => 0));
  kept.forEach((j, k) => {
    advantages_JH[j] = advantages_KH[k];
  });
  return { datums, advantages_JH, zeroAdvantageGroups: isZero_K.filter(Boolean).length };
}

const tokensOf = (ts: readonly { completionTokens: readonly number[] }[]) =>
  ts.reduce((s, t) => s + t.completionTokens.length, 0);

const orNull = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? null : v);

export async function mgrpoStep(
  ctx: GrpoContext,
  problems: readonly Problem[],
  options: MgrpoOptions,
  adam: AdamParams,
  moreProblems: MoreProblems = () => [],
): Promise<MgrpoStepResult> {
  const m = options.mgrpo;
  if (!(m.layer2Group >= 1)) throw new Error(`mgrpo.layer2Group must be ≥ 1, got ${m.layer2Group}`);
  if (m.guidePhrases.length === 0) throw new Error("mgrpo.guidePhrases: the pool is empty");
  const seed = options.sampling.seed ?? 0;
  const deferred = m.order === "combined" ? deferUpdates(ctx.engine) : undefined;

  // Layer 1: GRPO on q (updates the policy in the sequential order). Layer 2 corrects the attempts of
  // the groups layer 1 trained on (with dynamic sampling, the batch it filled).
  const layer1 = await grpoStep(
    deferred ? { ...ctx, engine: deferred.engine } : ctx,
    problems,
    options,
    adam,
    moreProblems,
  );
  const t0 = performance.now();

  // Layer 2: q'_i = q + o_i + p_guide, H corrections each, from the (updated) policy.
  const attempts = layer1.groups.flatMap((g, p) =>
    g.trajectories_G.map((t, i) => ({
      problem: g.problem,
      attemptText: t.completionText,
      attemptCorrect: t.correct,
      guidePhrase: guidePhraseFor(seed, p, i, m.guidePhrases),
    })),
  );
  const { groups: layer2, maxTokens } = await sampleCorrections(
    ctx.engine,
    ctx.tokenizer,
    ctx.task,
    attempts,
    {
      groupSize: m.layer2Group,
      sampling: { ...options.sampling, seed: Rng.derive(seed, LAYER2_SAMPLING_STREAM).nextU32() },
      rendering: m.rendering,
      reward: options.reward,
      system: m.system,
    },
  );
  const tSample = performance.now();

  const selection = layer2.map((g) =>
    selectLayer2Group(
      g.attemptCorrect,
      g.trajectories_H.map((t) => t.correct),
      { discardRightThenAllWrong: m.discardRightThenAllWrong },
    ),
  );
  const { datums, advantages_JH, zeroAdvantageGroups } = await layer2Datums(
    ctx,
    layer2,
    selection,
    options.advantage,
    options.loss,
    layer1.groups.length,
    m.normalization,
    m.dropZeroAdvantageGroups,
  );
  const tPrepare = performance.now();

  const spec = policyLossSpec(options.loss);
  const update = (d: Datum[]) =>
    d.length === 0
      ? Promise.resolve({} as Record<string, number>)
      : updatePolicy(ctx.engine, d, spec, adam, options.updatesPerBatch, options.microBatchSize);
  const engineMetrics = await update(deferred ? [...deferred.datums, ...datums] : datums);
  const tUpdate = performance.now();

  const summary = summarizeLayer2Selection(selection);
  const flat2 = layer2.flatMap((g) => g.trajectories_H);
  const tokens1 = tokensOf(layer1.groups.flatMap((g) => g.trajectories_G));
  const tokens2 = tokensOf(flat2);
  const engineKeys = {
    loss: orNull(engineMetrics["loss:sum"]),
    kl: orNull(engineMetrics["kl:mean"]),
    entropy: orNull(engineMetrics["entropy:mean"]),
    clip_frac: orNull(engineMetrics["clip_frac:mean"]),
    grad_norm: orNull(engineMetrics.grad_norm),
  };
  const metrics: Record<string, number | null> = {
    ...layer1.metrics,
    // combined: the one update's metrics replace layer 1's (which applied nothing)
    ...(deferred ? engineKeys : {}),
    layer1_accuracy: layer1.metrics.accuracy ?? null,
    layer2_accuracy: summary.correctionAccuracy,
    layer2_reward_mean: flat2.length > 0 ? mean(flat2.map((t) => t.reward)) : null,
    layer2_samples: summary.corrections,
    layer2_corrections: summary.successfulCorrections,
    layer2_confirmations: summary.successfulConfirmations,
    layer2_failures: summary.failures,
    layer2_failed_corrections: summary.failedCorrections,
    layer2_failed_confirmations: summary.failedConfirmations,
    layer2_kept_groups: summary.keptGroups,
    layer2_discarded_groups: summary.discardedGroups,
    layer2_discarded_wrong_then_all_wrong: summary.discardedWrongThenAllWrong,
    layer2_discarded_right_then_all_wrong: summary.discardedRightThenAllWrong,
    layer2_zero_advantage_groups: zeroAdvantageGroups,
    layer2_i2c_rate: summary.i2cRate,
    layer2_c2i_rate: summary.c2iRate,
    layer2_correction_success_rate: summary.correctionSuccessRate,
    layer2_confirmation_success_rate: summary.confirmationSuccessRate,
    layer2_truncated_share: flat2.length > 0 ? mean(flat2.map((t) => (t.truncated ? 1 : 0))) : null,
    layer2_completion_tokens_mean: flat2.length > 0 ? tokens2 / flat2.length : null,
    layer2_max_tokens: maxTokens,
    layer2_datums: datums.length,
    sampled_tokens_layer1: tokens1,
    sampled_tokens_layer2: tokens2,
    sampled_tokens: tokens1 + tokens2,
    ...(deferred
      ? {}
      : {
          layer2_loss: engineKeys.loss,
          layer2_kl: engineKeys.kl,
          layer2_entropy: engineKeys.entropy,
          layer2_clip_frac: engineKeys.clip_frac,
          layer2_grad_norm: engineKeys.grad_norm,
        }),
    layer2_sample_tokens_per_s: tSample > t0 ? tokens2 / ((tSample - t0) / 1000) : null,
    time_layer2_sample_s: (tSample - t0) / 1000,
    time_layer2_prepare_s: (tPrepare - tSample) / 1000,
    time_layer2_update_s: (tUpdate - tPrepare) / 1000,
  };
  return { ...layer1, metrics, layer2, selection, layer2Advantages_JH: advantages_JH };
}
