// PPO with a critic (docs/algorithms.md#ppo; Schulman et al. 2017; the textbook's §8.3.2 GRPO vs PPO):
// sample completions, score them, read the value head's V(s_t) at every completion token, fold the KL to
// the reference into per-token rewards (the outcome reward on the last token), advantages and value
// targets by GAE(γ, λ) (core/gae.ts), then `epochs` passes over the batch in `minibatches` shuffled
// minibatches, each one optimizer step on the clipped surrogate plus the clipped value loss. The value
// head shares the policy's trunk (engine "value" loss, engine/local/valueHead.ts).
import { aggregationWeights } from "../core/aggregation.js";
import { mean } from "../core/advantages.js";
import type { AggregationMode, KlEstimator, RewardKind } from "../core/choices.js";
import { explainedVariance, gae, tokenRewards, whiten } from "../core/gae.js";
import { type Metrics, rolloutMetrics, seconds, updateMetrics } from "../core/metrics.js";
import { Rng } from "../core/rng.js";
import type { AdamParams, Datum, LossSpec, SamplingParams } from "../engine/types.js";
import type { Problem } from "../tasks/types.js";
import type { AlgorithmContext, StepResult } from "./context.js";
import { alignToDatum, fullSequence, microBatches, policyDatum } from "./policyDatums.js";
import { type ScoredTrajectory, sampleGroups } from "./rollouts.js";

export interface PpoOptions {
  /** Completions sampled per prompt (the batch is prompts × groupSize sequences). */
  groupSize: number;
  sampling: SamplingParams;
  reward: RewardKind;
  /** Discount γ and GAE λ. */
  gamma: number;
  lambda: number;
  /** β and estimator of the KL penalty in the reward (needs the reference when β > 0). */
  kl: { coef: number; estimator: KlEstimator };
  /** Relative ε_low / ε_high of the policy ratio. */
  clipLow: number;
  clipHigh: number;
  /** ε of the value clip around V_old (0 = unclipped). */
  valueClip: number;
  /** The value head's output scale, its learning-rate multiplier under Adam. */
  valueScale: number;
  /** Weight of the value loss against the policy loss. */
  valueCoef: number;
  entropyCoef: number;
  /** Passes over each batch, and minibatches per pass (one optimizer step each). */
  epochs: number;
  minibatches: number;
  whitenAdvantages: boolean;
  aggregation: AggregationMode;
  microBatchSize: number;
}

/** Stream key of the minibatch order. */
const MINIBATCH_STREAM = 0x7070;

/** The value head's V at each completion token's decision position (datum position P−1+j). */
export function completionSlice(values_N: readonly number[], promptLength: number, length: number): number[] {
  return values_N.slice(promptLength - 1, promptLength - 1 + length);
}

/** Value-loss datums: returns and old values at the completion positions, weights as given. */
export function valueDatums(
  seqs: readonly { promptTokens: readonly number[]; completionTokens: readonly number[] }[],
  returns_BT: readonly (readonly number[])[],
  oldValues_BT: readonly (readonly number[])[],
  weights_BT: readonly (readonly number[])[],
): Datum[] {
  return seqs.map((s, i) => {
    const seq = fullSequence(s);
    const P = s.promptTokens.length;
    return {
      inputTokens: seq.slice(0, -1),
      targetTokens: seq.slice(1),
      weights: alignToDatum(P, weights_BT[i]),
      returns: alignToDatum(P, returns_BT[i]),
      oldValues: alignToDatum(P, oldValues_BT[i]),
    };
  });
}

/** ℓ_v = ½·max((V − R)², (V_old + clip(V − V_old, ±ε) − R)²) of one token (ε = 0: unclipped). */
export function clippedValueLossAt(v: number, ret: number, old: number, clip: number): number {
  const unclipped = (v - ret) ** 2;
  if (clip <= 0) return 0.5 * unclipped;
  const vc = old + Math.min(clip, Math.max(-clip, v - old));
  return 0.5 * Math.max(unclipped, (vc - ret) ** 2);
}

/** The minibatches of one epoch: a seeded shuffle of 0..n−1 cut into `count` nearly equal parts. */
export function minibatchOrder(n: number, count: number, seed: number, epoch: number): number[][] {
  const order = Rng.derive(seed, MINIBATCH_STREAM, epoch).shuffle([...Array(n).keys()]);
  const k = Math.max(1, Math.min(count, n));
  return Array.from({ length: k }, (_, j) =>
    order.slice(Math.floor((j * n) / k), Math.floor(((j + 1) * n) / k)),
  );
}

export async function ppoStep(
  ctx: AlgorithmContext,
  problems: readonly Problem[],
  options: PpoOptions,
  adam: AdamParams,
): Promise<StepResult> {
  const t0 = performance.now();
  const groups = await sampleGroups(ctx.engine, ctx.tokenizer, ctx.task, problems, {
    groupSize: options.groupSize,
    sampling: options.sampling,
    renderPrompt: ctx.renderPrompt,
    reward: options.reward,
  });
  const tSample = performance.now();
  const seqs: ScoredTrajectory[] = groups
    .flatMap((g) => g.trajectories_G)
    .filter((t) => t.completionTokens.length > 0);
  const masks_BT = seqs.map((s) => s.completionTokens.map(() => 1));
  const lengths = seqs.map((s) => s.completionTokens.length);

  // Reference log-probs of the sampled tokens, for the KL in the reward.
  let ref_BT: number[][] | null = null;
  if (options.kl.coef > 0) {
    if (!ctx.reference) throw new Error("ppo: kl.coef > 0 needs the reference policy");
    const ref_BN = await ctx.reference.computeLogprobs(seqs.map(fullSequence));
    ref_BT = ref_BN.map((r, i) => completionSlice(r, seqs[i].promptTokens.length, lengths[i]));
  }
  // V_old(s_t) of every completion token, before any update of this batch.
  const zeros_BT = masks_BT.map((m) => m.map(() => 0));
  const valueSpec: LossSpec = {
    kind: "value",
    clipRange: options.valueClip,
    coef: options.valueCoef,
    scale: options.valueScale,
  };
  const probe = await ctx.engine.forward(valueDatums(seqs, zeros_BT, zeros_BT, zeros_BT), valueSpec);
  if (!probe.values) throw new Error("ppo: the engine returned no values (it needs a value head)");
  const oldValues_BT = probe.values.map((v, i) =>
    completionSlice(v, seqs[i].promptTokens.length, lengths[i]),
  );

  // r_t = −β·KL_t + [t = T−1]·R;  Â, R_t by GAE(γ, λ)   (docs/algorithms.md#ppo)
  const rewards_BT = seqs.map((s, i) =>
    tokenRewards(s.reward, s.samplingLogprobs_T, ref_BT?.[i] ?? null, options.kl),
  );
  const estimates = rewards_BT.map((r, i) => gae(r, oldValues_BT[i], options.gamma, options.lambda));
  const rawAdvantages_BT = estimates.map((e) => e.advantages_T);
  const returns_BT = estimates.map((e) => e.returns_T);
  const advantages_BT = options.whitenAdvantages ? whiten(rawAdvantages_BT) : rawAdvantages_BT;
  const tPrepare = performance.now();

  const policySpec: LossSpec = {
    kind: "policy",
    policy: "ppo",
    clipLow: 1 - options.clipLow,
    clipHigh: 1 + options.clipHigh,
    klCoef: 0, // the KL is in the reward
    klEstimator: options.kl.estimator,
    entropyCoef: options.entropyCoef,
    // the critic trains in the same forward/backward pass as the policy (shared trunk)
    valueCoef: options.valueCoef,
    valueClip: options.valueClip,
    valueScale: options.valueScale,
  };
  const sums: Record<string, number> = {};
  let weighted = 0;
  let valueLossSum = 0;
  let lastGradNorm = Number.NaN;
  let skipped = 0;
  let updates = 0;
  for (let epoch = 0; epoch < options.epochs && seqs.length > 0; epoch++) {
    for (const mb of minibatchOrder(seqs.length, options.minibatches, options.sampling.seed ?? 0, epoch)) {
      const weights_BT = aggregationWeights(
        mb.map((i) => masks_BT[i]),
        options.aggregation,
        { maxTokens: options.sampling.maxTokens },
      );
      const datums = mb.map((i, k) => {
        const P = seqs[i].promptTokens.length;
        return {
          ...policyDatum({ ...seqs[i], advantage: advantages_BT[i], weights_T: weights_BT[k] }),
          returns: alignToDatum(P, returns_BT[i]),
          oldValues: alignToDatum(P, oldValues_BT[i]),
        };
      });
      for (const chunk of microBatches([...datums.keys()], options.microBatchSize)) {
        const out = await ctx.engine.forwardBackward(
          chunk.map((k) => datums[k]),
          policySpec,
        );
        for (const [key, v] of Object.entries(out.metrics)) {
          if (Number.isFinite(v))
            sums[key] = (sums[key] ?? 0) + (key.endsWith(":sum") ? v : v * chunk.length);
        }
        weighted += chunk.length;
        // the clipped value loss the step trained on, Σ w·ℓ_v over the minibatch (its weights sum to 1)
        for (const [j, k] of chunk.entries()) {
          const d = datums[k];
          const v = out.values?.[j] ?? [];
          for (const [t, w] of d.weights.entries())
            if (w !== 0)
              valueLossSum += w * clippedValueLossAt(v[t], d.returns[t], d.oldValues[t], options.valueClip);
        }
      }
      const step = await ctx.engine.optimStep(adam);
      lastGradNorm = step.metrics["grad_norm:mean"] ?? lastGradNorm;
      skipped += step.metrics["skipped:sum"] ?? 0;
      updates++;
    }
  }
  const engineMetrics: Record<string, number> = { skipped_updates: skipped };
  for (const [k, v] of Object.entries(sums))
    engineMetrics[k] = k.endsWith(":sum") ? v / Math.max(1, options.epochs) : v / Math.max(1, weighted);
  if (Number.isFinite(lastGradNorm)) engineMetrics.grad_norm = lastGradNorm;

  const flatV = oldValues_BT.flat();
  const flatR = returns_BT.flat();
  // ½·mean_t (V_old − R_t)²: the critic's error on this fresh batch, before it trains on it
  const freshValueLoss = flatV.length > 0 ? mean(flatV.map((v, i) => 0.5 * (v - flatR[i]) ** 2)) : null;
  const klTokens = ref_BT
    ? rewards_BT.flatMap((r, i) => r.map((x, t) => (t === r.length - 1 ? x - seqs[i].reward : x)))
    : [];
  const flatA = rawAdvantages_BT.flat();
  const meanA = flatA.length > 0 ? mean(flatA) : 0;
  const metrics: Metrics = {
    ...rolloutMetrics(
      groups.flatMap((g) => g.trajectories_G),
      "rollout",
    ),
    "ppo/value_loss": freshValueLoss,
    "ppo/value_loss_trained": updates > 0 ? valueLossSum / updates : null,
    "ppo/explained_variance": explainedVariance(oldValues_BT, returns_BT),
    "ppo/value_mean": flatV.length > 0 ? mean(flatV) : null,
    "ppo/return_mean": flatR.length > 0 ? mean(flatR) : null,
    // mean per-token KL penalty −β·KL_t folded into the rewards
    "ppo/kl_reward": klTokens.length > 0 ? mean(klTokens) : null,
    "advantage/mean": flatA.length > 0 ? mean(flatA) : null,
    "advantage/std": flatA.length > 0 ? Math.sqrt(mean(flatA.map((a) => (a - meanA) ** 2))) : null,
    ...updateMetrics(updates > 0 ? engineMetrics : null, "optim"),
    "optim/updates": updates,
    "optim/lr": adam.learningRate,
    "time/sample_s": seconds(t0, tSample),
    "time/prepare_s": seconds(tSample, tPrepare),
    "time/update_s": seconds(tPrepare, performance.now()),
  };
  // samples.jsonl shows each completion's mean token advantage (before whitening)
  const meanAdvantage = new Map(seqs.map((s, i) => [s, mean(rawAdvantages_BT[i])]));
  return {
    groups,
    advantages_PG: groups.map((g) => g.trajectories_G.map((t) => meanAdvantage.get(t) ?? 0)),
    metrics,
  };
}
