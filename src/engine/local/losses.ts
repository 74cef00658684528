// The LossSpec implementations as graph ops (their gradients come from autodiff), and the metrics
// reported beside them. Every loss is Σ_t w_t·ℓ_t over all datums and tokens (Tinker sums; means
// and per-sequence normalisation live in the weights). lp = learner logprob of the target,
// q = sampler logprob, A = advantage, r = exp(lp − q), ref = reference logprob.
import type { Tensor } from "./graph/graph.js";
import * as op from "./graph/ops.js";
import type { Datum, KlEstimator, LossSpec, PolicyLoss } from "../types.js";

/** Per-token inputs a loss reads besides the weights. */
export type TokenInput = "samplingLogprobs" | "advantages" | "refLogprobs" | "returns" | "oldValues";

export function lossInputs(spec: LossSpec): TokenInput[] {
  switch (spec.kind) {
    case "cross_entropy":
      return [];
    case "value":
      return ["returns", "oldValues"];
    case "importance_sampling":
    case "ppo":
    case "cispo":
      return ["samplingLogprobs", "advantages"];
    case "policy": {
      const base: TokenInput[] =
        spec.klCoef !== 0
          ? ["samplingLogprobs", "advantages", "refLogprobs"]
          : ["samplingLogprobs", "advantages"];
      return spec.valueCoef ? [...base, "returns", "oldValues"] : base;
    }
  }
}

/** A string naming the loss and its constants (part of a compiled graph's cache key). */
export function lossKey(spec: LossSpec): string {
  return JSON.stringify(spec, Object.keys(spec).sort());
}

function checkClip(lo: number, hi: number): void {
  if (!(lo >= 0 && lo <= hi)) throw new Error(`loss: need 0 ≤ clipLow ≤ clipHigh, got ${lo}, ${hi}`);
}

/** The per-token policy term ℓ_t [B, T]. */
function policyTerm(
  kind: "cross_entropy" | PolicyLoss,
  lp: Tensor,
  inp: Partial<Record<TokenInput, Tensor>>,
  clipLow: number,
  clipHigh: number,
): Tensor {
  if (kind === "cross_entropy") {
    // ℓ = −lp (Tinker cross_entropy)
    return op.neg(lp);
  }
  const q = inp.samplingLogprobs!;
  const A = inp.advantages!;
  const r = op.exp(op.sub(lp, q));
  if (kind === "importance_sampling") {
    // ℓ = −r·A (Tinker importance_sampling)
    return op.neg(op.mul(r, A));
  }
  checkClip(clipLow, clipHigh);
  if (kind === "ppo") {
    // ℓ = −min(r·A, clip(r, lo, hi)·A), absolute thresholds (Tinker ppo; Schulman et al. 2017)
    return op.neg(op.minimum(op.mul(r, A), op.mul(op.clip(r, clipLow, clipHigh), A)));
  }
  // ℓ = −sg(clip(r, lo, hi))·A·lp (Tinker cispo; MiniMax-M1 2025)
  return op.neg(op.mul(op.mul(op.stopGradient(op.clip(r, clipLow, clipHigh)), A), lp));
}

/** Per-token KL estimate of π_θ against π_ref from d = lp − ref (Schulman 2020: k1 = d, k2 = d²/2, k3 = e^−d + d − 1). */
function klTerm(estimator: KlEstimator, lp: Tensor, ref: Tensor): Tensor {
  const d = op.sub(lp, ref);
  if (estimator === "k1") return d;
  if (estimator === "k2") return op.mul(op.mul(d, d), 0.5);
  // k3 = exp(ref − lp) − (ref − lp) − 1
  return op.sub(op.add(op.exp(op.neg(d)), d), 1);
}

/**
 * The scalar loss Σ w·ℓ. `entropy` [B, T] is H(π_θ(·|context)) over the full vocabulary; it is
 * only used by the policy loss with entropyCoef ≠ 0.
 */
export function lossGraph(
  spec: LossSpec,
  lp: Tensor,
  entropy: Tensor,
  weights: Tensor,
  inp: Partial<Record<TokenInput, Tensor>>,
): Tensor {
  for (const name of lossInputs(spec)) {
    if (!inp[name]) throw new Error(`loss ${spec.kind}: input ${name} is missing`);
  }
  let perToken: Tensor;
  if (spec.kind === "value") throw new Error("lossGraph: the value loss is built by valueHead.ts");
  if (spec.kind === "policy") {
    // ℓ = policy term + klCoef·KL_est(lp, ref) − entropyCoef·H (GRPO loss with entropy bonus, docs/algorithms.md)
    perToken = policyTerm(spec.policy, lp, inp, spec.clipLow, spec.clipHigh);
    if (spec.klCoef !== 0)
      perToken = op.add(perToken, op.mul(klTerm(spec.klEstimator, lp, inp.refLogprobs!), spec.klCoef));
    if (spec.entropyCoef !== 0) perToken = op.sub(perToken, op.mul(entropy, spec.entropyCoef));
  } else if (spec.kind === "ppo" || spec.kind === "cispo") {
    perToken = policyTerm(spec.kind, lp, inp, spec.clipLow, spec.clipHigh);
  } else {
    perToken = policyTerm(spec.kind, lp, inp, 0, 0);
  }
  return op.sumAll(op.mul(perToken, weights));
}

/** H = −Σ_v p_v log p_v from log-probabilities [..., V]. */
export function entropyOf(logp: Tensor): Tensor {
  return op.neg(op.reduceSum(op.mul(op.exp(logp), logp), [-1]));
}

/**
 * Metrics as Tinker names them, means over tokens with weight ≠ 0: `clip_frac:mean` (tokens where
 * the clip is active), `ratio:mean`, `kl:mean` (against refLogprobs when given, with the spec's
 * estimator or k3; otherwise the k1 estimate of KL(sampler ‖ learner), mean of q − lp),
 * `entropy:mean`. `loss:sum` comes from the graph.
 */
export function lossMetrics(
  spec: LossSpec,
  datums: readonly Datum[],
  logprobs: readonly (readonly number[])[],
  entropy: readonly (readonly number[])[],
): Record<string, number> {
  const clip = spec.kind === "ppo" || spec.kind === "cispo" || spec.kind === "policy" ? spec : null;
  const policy = spec.kind === "policy" ? spec.policy : spec.kind;
  const estimator: KlEstimator = spec.kind === "policy" ? spec.klEstimator : "k3";
  let count = 0;
  let entropySum = 0;
  let clipped = 0;
  let ratioSum = 0;
  let ratioCount = 0;
  let klSum = 0;
  let klCount = 0;
  datums.forEach((d, b) => {
    for (let t = 0; t < d.weights.length; t++) {
      if (d.weights[t] === 0) continue;
      count++;
      const lp = logprobs[b][t];
      entropySum += entropy[b][t];
      if (d.refLogprobs) {
        const x = lp - d.refLogprobs[t];
        klSum += estimator === "k1" ? x : estimator === "k2" ? 0.5 * x * x : Math.exp(-x) + x - 1;
        klCount++;
      }
      if (d.samplingLogprobs) {
        const r = Math.exp(lp - d.samplingLogprobs[t]);
        ratioSum += r;
        ratioCount++;
        if (!d.refLogprobs) {
          klSum += d.samplingLogprobs[t] - lp;
          klCount++;
        }
        if (clip && d.advantages) {
          const A = d.advantages[t];
          const active =
            policy === "cispo"
              ? r < clip.clipLow || r > clip.clipHigh
              : policy === "ppo" && ((A > 0 && r > clip.clipHigh) || (A < 0 && r < clip.clipLow));
          if (active) clipped++;
        }
      }
    }
  });
  const mean = (s: number, n: number) => (n > 0 ? s / n : 0);
  const metrics: Record<string, number> = { "entropy:mean": mean(entropySum, count) };
  if (clip && (policy === "ppo" || policy === "cispo")) metrics["clip_frac:mean"] = mean(clipped, ratioCount);
  if (ratioCount > 0) metrics["ratio:mean"] = mean(ratioSum, ratioCount);
  if (klCount > 0) metrics["kl:mean"] = mean(klSum, klCount);
  return metrics;
}
