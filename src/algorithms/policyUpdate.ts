// The policy update every RL algorithm shares: the engine's loss spec of the configured policy loss,
// datums of sequences with their advantages (aggregation weights, reference log-probs for the KL term),
// rewards with the KL folded in (PPO-style), and the update itself (forwardBackward over micro-batches,
// then optimStep, all submitted before any is awaited). Preparing a batch (sampling, rewards, advantages, datums) is each algorithm's own.
import type { AggregationMode, KlEstimator, KlMode, PolicyLoss } from "../core/choices.js";
import { aggregationWeights } from "../core/aggregation.js";
import { klPenaltyIntoRewards } from "../core/kl.js";
import type {
  AdamParams,
  Datum,
  ForwardBackwardOutput,
  LossSpec,
  OptimStepOutput,
  TrainingEngine,
} from "../engine/types.js";
import { fullSequence, microBatches, policyDatum } from "./policyDatums.js";
import type { ScoredTrajectory } from "./rollouts.js";

export interface PolicyLossOptions {
  policy: PolicyLoss;
  /** Relative ε_low / ε_high: the ratio is clipped to [1 − clipLow, 1 + clipHigh]. */
  clipLow: number;
  clipHigh: number;
  aggregation: AggregationMode;
  kl: { coef: number; estimator: KlEstimator; mode: KlMode };
  entropyCoef: number;
}

/** A batch ready for the engine: its datums and the loss they are trained with. */
export interface PolicyBatch {
  datums: Datum[];
  loss: LossSpec;
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
 * Datums of scored sequences with their advantages. Weights follow the aggregation mode over the whole
 * batch (every sequence that carries signal), so micro-batches sum to the batch loss.
 */
export async function buildPolicyDatums(
  reference: TrainingEngine | undefined,
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
  if (needRef && !reference) throw new Error("loss.kl.coef > 0 needs a reference policy");
  const ref_BN = needRef ? await reference!.computeLogprobs(sequences.map(fullSequence)) : undefined;
  return sequences.map((s, i) => policyDatum({ ...s, weights_T: weights_BT[i] }, ref_BN?.[i]));
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

/**
 * The training rewards of rows of trajectories: the verifier's, or with the KL penalty folded in when
 * the loss asks for it (kl.mode "in-reward", coef > 0; needs the reference policy).
 */
export async function trainingRewards(
  reference: TrainingEngine | undefined,
  rows: readonly (readonly ScoredTrajectory[])[],
  loss: Pick<PolicyLossOptions, "kl">,
): Promise<number[][]> {
  if (loss.kl.mode !== "in-reward" || loss.kl.coef === 0) return rows.map((row) => row.map((t) => t.reward));
  if (!reference) throw new Error("loss.kl.mode in-reward needs a reference policy");
  const ref_BN = rows.length > 0 ? await reference.computeLogprobs(rows.flat().map(fullSequence)) : [];
  return klPenalisedRewards(rows, ref_BN, loss.kl);
}

/**
 * Runs forwardBackward over micro-batches and `updates` optimizer steps; returns the engine metrics,
 * token-weighted over the batch (`loss:sum` summed), the last step's `grad_norm`, and `skipped_updates`
 * (optimizer steps the engine refused for non-finite gradients). Pipelined: every forwardBackward and
 * optimStep of the update is submitted before any result is awaited (the engine applies calls in call
 * order, types.ts), so a remote engine gets them without a round trip between them.
 */
export async function updatePolicy(
  engine: TrainingEngine,
  batch: PolicyBatch,
  adam: AdamParams,
  updates: number,
  microBatchSize: number,
): Promise<Record<string, number>> {
  const { datums, loss } = batch;
  const mbs = microBatches(datums, microBatchSize);
  const submitted: { outs: Promise<ForwardBackwardOutput>[]; step: Promise<OptimStepOutput> }[] = [];
  for (let u = 0; u < updates; u++)
    submitted.push({ outs: mbs.map((mb) => engine.forwardBackward(mb, loss)), step: engine.optimStep(adam) });
  // Promise.all handles every call's rejection, whichever fails first
  const done = await Promise.all(submitted.map((s) => Promise.all([Promise.all(s.outs), s.step])));
  const sums: Record<string, number> = {};
  let lastGradNorm = Number.NaN;
  let skipped = 0;
  for (const [outs, step] of done) {
    for (const [i, out] of outs.entries()) {
      const n = mbs[i].length;
      for (const [k, v] of Object.entries(out.metrics)) {
        if (!Number.isFinite(v)) continue;
        sums[k] = (sums[k] ?? 0) + (k.endsWith(":sum") ? v : v * n);
      }
    }
    lastGradNorm = step.metrics["grad_norm:mean"] ?? lastGradNorm;
    skipped += step.metrics["skipped:sum"] ?? 0;
  }
  const metrics: Record<string, number> = {};
  const total = datums.length * updates;
  for (const [k, v] of Object.entries(sums)) metrics[k] = k.endsWith(":sum") ? v / updates : v / total;
  if (Number.isFinite(lastGradNorm)) metrics.grad_norm = lastGradNorm;
  metrics.skipped_updates = skipped;
  return metrics;
}
