// The engine's losses as functions of the learner log-probs lp, for a server that only has Tinker's
// built-in losses: L = Σ_t w_t·ℓ_t(lp_t) and g_t = ∂L/∂lp_t, computed here from the log-probs of a forward
// pass; forward_backward with cross_entropy and weights −g then has the gradient of L
// (Σ_t −(−g_t)·∇lp_t = ∇L; docs/algorithms.md "Engine losses"). The entropy bonus needs the whole
// distribution, not the target's log-prob, so it cannot be computed this way.
import type { Datum, KlEstimator, LossSpec } from "../types.js";

export interface TokenLoss {
  /** Σ_t w_t·ℓ_t over the datum. */
  loss: number;
  /** ∂(Σ_t w_t·ℓ_t)/∂lp_t. */
  grad_T: number[];
}

const clip = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);

/** ℓ and dℓ/dlp of the policy term at one token. */
function policyTerm(
  kind: "cross_entropy" | "importance_sampling" | "ppo" | "cispo",
  lp: number,
  q: number,
  A: number,
  lo: number,
  hi: number,
): [number, number] {
  if (kind === "cross_entropy") return [-lp, -1]; // ℓ = −lp
  const r = Math.exp(lp - q);
  // ℓ = −r·A, dℓ/dlp = −r·A (r' = r)
  if (kind === "importance_sampling") return [-r * A, -r * A];
  if (kind === "ppo") {
    // ℓ = −min(r·A, clip(r, lo, hi)·A) (Schulman et al. 2017); the clipped branch has no gradient outside [lo, hi]
    const unclipped = r * A;
    const clipped = clip(r, lo, hi) * A;
    if (unclipped <= clipped) return [-unclipped, -r * A];
    return [-clipped, r > lo && r < hi ? -r * A : 0];
  }
  // ℓ = −sg(clip(r, lo, hi))·A·lp (MiniMax-M1 2025): dℓ/dlp = −clip(r)·A
  const c = clip(r, lo, hi);
  return [-c * A * lp, -c * A];
}

/** KL_est and its derivative in lp, from d = lp − ref (Schulman 2020: k1 = d, k2 = d²/2, k3 = e^−d + d − 1). */
function klTerm(estimator: KlEstimator, lp: number, ref: number): [number, number] {
  const d = lp - ref;
  if (estimator === "k1") return [d, 1];
  if (estimator === "k2") return [0.5 * d * d, d];
  return [Math.exp(-d) + d - 1, 1 - Math.exp(-d)];
}

/** L and ∂L/∂lp of one datum under `spec` at log-probs lp_T. */
export function tokenLoss(spec: LossSpec, d: Datum, lp_T: readonly number[]): TokenLoss {
  if (spec.kind === "value" || (spec.kind === "policy" && spec.valueCoef))
    throw new Error(
      "tokenLoss: PPO's value loss needs a value head; the Tinker API has none (docs/algorithms.md#ppo-tinker)",
    );
  const kind = spec.kind === "policy" ? spec.policy : spec.kind;
  const lo = spec.kind === "cross_entropy" || spec.kind === "importance_sampling" ? 0 : spec.clipLow;
  const hi = spec.kind === "cross_entropy" || spec.kind === "importance_sampling" ? 0 : spec.clipHigh;
  if (spec.kind === "policy" && spec.entropyCoef !== 0)
    throw new Error(
      "tokenLoss: an entropy bonus (loss.entropyCoef ≠ 0) needs the full distribution; a Tinker server cannot train it",
    );
  const klCoef = spec.kind === "policy" ? spec.klCoef : 0;
  if (kind !== "cross_entropy" && (!d.samplingLogprobs || !d.advantages))
    throw new Error(`tokenLoss: loss ${kind} needs samplingLogprobs and advantages`);
  if (klCoef !== 0 && !d.refLogprobs) throw new Error("tokenLoss: a KL term needs refLogprobs");
  let loss = 0;
  const grad_T = lp_T.map((lp, t) => {
    const w = d.weights[t];
    if (w === 0) return 0;
    let [l, g] = policyTerm(kind, lp, d.samplingLogprobs?.[t] ?? 0, d.advantages?.[t] ?? 0, lo, hi);
    if (klCoef !== 0 && spec.kind === "policy") {
      // ℓ += klCoef·KL_est(lp, ref) (GRPO's KL term, docs/algorithms.md)
      const [k, dk] = klTerm(spec.klEstimator, lp, d.refLogprobs![t]);
      l += klCoef * k;
      g += klCoef * dk;
    }
    loss += w * l;
    return w * g;
  });
  return { loss, grad_T };
}
