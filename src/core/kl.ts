// Per-token KL(π_θ ‖ π_ref) estimators from log-probs of the sampled tokens (Schulman 2020,
// "Approximating KL divergence"); docs/algorithms.md "GRPO". With x = log π_ref − log π_θ:
// k1 = −x (unbiased, can be negative), k2 = ½x² (low variance, biased), k3 = eˣ − x − 1 (unbiased, ≥ 0; GRPO's).

import type { KlEstimator } from "./choices.js";

export type { KlEstimator };

function checkShapes(logp_T: readonly number[], logpRef_T: readonly number[], where: string): void {
  if (logp_T.length !== logpRef_T.length) {
    throw new Error(`${where}: logp has ${logp_T.length} tokens, logpRef has ${logpRef_T.length}`);
  }
}

/** k1_t = log π_θ − log π_ref. */
export function klK1(logp_T: readonly number[], logpRef_T: readonly number[]): number[] {
  checkShapes(logp_T, logpRef_T, "klK1");
  // k1 = log π_θ − log π_ref   (docs/algorithms.md GRPO; Schulman 2020)
  return logp_T.map((lp, t) => lp - logpRef_T[t]);
}

/** k2_t = ½ (log π_θ − log π_ref)². */
export function klK2(logp_T: readonly number[], logpRef_T: readonly number[]): number[] {
  checkShapes(logp_T, logpRef_T, "klK2");
  // k2 = ½ (log π_θ − log π_ref)²   (docs/algorithms.md GRPO; Schulman 2020)
  return logp_T.map((lp, t) => 0.5 * (lp - logpRef_T[t]) ** 2);
}

/** k3_t = π_ref/π_θ − log(π_ref/π_θ) − 1, always ≥ 0. */
export function klK3(logp_T: readonly number[], logpRef_T: readonly number[]): number[] {
  checkShapes(logp_T, logpRef_T, "klK3");
  return logp_T.map((lp, t) => {
    const x = logpRef_T[t] - lp;
    // k3 = π_ref/π_θ − log(π_ref/π_θ) − 1 = eˣ − x − 1   (docs/algorithms.md GRPO; Shao et al. 2024 eq. 4)
    // expm1 keeps precision for small x, where eˣ − 1 ≈ x and the naive form cancels.
    return Math.expm1(x) - x;
  });
}

/** Per-token KL with the named estimator. */
export function klPerToken(
  logp_T: readonly number[],
  logpRef_T: readonly number[],
  estimator: KlEstimator,
): number[] {
  switch (estimator) {
    case "k1":
      return klK1(logp_T, logpRef_T);
    case "k2":
      return klK2(logp_T, logpRef_T);
    case "k3":
      return klK3(logp_T, logpRef_T);
    default: {
      const never: never = estimator;
      throw new Error(`klPerToken: unknown estimator "${never}" (use k1, k2 or k3)`);
    }
  }
}

export interface KlPenaltyOptions {
  /** β, the KL coefficient. */
  coef: number;
  estimator: KlEstimator;
}

/**
 * The "KL folded into the reward" option (PPO-style, docs/algorithms.md GRPO): per sequence
 * R'_i = R_i − coef · Σ_t mask_{i,t} · KL_{i,t}. `logp_BT` are the log-probs of the policy that sampled
 * (π_old, known without a forward pass), `logpRef_BT` the reference's; `masks_BT` (optional, default
 * all ones) selects the completion tokens. Nothing here carries a gradient: the penalty is a reward.
 */
export function klPenaltyIntoRewards(
  rewards_B: readonly number[],
  logp_BT: readonly (readonly number[])[],
  logpRef_BT: readonly (readonly number[])[],
  options: KlPenaltyOptions,
  masks_BT?: readonly (readonly number[])[],
): number[] {
  const B = rewards_B.length;
  if (logp_BT.length !== B || logpRef_BT.length !== B || (masks_BT !== undefined && masks_BT.length !== B)) {
    throw new Error(
      `klPenaltyIntoRewards: ${B} rewards but ${logp_BT.length} logp rows, ${logpRef_BT.length} logpRef rows` +
        (masks_BT ? `, ${masks_BT.length} mask rows` : ""),
    );
  }
  return rewards_B.map((r, i) => {
    const kl_T = klPerToken(logp_BT[i], logpRef_BT[i], options.estimator);
    const mask_T = masks_BT?.[i];
    if (mask_T !== undefined && mask_T.length !== kl_T.length) {
      throw new Error(
        `klPenaltyIntoRewards: sequence ${i} has ${kl_T.length} log-probs but ${mask_T.length} mask values`,
      );
    }
    let kl = 0;
    for (let t = 0; t < kl_T.length; t++) kl += (mask_T ? mask_T[t] : 1) * kl_T[t];
    // R'_i = R_i − β Σ_t KL_{i,t}   (docs/algorithms.md GRPO, "subtracted from the reward (PPO-style)")
    return r - options.coef * kl;
  });
}
