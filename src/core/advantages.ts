// Group advantage estimators: one number per sampled output, broadcast by the caller to its tokens.
// Formulas: docs/algorithms.md "GRPO" (table of options) and "CoRPO".
//
// Scaling (`scale`) is applied after centring and is independent of the estimator:
//   "group": divide by (std_G + 1e-6), std with n−1 (torch.std), the GRPO normaliser;
//   "batch": divide by (std over every reward of the batch + 1e-6)   (computeBatchAdvantages only);
//   "none":  no division.
// Defaults: `grpo` → "group" (that is what GRPO is); every other estimator → "none" (Dr. GRPO, RLOO,
// static and CoRPO are defined without a std division). `grpo` with scale "none" equals `mean`.
// When the std is 0 (all rewards equal, or a group of one) nothing is divided: for the centred
// estimators the numerators are then exactly 0 anyway, and for `static`/`corpo` dividing by 1e-6 would
// blow a constant offset up by a million.

import type { AdvantageEstimator, AdvantageScale as ScaleChoice } from "./choices.js";

export type { AdvantageEstimator };

/** Per-group scaling; "batch" exists only for computeBatchAdvantages. */
export type AdvantageScale = Exclude<ScaleChoice, "batch">;

export interface AdvantageOptions {
  estimator: AdvantageEstimator;
  /** R_min_correct: the smallest reward that counts as correct. Required by `static` and `corpo`. */
  rMinCorrect?: number;
  /** Default: "group" for `grpo`, "none" for the others. */
  scale?: AdvantageScale;
}

export interface BatchAdvantageOptions {
  estimator: AdvantageEstimator;
  rMinCorrect?: number;
  /** Default: "group" for `grpo`, "none" for the others. */
  scale?: AdvantageScale | "batch";
}

/** The std added to the divisor, as in TRL and verl. */
export const STD_EPS = 1e-6;

/** Arithmetic mean; exactly the common value when all values are equal (no rounding residue). */
export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new Error("mean: empty array");
  if (values.every((v) => v === values[0])) return values[0];
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample standard deviation with n−1 in the denominator (torch.std); 0 for fewer than two values. */
export function sampleStd(values: readonly number[]): number {
  if (values.length < 2 || values.every((v) => v === values[0])) return 0;
  const m = mean(values);
  let ss = 0;
  for (const v of values) ss += (v - m) * (v - m);
  return Math.sqrt(ss / (values.length - 1));
}

function checkRewards(rewards_G: readonly number[], where: string): void {
  rewards_G.forEach((r, i) => {
    if (!Number.isFinite(r)) throw new Error(`${where}: reward ${i} is ${r}; rewards must be finite numbers`);
  });
}

function requireRMinCorrect(options: { estimator: AdvantageEstimator; rMinCorrect?: number }): number {
  const { estimator, rMinCorrect } = options;
  if (rMinCorrect === undefined || !Number.isFinite(rMinCorrect)) {
    throw new Error(
      `computeAdvantages: estimator "${estimator}" needs options.rMinCorrect ` +
        `(the smallest reward that counts as correct), got ${rMinCorrect}`,
    );
  }
  return rMinCorrect;
}

/** The estimator's centred advantages of one group, before any std scaling. */
function centred(rewards_G: readonly number[], options: AdvantageOptions | BatchAdvantageOptions): number[] {
  const G = rewards_G.length;
  if (G === 0) return [];
  switch (options.estimator) {
    case "grpo":
    case "mean": {
      // Â_i = R_i − mean R   (docs/algorithms.md GRPO; Dr. GRPO, Liu et al. 2025)
      const m = mean(rewards_G);
      return rewards_G.map((r) => r - m);
    }
    case "rloo": {
      // Â_i = R_i − 1/(G−1) Σ_{j≠i} R_j; 0 for a group of one   (docs/algorithms.md GRPO; Ahmadian et al. 2024)
      if (G === 1) return [0];
      if (rewards_G.every((r) => r === rewards_G[0])) return rewards_G.map(() => 0);
      let sum = 0;
      for (const r of rewards_G) sum += r;
      return rewards_G.map((r) => r - (sum - r) / (G - 1));
    }
    case "static": {
      // Â_i = R_i − R_min_correct   (docs/algorithms.md CoRPO; CoRPO paper §3, static correctness baseline)
      const rMin = requireRMinCorrect(options);
      return rewards_G.map((r) => r - rMin);
    }
    case "corpo": {
      // Â_i = R_i − max(R_min_correct, mean R)   (docs/algorithms.md CoRPO; CoRPO paper §3)
      const b = Math.max(requireRMinCorrect(options), mean(rewards_G));
      return rewards_G.map((r) => r - b);
    }
    default: {
      const never: never = options.estimator;
      throw new Error(`computeAdvantages: unknown estimator "${never}"`);
    }
  }
}

/** Divides by (std + 1e-6) when std > 0; returns the values unchanged when std is 0. */
function scaleBy(values: number[], std: number): number[] {
  if (std === 0) return values;
  // Â_i ← Â_i / (std + 1e-6)   (docs/algorithms.md GRPO; Shao et al. 2024 §4.1.2)
  return values.map((a) => a / (std + STD_EPS));
}

function defaultScale(estimator: AdvantageEstimator): AdvantageScale {
  return estimator === "grpo" ? "group" : "none";
}

/**
 * Per-sample advantages of one group of rewards (one prompt's G samples).
 *
 * `grpo`: (R − mean)/(std + 1e-6), std with n−1, 0 for a group of one; `mean`: R − mean (Dr. GRPO);
 * `rloo`: R − mean of the other G−1; `static`: R − rMinCorrect; `corpo`: R − max(rMinCorrect, mean).
 * All-equal rewards give exact zeros for grpo/mean/rloo. Throws when `static`/`corpo` lack rMinCorrect
 * or a reward is not finite.
 */
export function computeAdvantages(rewards_G: readonly number[], options: AdvantageOptions): number[] {
  checkRewards(rewards_G, "computeAdvantages");
  const scale = options.scale ?? defaultScale(options.estimator);
  const a_G = centred(rewards_G, options);
  if (scale === "none") return a_G;
  if (scale === "group") return scaleBy(a_G, sampleStd(rewards_G));
  throw new Error(`computeAdvantages: unknown scale "${scale as string}" (use "group" or "none")`);
}

/**
 * Advantages of a batch of groups, groups_PG[p] = the G rewards of prompt p (groups may differ in size).
 * Centring is always per group; scale "batch" divides every advantage by the n−1 std of all rewards of
 * the batch (+1e-6), "group" by each group's own std, "none" not at all.
 */
export function computeBatchAdvantages(
  groups_PG: readonly (readonly number[])[],
  options: BatchAdvantageOptions,
): number[][] {
  const scale = options.scale ?? defaultScale(options.estimator);
  if (scale === "group" || scale === "none") {
    return groups_PG.map((rewards_G) => computeAdvantages(rewards_G, { ...options, scale }));
  }
  if (scale !== "batch") {
    throw new Error(
      `computeBatchAdvantages: unknown scale "${scale as string}" (use "group", "batch" or "none")`,
    );
  }
  groups_PG.forEach((g, p) => {
    checkRewards(g, `computeBatchAdvantages (group ${p})`);
  });
  const batchStd = sampleStd(groups_PG.flat());
  return groups_PG.map((rewards_G) => scaleBy(centred(rewards_G, options), batchStd));
}
