// One MGRPO step (docs/algorithms.md#mgrpo; MGRPO 001 §3.2): layer 1 is a GRPO batch on the questions;
// layer 2 builds, for every layer-1 attempt o_i, the correction query q'_i = q + o_i + p_guide (p_guide
// drawn from a pool with a seeded stream), samples H corrections, verifies them, keeps the H-groups with
// at least one right correction (core/mgrpoSelection.ts), takes GRPO advantages within each kept group
// and updates the same policy with the paper's layer-2 normalisation (core/aggregation.ts).
//
// Order "sequential" (default, the paper's): layer-1 update, then layer-2 sampling from the updated
// policy, then the layer-2 update, so layer2/accuracy is the paper's Acc@t1' ("before the layer-2
// update"). Order "combined": both layers are sampled from the same policy and one update runs over
// both batches' datums.
import { computeBatchAdvantages } from "../core/advantages.js";
import { mgrpoLayer2Weights } from "../core/aggregation.js";
import type { CorrectionRendering, Layer2Normalization, MgrpoOrder } from "../core/choices.js";
import { type Metrics, rolloutMetrics, seconds } from "../core/metrics.js";
import { type Layer2Group, selectLayer2Group, summarizeLayer2Selection } from "../core/mgrpoSelection.js";
import { Rng } from "../core/rng.js";
import type { AdamParams, Datum, TrainingEngine } from "../engine/types.js";
import type { Problem } from "../tasks/types.js";
import type { AlgorithmContext, MoreProblems, StepResult } from "./context.js";
import { type CorrectionGroup, guidePhraseFor, sampleCorrections } from "./correctionRollouts.js";
import { applyBatch, type GrpoOptions, prepareGrpoBatch } from "./grpo.js";
import { policyDatum, fullSequence } from "./policyDatums.js";
import { type PolicyBatch, type PolicyLossOptions, policyLossSpec, trainingRewards } from "./policyUpdate.js";
import type { RolloutGroup } from "./rollouts.js";

export interface MgrpoLayer2Options {
  /** H, corrections per layer-1 attempt. */
  layer2Group: number;
  /** The guide-phrase pool p_guide is drawn from (uniformly, one draw per attempt). */
  guidePhrases: readonly string[];
  rendering: CorrectionRendering;
  order: MgrpoOrder;
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

export interface MgrpoOptions extends GrpoOptions {
  mgrpo: MgrpoLayer2Options;
}

export interface MgrpoStepResult extends StepResult {
  /** The H corrections of every layer-1 attempt, in (prompt, attempt) order. */
  layer2: CorrectionGroup[];
  selection: Layer2Group[];
  /** Advantages of each layer-2 group; all 0 for a discarded group (it has no datums). */
  layer2Advantages_JH: number[][];
}

/** Stream key of the layer-2 sampling seed (derived from the step's sampling seed). */
export const LAYER2_SAMPLING_STREAM = 0x12c2;

/**
 * Datums of the kept layer-2 groups, and every group's advantages. Advantages are the configured
 * estimator within each H-group (GRPO: (R − mean)/std over the H corrections); the weights are eq. 6
 * per question, averaged over the `numPrompts` questions of the batch as layer 1 is ("paper"), or
 * averaged over all `groups.length` = B·G' correction queries ("attempt-mean": each question's layer-2
 * loss then weighs as its layer-1 loss 1/G Σ_i does). With `dropZeroAdvantage`, a kept group whose
 * advantages are all exactly 0 gets no datums (the weights of the others do not depend on it).
 */
export async function layer2Datums(
  reference: TrainingEngine | undefined,
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
  if (useKl && !reference && seqs_KH.length > 0)
    throw new Error("MGRPO: loss.kl.coef > 0 needs a reference policy");
  const refLogprobs = async (rows: (typeof seqs_KH)[number][]) =>
    rows.length > 0 ? await reference!.computeLogprobs(rows.flat().map(fullSequence)) : [];
  const rewards_KH = await trainingRewards(reference, seqs_KH, loss);
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

/** Layer 2 of a step, ready for the update: the corrections, their selection and advantages, datums. */
export interface Layer2Batch extends PolicyBatch {
  groups: CorrectionGroup[];
  selection: Layer2Group[];
  advantages_JH: number[][];
  /** layer2/ and time/ metrics. */
  metrics: Metrics;
}

/** Samples H corrections of every attempt of the layer-1 groups, selects and weighs them; touches no weights. */
export async function prepareLayer2Batch(
  ctx: AlgorithmContext,
  layer1Groups: readonly RolloutGroup[],
  options: MgrpoOptions,
): Promise<Layer2Batch> {
  const m = options.mgrpo;
  const seed = options.sampling.seed ?? 0;
  const t0 = performance.now();
  // q'_i = q + o_i + p_guide, H corrections each.
  const attempts = layer1Groups.flatMap((g, p) =>
    g.trajectories_G.map((t, i) => ({
      problem: g.problem,
      attemptText: t.completionText,
      attemptCorrect: t.correct,
      guidePhrase: guidePhraseFor(seed, p, i, m.guidePhrases),
    })),
  );
  const { groups, maxTokens } = await sampleCorrections(ctx.engine, ctx.tokenizer, ctx.task, attempts, {
    groupSize: m.layer2Group,
    sampling: { ...options.sampling, seed: Rng.derive(seed, LAYER2_SAMPLING_STREAM).nextU32() },
    rendering: m.rendering,
    reward: options.reward,
    system: m.system,
    model: ctx.modelChat,
  });
  const tSample = performance.now();

  const selection = groups.map((g) =>
    selectLayer2Group(
      g.attemptCorrect,
      g.trajectories_H.map((t) => t.correct),
      { discardRightThenAllWrong: m.discardRightThenAllWrong },
    ),
  );
  const { datums, advantages_JH, zeroAdvantageGroups } = await layer2Datums(
    ctx.reference,
    groups,
    selection,
    options.advantage,
    options.loss,
    layer1Groups.length,
    m.normalization,
    m.dropZeroAdvantageGroups,
  );
  const summary = summarizeLayer2Selection(selection);
  const rollout = rolloutMetrics(
    groups.flatMap((g) => g.trajectories_H),
    "layer2",
  );
  const metrics: Metrics = {
    ...rollout,
    "layer2/corrections": summary.successfulCorrections,
    "layer2/confirmations": summary.successfulConfirmations,
    "layer2/failures": summary.failures,
    "layer2/failed_corrections": summary.failedCorrections,
    "layer2/failed_confirmations": summary.failedConfirmations,
    "layer2/kept_groups": summary.keptGroups,
    "layer2/discarded_groups": summary.discardedGroups,
    "layer2/discarded_wrong_then_all_wrong": summary.discardedWrongThenAllWrong,
    "layer2/discarded_right_then_all_wrong": summary.discardedRightThenAllWrong,
    "layer2/zero_advantage_groups": zeroAdvantageGroups,
    "layer2/i2c_rate": summary.i2cRate,
    "layer2/c2i_rate": summary.c2iRate,
    "layer2/correction_success_rate": summary.correctionSuccessRate,
    "layer2/confirmation_success_rate": summary.confirmationSuccessRate,
    "layer2/max_tokens": maxTokens,
    "layer2/datums": datums.length,
    "time/layer2_sample_s": seconds(t0, tSample),
    "time/layer2_sample_tokens_per_s":
      tSample > t0 ? Number(rollout["layer2/sampled_tokens"]) / seconds(t0, tSample) : null,
    "time/layer2_prepare_s": seconds(tSample, performance.now()),
  };
  return { groups, selection, advantages_JH, datums, loss: policyLossSpec(options.loss), metrics };
}

export async function mgrpoStep(
  ctx: AlgorithmContext,
  problems: readonly Problem[],
  options: MgrpoOptions,
  adam: AdamParams,
  moreProblems: MoreProblems = () => [],
): Promise<MgrpoStepResult> {
  const m = options.mgrpo;
  if (!(m.layer2Group >= 1)) throw new Error(`mgrpo.layer2Group must be ≥ 1, got ${m.layer2Group}`);
  if (m.guidePhrases.length === 0) throw new Error("mgrpo.guidePhrases: the pool is empty");
  // Layer 2 corrects the attempts of the groups layer 1 trains on (with dynamic sampling, the batch it filled).
  const layer1 = await prepareGrpoBatch(ctx, problems, options, moreProblems);
  let metrics: Metrics;
  let layer2: Layer2Batch;
  if (m.order === "sequential") {
    const update1 = await applyBatch(ctx, layer1, options, adam);
    layer2 = await prepareLayer2Batch(ctx, layer1.groups, options);
    const update2 = await applyBatch(ctx, layer2, options, adam, "layer2");
    metrics = { ...layer1.metrics, ...update1, ...layer2.metrics, ...update2 };
  } else {
    layer2 = await prepareLayer2Batch(ctx, layer1.groups, options);
    const both = { datums: [...layer1.datums, ...layer2.datums], loss: layer1.loss };
    metrics = { ...layer1.metrics, ...layer2.metrics, ...(await applyBatch(ctx, both, options, adam)) };
  }
  return {
    groups: layer1.groups,
    advantages_PG: layer1.advantages_PG,
    sampledGroups: layer1.sampledGroups,
    warnings: layer1.warnings,
    metrics: { ...metrics, "optim/lr": adam.learningRate },
    layer2: layer2.groups,
    selection: layer2.selection,
    layer2Advantages_JH: layer2.advantages_JH,
  };
}
