// One GRPO step (ALGORITHMS.md "GRPO"; Shao et al. 2024 §4.1): sample G completions per prompt,
// verify, group-relative advantages, clipped surrogate with a KL term, one or more optimizer updates.
// The loop around it (data order, checkpoints, metrics files) is run/trainLoop.ts; this file only
// sees the engine interface.
import { advantageDiagnostics, tokenMass } from "../core/advantageDiagnostics.js";
import { type AdvantageEstimator, computeBatchAdvantages, mean } from "../core/advantages.js";
import { type AggregationMode, aggregationWeights } from "../core/aggregation.js";
import { isZeroVariance } from "../core/deadZone.js";
import { type KlEstimatorName, klPenaltyIntoRewards } from "../core/kl.js";
import { Rng } from "../core/rng.js";
import type { Tokenizer } from "../engine/tokenizer/types.js";
import type { AdamParams, Datum, LossSpec, SamplingParams, TrainingEngine } from "../engine/types.js";
import type { Problem, Task } from "../tasks/types.js";
import { dynamicSample } from "./dynamicSampling.js";
import { fullSequence, microBatches, policyDatum } from "./policyDatums.js";
import { type RolloutGroup, type ScoredTrajectory, sampleGroups } from "./rollouts.js";

export interface PolicyLossOptions {
  policy: "ppo" | "importance_sampling" | "cispo";
  /** Relative ε_low / ε_high: the ratio is clipped to [1 − clipLow, 1 + clipHigh]. */
  clipLow: number;
  clipHigh: number;
  aggregation: AggregationMode;
  kl: { coef: number; estimator: KlEstimatorName; mode: "in-loss" | "in-reward" };
  entropyCoef: number;
}

export interface GrpoOptions {
  groupSize: number;
  sampling: SamplingParams;
  reward: "binary" | "ordinal";
  advantage: { estimator: AdvantageEstimator; scale: "group" | "batch" | "none"; rMinCorrect: number };
  loss: PolicyLossOptions;
  updatesPerBatch: number;
  /** Sequences per forwardBackward call (memory bound of the engine); the loss is still the whole batch's. */
  microBatchSize: number;
  /**
   * Zero-variance groups: "keep" them (GRPO as written) or "dynamic-sampling" (DAPO: drop them, sample more
   * prompts until the batch is full, at most `maxRounds` rounds in all, the first included). Default keep.
   */
  deadZone?: { mode: "keep" | "dynamic-sampling"; maxRounds: number };
}

/** The next `count` problems of the data stream for extra sampling round `round` (≥ 1); deterministic. */
export type MoreProblems = (count: number, round: number) => Problem[];

export interface GrpoContext {
  engine: TrainingEngine;
  /** The frozen reference policy; required when loss.kl.coef > 0. */
  reference?: TrainingEngine;
  tokenizer: Tokenizer;
  task: Task;
  renderPrompt: (problem: Problem) => string;
}

export interface GrpoStepResult {
  /** The groups trained on (all sampled groups in keep mode). */
  groups: RolloutGroup[];
  advantages_PG: number[][];
  /** Every group sampled this step, trained on or dropped by dynamic sampling. */
  sampledGroups: RolloutGroup[];
  /** Messages for the run log (dynamic sampling stopped at its cap). */
  warnings: string[];
  metrics: Record<string, number | null>;
}

/** The engine's loss spec for the policy options: relative ε → absolute ratio thresholds. */
export function policyLossSpec(loss: PolicyLossOptions): LossSpec {
  return {
    kind: "policy",
    policy: loss.policy,
    clipLow: 1 - loss.clipLow,
    clipHigh: 1 + loss.clipHigh,
    klCoef: loss.kl.mode === "in-loss" ? loss.kl.coef : 0,
    klEstimator: loss.kl.estimator,
    entropyCoef: loss.entropyCoef,
  };
}

/**
 * Datums of scored groups with their advantages. Weights follow the aggregation mode over the whole
 * batch (every sequence that carries signal), so micro-batches sum to the batch loss.
 */
export async function buildPolicyDatums(
  ctx: Pick<GrpoContext, "reference">,
  sequences: {
    promptTokens: number[];
    completionTokens: number[];
    samplingLogprobs_T: number[];
    advantage: number;
  }[],
  loss: PolicyLossOptions,
  maxTokens: number,
): Promise<Datum[]> {
  const masks_BT = sequences.map((s) => s.completionTokens.map(() => 1));
  const weights_BT = aggregationWeights(masks_BT, loss.aggregation, { maxTokens });
  const needRef = loss.kl.coef > 0 && loss.kl.mode === "in-loss";
  if (needRef && !ctx.reference) throw new Error("GRPO: loss.kl.coef > 0 needs a reference policy");
  const ref_BN = needRef ? await ctx.reference!.computeLogprobs(sequences.map(fullSequence)) : undefined;
  return sequences.map((s, i) => policyDatum({ ...s, weights_T: weights_BT[i] }, ref_BN?.[i]));
}

/** Rewards with the KL penalty folded in (PPO-style), when the options ask for it. */
async function trainingRewards(
  ctx: GrpoContext,
  groups: RolloutGroup[],
  loss: PolicyLossOptions,
): Promise<number[][]> {
  const rewards_PG = groups.map((g) => g.trajectories_G.map((t) => t.reward));
  if (loss.kl.mode !== "in-reward" || loss.kl.coef === 0) return rewards_PG;
  if (!ctx.reference) throw new Error("GRPO: kl.mode in-reward needs a reference policy");
  const flat = groups.flatMap((g) => g.trajectories_G);
  const ref_BN = await ctx.reference.computeLogprobs(flat.map(fullSequence));
  return klPenalisedRewards(
    groups.map((g) => g.trajectories_G),
    ref_BN,
    loss.kl,
  );
}

/**
 * The rewards of rows of trajectories with the KL penalty folded in (core/kl.ts klPenaltyIntoRewards);
 * ref_BN holds the reference logprobs of the full sequences in the rows' flattened order.
 */
export function klPenalisedRewards(
  rows: readonly (readonly ScoredTrajectory[])[],
  ref_BN: readonly (readonly number[])[],
  kl: Pick<PolicyLossOptions["kl"], "coef" | "estimator">,
): number[][] {
  const flat = rows.flat();
  const penalised = klPenaltyIntoRewards(
    flat.map((t) => t.reward),
    flat.map((t) => t.samplingLogprobs_T),
    flat.map((t, i) => ref_BN[i].slice(t.promptTokens.length - 1)),
    { coef: kl.coef, estimator: kl.estimator },
  );
  let k = 0;
  return rows.map((row) => row.map(() => penalised[k++]));
}

/** Runs forwardBackward over micro-batches and optimizer updates; returns token-weighted engine metrics. */
export async function updatePolicy(
  engine: TrainingEngine,
  datums: Datum[],
  lossSpec: LossSpec,
  adam: AdamParams,
  updates: number,
  microBatchSize: number,
): Promise<Record<string, number>> {
  const sums: Record<string, number> = {};
  let lastGradNorm = Number.NaN;
  for (let u = 0; u < updates; u++) {
    for (const mb of microBatches(datums, microBatchSize)) {
      const out = await engine.forwardBackward(mb, lossSpec);
      const n = mb.length;
      for (const [k, v] of Object.entries(out.metrics)) {
        if (!Number.isFinite(v)) continue;
        sums[k] = (sums[k] ?? 0) + (k.endsWith(":sum") ? v : v * n);
      }
    }
    const step = await engine.optimStep(adam);
    lastGradNorm = step.metrics["grad_norm:mean"] ?? lastGradNorm;
  }
  const metrics: Record<string, number> = {};
  const total = datums.length * updates;
  for (const [k, v] of Object.entries(sums)) metrics[k] = k.endsWith(":sum") ? v / updates : v / total;
  if (Number.isFinite(lastGradNorm)) metrics.grad_norm = lastGradNorm;
  return metrics;
}

/** The sampling seed of extra round `round` of a step (round 0 uses the step's own seed). */
export function roundSamplingSeed(seed: number | undefined, round: number): number | undefined {
  return round === 0 ? seed : Rng.derive(seed ?? 0, 0xd5a3, round).nextU32();
}

export async function grpoStep(
  ctx: GrpoContext,
  problems: readonly Problem[],
  options: GrpoOptions,
  adam: AdamParams,
  moreProblems: MoreProblems = () => [],
): Promise<GrpoStepResult> {
  const t0 = performance.now();
  const sample = (ps: readonly Problem[], round: number) =>
    sampleGroups(ctx.engine, ctx.tokenizer, ctx.task, ps, {
      groupSize: options.groupSize,
      sampling: { ...options.sampling, seed: roundSamplingSeed(options.sampling.seed, round) },
      renderPrompt: ctx.renderPrompt,
      reward: options.reward,
    });
  const dynamic = options.deadZone?.mode === "dynamic-sampling";
  const ds = dynamic
    ? await dynamicSample(
        problems,
        { sample, moreProblems, rewardsOf: (g) => g.trajectories_G.map((t) => t.reward) },
        { targetGroups: problems.length, maxRounds: options.deadZone?.maxRounds ?? 1 },
      )
    : null;
  const sampledGroups = ds ? ds.sampled : await sample(problems, 0);
  const groups = ds ? ds.kept : sampledGroups;
  const tSample = performance.now();

  const sampledFlat = sampledGroups.flatMap((g) => g.trajectories_G);
  const sampledTokens = sampledFlat.reduce((s, t) => s + t.completionTokens.length, 0);
  const rawRewards_PG = sampledGroups.map((g) => g.trajectories_G.map((t) => t.reward));
  const metrics: Record<string, number | null> = {
    // On-policy measures over every sampled group (kept or dropped), so they compare across dead-zone modes.
    reward_mean: mean(sampledFlat.map((t) => t.reward)),
    accuracy: mean(sampledFlat.map((t) => (t.correct ? 1 : 0))),
    truncated_share: mean(sampledFlat.map((t) => (t.truncated ? 1 : 0))),
    completion_tokens_mean: sampledTokens / sampledFlat.length,
    zero_variance_share: mean(rawRewards_PG.map((r) => (isZeroVariance(r) ? 1 : 0))),
    dynamic_sampling_rounds: ds ? ds.rounds : 1,
    dynamic_sampling_capped: ds?.capped ? 1 : 0,
    trained_groups: groups.length,
  };
  const warnings = ds?.warning ? [ds.warning] : [];
  if (groups.length === 0) {
    // Dynamic sampling at its cap with no group with variance: no gradient, no update.
    Object.assign(metrics, {
      adv_mean: null,
      adv_std: null,
      adv_min: null,
      adv_max: null,
      failed_positive_share: null,
      r_count: null,
      r_loss: null,
      loss: null,
      kl: null,
      entropy: null,
      clip_frac: null,
      grad_norm: null,
      lr: adam.learningRate,
      sample_tokens_per_s: sampledTokens / ((tSample - t0) / 1000),
      time_sample_s: (tSample - t0) / 1000,
    });
    return { groups, advantages_PG: [], sampledGroups, warnings, metrics };
  }

  const rewards_PG = await trainingRewards(ctx, groups, options.loss);
  const advantages_PG = computeBatchAdvantages(rewards_PG, options.advantage);
  // Sequences with zero advantage carry no policy gradient; with KL in the loss they still carry the KL term.
  const sequences = groups.flatMap((g, p) =>
    g.trajectories_G.map((t, i) => ({ ...t, advantage: advantages_PG[p][i] })),
  );
  const datums = await buildPolicyDatums(ctx, sequences, options.loss, options.sampling.maxTokens);
  const weights_PG: number[][] = [];
  {
    const mass = tokenMass(datums.map((d) => d.weights));
    let k = 0;
    for (const g of groups) weights_PG.push(g.trajectories_G.map(() => mass[k++]));
  }
  const tPrepare = performance.now();

  const engineMetrics = await updatePolicy(
    ctx.engine,
    datums,
    policyLossSpec(options.loss),
    adam,
    options.updatesPerBatch,
    options.microBatchSize,
  );
  const tUpdate = performance.now();

  const diag = advantageDiagnostics(
    groups.map((g, p) => ({
      rewards_G: rewards_PG[p],
      advantages_G: advantages_PG[p],
      correct_G: g.trajectories_G.map((t) => t.correct),
      tokenMass_G: weights_PG[p],
    })),
  );
  Object.assign(metrics, {
    adv_mean: diag.advantageMean,
    adv_std: diag.advantageStd,
    adv_min: diag.advantageMin,
    adv_max: diag.advantageMax,
    failed_positive_share: diag.failedPositiveShare,
    r_count: diag.rCount,
    r_loss: diag.rLoss,
    loss: engineMetrics["loss:sum"] ?? null,
    kl: engineMetrics["kl:mean"] ?? null,
    entropy: engineMetrics["entropy:mean"] ?? null,
    clip_frac: engineMetrics["clip_frac:mean"] ?? null,
    grad_norm: engineMetrics.grad_norm ?? null,
    lr: adam.learningRate,
    sample_tokens_per_s: sampledTokens / ((tSample - t0) / 1000),
    time_sample_s: (tSample - t0) / 1000,
    time_prepare_s: (tPrepare - tSample) / 1000,
    time_update_s: (tUpdate - tPrepare) / 1000,
  });
  return { groups, advantages_PG, sampledGroups, warnings, metrics };
}
