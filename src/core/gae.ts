// PPO's per-token advantages from an outcome reward (docs/algorithms.md#ppo): token rewards with the KL
// penalty folded in, generalised advantage estimation (Schulman et al. 2016, "High-Dimensional Continuous
// Control Using Generalized Advantage Estimation", eq. 16), batch whitening, and the critic's explained
// variance. Pure functions over arrays.
import { type KlEstimator, klPerToken } from "./kl.js";

/**
 * Per-token rewards of one completion: r_t = −β·KL_t + [t = T−1]·R, KL_t the estimator on the sampled
 * token (log q_t against log π_ref,t); β = 0 or no reference gives the outcome reward alone
 * (InstructGPT-style KL-shaped reward, Ouyang et al. 2022 eq. 2; the textbook's §8.3.2).
 */
export function tokenRewards(
  outcome: number,
  samplingLogprobs_T: readonly number[],
  refLogprobs_T: readonly number[] | null,
  kl: { coef: number; estimator: KlEstimator },
): number[] {
  const T = samplingLogprobs_T.length;
  const kl_T =
    refLogprobs_T && kl.coef !== 0
      ? klPerToken(samplingLogprobs_T, refLogprobs_T, kl.estimator)
      : new Array<number>(T).fill(0);
  // r_t = −β·KL_t, plus the outcome reward on the last token
  const r_T = kl_T.map((k) => -kl.coef * k);
  if (T > 0) r_T[T - 1] += outcome;
  return r_T;
}

/**
 * GAE over one completion: δ_t = r_t + γ·V_{t+1} − V_t with V_T = 0 (the episode ends with the last
 * token), Â_t = δ_t + γλ·Â_{t+1}, and the value targets R_t = Â_t + V_t (GAE eq. 16; PPO §5).
 */
export function gae(
  rewards_T: readonly number[],
  values_T: readonly number[],
  gamma: number,
  lambda: number,
): { advantages_T: number[]; returns_T: number[] } {
  const T = rewards_T.length;
  if (values_T.length !== T) throw new Error(`gae: ${T} rewards but ${values_T.length} values`);
  const advantages_T = new Array<number>(T).fill(0);
  let next = 0;
  for (let t = T - 1; t >= 0; t--) {
    const vNext = t + 1 < T ? values_T[t + 1] : 0;
    // δ_t = r_t + γ V_{t+1} − V_t ;  Â_t = δ_t + γλ Â_{t+1}
    const delta = rewards_T[t] + gamma * vNext - values_T[t];
    next = delta + gamma * lambda * next;
    advantages_T[t] = next;
  }
  return { advantages_T, returns_T: advantages_T.map((a, t) => a + values_T[t]) };
}

/** Â ← (Â − mean Â) / (std Â + 1e-8) over every token of the batch (PPO's advantage normalisation). */
export function whiten(values_BT: readonly (readonly number[])[]): number[][] {
  const flat = values_BT.flat();
  if (flat.length === 0) return values_BT.map(() => []);
  const m = flat.reduce((s, v) => s + v, 0) / flat.length;
  const sd = Math.sqrt(flat.reduce((s, v) => s + (v - m) ** 2, 0) / flat.length);
  return values_BT.map((row) => row.map((v) => (v - m) / (sd + 1e-8)));
}

/** Explained variance of the critic: 1 − Var(R − V) / Var(R) over every token; null when Var(R) = 0. */
export function explainedVariance(
  values_BT: readonly (readonly number[])[],
  returns_BT: readonly (readonly number[])[],
): number | null {
  const v = values_BT.flat();
  const r = returns_BT.flat();
  if (v.length !== r.length) throw new Error(`explainedVariance: ${v.length} values, ${r.length} returns`);
  const variance = (xs: number[]) => {
    const m = xs.reduce((s, x) => s + x, 0) / xs.length;
    return xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length;
  };
  if (r.length === 0) return null;
  const varR = variance(r);
  return varR === 0 ? null : 1 - variance(r.map((x, i) => x - v[i])) / varR;
}
