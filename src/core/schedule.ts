// Learning-rate schedules as a pure function of the optimizer step (0-based). MGRPO used cosine with
// warmup ratio 0.03 (docs/algorithms.md "GRPO", hyperparameters); CoRPO a constant lr with a
// 10-step warmup.
//
// Conventions: W warmup steps; step s < W uses base·(s+1)/W, so the first step already learns and step
// W−1 reaches base (Hugging Face's s/W would spend step 0 at lr 0). Afterwards progress
// p = (s − W)/(totalSteps − W) ∈ [0, 1] (clamped), and the lr decays from base at p = 0 to
// base·minLrRatio at p = 1, i.e. at s = totalSteps, one past the last step.

import type { LrSchedule } from "./choices.js";

export type LrScheduleKind = LrSchedule;

export interface LrScheduleOptions {
  /** Peak learning rate. */
  baseLr: number;
  /** Default "constant". */
  schedule?: LrScheduleKind;
  /** Warmup length in steps. Give this or warmupRatio, not both. */
  warmupSteps?: number;
  /** Warmup as a fraction of totalSteps, e.g. 0.03; W = ceil(ratio · totalSteps). */
  warmupRatio?: number;
  /** Final lr as a fraction of baseLr for "linear" and "cosine" (default 0). */
  minLrRatio?: number;
}

/** The number of warmup steps the options ask for over `totalSteps`. */
export function warmupStepsOf(totalSteps: number, options: LrScheduleOptions): number {
  const { warmupSteps, warmupRatio } = options;
  if (warmupSteps !== undefined && warmupRatio !== undefined) {
    throw new Error("learningRateAt: give warmupSteps or warmupRatio, not both");
  }
  if (warmupSteps !== undefined) {
    if (!Number.isInteger(warmupSteps) || warmupSteps < 0) {
      throw new Error(`learningRateAt: warmupSteps must be a non-negative integer, got ${warmupSteps}`);
    }
    return warmupSteps;
  }
  if (warmupRatio !== undefined) {
    if (!(warmupRatio >= 0 && warmupRatio <= 1)) {
      throw new Error(`learningRateAt: warmupRatio must be in [0, 1], got ${warmupRatio}`);
    }
    // the −1e-9 keeps 0.07·100 = 7.000000000000001 at 7
    return Math.max(0, Math.ceil(warmupRatio * totalSteps - 1e-9));
  }
  return 0;
}

/** The learning rate of optimizer step `step` (0-based) of a run of `totalSteps` steps. */
export function learningRateAt(step: number, totalSteps: number, options: LrScheduleOptions): number {
  if (!Number.isInteger(step) || step < 0)
    throw new Error(`learningRateAt: step must be an integer ≥ 0, got ${step}`);
  if (!Number.isInteger(totalSteps) || totalSteps < 1) {
    throw new Error(`learningRateAt: totalSteps must be an integer ≥ 1, got ${totalSteps}`);
  }
  const { baseLr, schedule = "constant", minLrRatio = 0 } = options;
  if (!(minLrRatio >= 0 && minLrRatio <= 1))
    throw new Error(`learningRateAt: minLrRatio must be in [0, 1], got ${minLrRatio}`);
  const W = warmupStepsOf(totalSteps, options);
  if (W > totalSteps)
    throw new Error(`learningRateAt: ${W} warmup steps exceed the ${totalSteps} total steps`);
  // lr_s = base · (s+1)/W during warmup
  if (step < W) return (baseLr * (step + 1)) / W;
  const p = totalSteps === W ? 1 : Math.min(1, (step - W) / (totalSteps - W));
  switch (schedule) {
    case "constant":
      return baseLr;
    case "linear":
      // lr = base · (m + (1 − m)(1 − p))
      return baseLr * (minLrRatio + (1 - minLrRatio) * (1 - p));
    case "cosine":
      // lr = base · (m + (1 − m) · ½(1 + cos πp))   (Loshchilov & Hutter 2017, SGDR, without restarts)
      return baseLr * (minLrRatio + (1 - minLrRatio) * 0.5 * (1 + Math.cos(Math.PI * p)));
    default: {
      const never: never = schedule;
      throw new Error(`learningRateAt: unknown schedule "${never}" (use constant, linear or cosine)`);
    }
  }
}
