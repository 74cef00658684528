// Per-step advantage diagnostics of the CoRPO paper (docs/algorithms.md "CoRPO", Diagnostics;
// CoRPO 002 §5, Figures 1–2), plus the dead-zone share and summary statistics of the advantages.
//
// Definitions:
// - failedPositiveShare = #{¬correct ∧ A > 0} / #rollouts (Figure 1's "failed trajectory, positive advantage"
//   slice, 18% for GRPO early on); failedPositiveShareOfFailed divides by #{¬correct} instead.
// - r_count = #{A > 0} / #{A < 0}; null when #{A < 0} = 0 (the ratio is undefined; never Infinity/NaN in JSON).
// - r_loss = Σ_{A>0} |A_i·m_i| / Σ_{A<0} |A_i·m_i|, with m_i the sequence's token mass: the total aggregation
//   weight of its tokens, Σ_t w_{i,t} (see aggregation.ts). At ratio 1 the surrogate's gradient weight of
//   sequence i is A_i·Σ_t w_{i,t}, so this is the advantage-weighted token mass pushing up vs down. m_i
//   defaults to 1 (every sequence weighs the same, which is what seq-mean-token-mean gives up to a constant
//   factor that cancels in the ratio); pass token counts |o_i| for token-mean. null when the denominator is 0.
// - zeroVarianceGroupShare = share of groups whose rewards are all equal.
// - advantage mean/std/min/max over all rollouts; std is the population std (divide by n).

import { isZeroVariance } from "./deadZone.js";

export interface DiagnosticsGroup {
  rewards_G: readonly number[];
  advantages_G: readonly number[];
  correct_G: readonly boolean[];
  /** m_i, each sequence's token mass Σ_t w_{i,t}; default 1 per sequence. */
  tokenMass_G?: readonly number[];
}

export interface AdvantageDiagnostics {
  numRollouts: number;
  numGroups: number;
  numPositive: number;
  numNegative: number;
  numZero: number;
  failedPositiveShare: number;
  /** null when no rollout failed. */
  failedPositiveShareOfFailed: number | null;
  /** null when no advantage is negative. */
  rCount: number | null;
  /** null when the negative advantage-weighted token mass is 0. */
  rLoss: number | null;
  zeroVarianceGroupShare: number;
  advantageMean: number;
  advantageStd: number;
  advantageMin: number;
  advantageMax: number;
}

/** Row sums of per-token weights: each sequence's token mass m_i = Σ_t w_{i,t}. */
export function tokenMass(weights_BT: readonly (readonly number[])[]): number[] {
  return weights_BT.map((row) => row.reduce((s, w) => s + w, 0));
}

/** The diagnostics of one step's groups. Throws when there is no rollout or shapes disagree. */
export function advantageDiagnostics(groups: readonly DiagnosticsGroup[]): AdvantageDiagnostics {
  let n = 0;
  let numPositive = 0;
  let numNegative = 0;
  let numFailed = 0;
  let failedPositive = 0;
  let positiveMass = 0;
  let negativeMass = 0;
  let zeroVarianceGroups = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  const all: number[] = [];
  groups.forEach((g, p) => {
    const G = g.advantages_G.length;
    if (
      g.rewards_G.length !== G ||
      g.correct_G.length !== G ||
      (g.tokenMass_G && g.tokenMass_G.length !== G)
    ) {
      throw new Error(
        `advantageDiagnostics: group ${p} has ${G} advantages, ${g.rewards_G.length} rewards, ` +
          `${g.correct_G.length} correctness flags` +
          (g.tokenMass_G ? `, ${g.tokenMass_G.length} token masses` : ""),
      );
    }
    if (isZeroVariance(g.rewards_G)) zeroVarianceGroups++;
    for (let i = 0; i < G; i++) {
      const a = g.advantages_G[i];
      const m = g.tokenMass_G ? g.tokenMass_G[i] : 1;
      n++;
      all.push(a);
      sum += a;
      min = Math.min(min, a);
      max = Math.max(max, a);
      if (!g.correct_G[i]) numFailed++;
      if (a > 0) {
        numPositive++;
        positiveMass += Math.abs(a * m);
        if (!g.correct_G[i]) failedPositive++;
      } else if (a < 0) {
        numNegative++;
        negativeMass += Math.abs(a * m);
      }
    }
  });
  if (n === 0) throw new Error("advantageDiagnostics: no rollouts");
  const mean = sum / n;
  let ss = 0;
  for (const a of all) ss += (a - mean) * (a - mean);
  return {
    numRollouts: n,
    numGroups: groups.length,
    numPositive,
    numNegative,
    numZero: n - numPositive - numNegative,
    failedPositiveShare: failedPositive / n,
    failedPositiveShareOfFailed: numFailed === 0 ? null : failedPositive / numFailed,
    // r_count = #{A>0} / #{A<0}   (CoRPO 002 §5, Figure 2 left)
    rCount: numNegative === 0 ? null : numPositive / numNegative,
    // r_loss = Σ_{A>0} |loss contribution| / Σ_{A<0} |loss contribution|   (CoRPO 002 §5, Figure 2 right)
    rLoss: negativeMass === 0 ? null : positiveMass / negativeMass,
    zeroVarianceGroupShare: groups.length === 0 ? 0 : zeroVarianceGroups / groups.length,
    advantageMean: mean,
    advantageStd: Math.sqrt(ss / n),
    advantageMin: min,
    advantageMax: max,
  };
}
