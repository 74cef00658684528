// Token aggregation as per-token weights: every loss is Σ_{i,t} w_{i,t} · ℓ_{i,t} (the engine sums, see
// engine/types.ts Datum.weights), so each aggregation mode of docs/algorithms.md "GRPO" is a
// choice of w. Masks are 1 on completion tokens that carry loss, 0 elsewhere (fractional masks work too).

import type { AggregationMode } from "./choices.js";

export type { AggregationMode };

export interface AggregationOptions {
  /** The constant length of `seq-mean-token-sum-norm` (Dr. GRPO: the generation budget). Required there. */
  maxTokens?: number;
  /**
   * N_seq, the number of sequences the mean is over. Default: masks_BT.length. Pass the whole batch's
   * count when masks_BT is one micro-batch of it, so that the micro-batches' weights add up to the batch's.
   */
  numSequences?: number;
  /** `token-mean` only: the total mask of the whole batch (default: the total of masks_BT), for micro-batches. */
  numTokens?: number;
}

function rowSum(row: readonly number[]): number {
  let s = 0;
  for (const v of row) s += v;
  return s;
}

function positive(value: number | undefined, name: string, fallback: number, atLeast: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0)
    throw new Error(`aggregationWeights: ${name} must be a positive number, got ${value}`);
  if (v < atLeast)
    throw new Error(`aggregationWeights: ${name} = ${v} is less than the ${atLeast} present in masks_BT`);
  return v;
}

/**
 * Per-token weights such that Σ_{i,t} w_{i,t} ℓ_{i,t} is the aggregated loss:
 * - `seq-mean-token-mean` (GRPO as written): w = mask / (N_seq · |o_i|), |o_i| = Σ_t mask_{i,t};
 * - `token-mean` (DAPO): w = mask / Σ_{i,t} mask;
 * - `seq-mean-token-sum-norm` (Dr. GRPO): w = mask / (N_seq · maxTokens).
 * A sequence (or batch) with no masked-in tokens gets zero weights, never NaN.
 */
export function aggregationWeights(
  masks_BT: readonly (readonly number[])[],
  mode: AggregationMode,
  opts: AggregationOptions = {},
): number[][] {
  const B = masks_BT.length;
  switch (mode) {
    case "seq-mean-token-mean": {
      const N = positive(opts.numSequences, "numSequences", Math.max(B, 1), B);
      return masks_BT.map((mask_T) => {
        const len = rowSum(mask_T);
        // w_{i,t} = mask_{i,t} / (N_seq · |o_i|)   (docs/algorithms.md GRPO; Shao et al. 2024 eq. 3: 1/G Σ_i 1/|o_i| Σ_t)
        return mask_T.map((m) => (len === 0 ? 0 : m / (N * len)));
      });
    }
    case "token-mean": {
      const local = masks_BT.reduce((s, row) => s + rowSum(row), 0);
      if (local === 0 && opts.numTokens === undefined) return masks_BT.map((row) => row.map(() => 0));
      const total = positive(opts.numTokens, "numTokens", local, local);
      // w_{i,t} = mask_{i,t} / Σ_{j,s} mask_{j,s}   (docs/algorithms.md GRPO; DAPO, Yu et al. 2025 §3.3)
      return masks_BT.map((mask_T) => mask_T.map((m) => m / total));
    }
    case "seq-mean-token-sum-norm": {
      if (opts.maxTokens === undefined) {
        throw new Error(
          "aggregationWeights: mode seq-mean-token-sum-norm needs opts.maxTokens (the constant length)",
        );
      }
      const maxTokens = positive(opts.maxTokens, "maxTokens", opts.maxTokens, 0);
      const N = positive(opts.numSequences, "numSequences", Math.max(B, 1), B);
      // w_{i,t} = mask_{i,t} / (N_seq · L_max)   (docs/algorithms.md GRPO; Dr. GRPO, Liu et al. 2025 §3.1)
      return masks_BT.map((mask_T) => mask_T.map((m) => m / (N * maxTokens)));
    }
    default: {
      const never: never = mode;
      throw new Error(`aggregationWeights: unknown mode "${never}"`);
    }
  }
}

/**
 * MGRPO layer-2 normalisation as weights, masks_JHT[j][h] = mask of correction h of kept group j:
 * w_{j,h,t} = mask / (Q · H_j · |õ_{j,h}|), H_j = masks_JHT[j].length (H in the paper, the same for every
 * group), Q = what the loss is averaged over (mgrpo.ts: the B questions, as eq. 6 sums over a question's
 * correction queries, or all B·G' correction queries). Corrections with no masked-in tokens get zero weights.
 */
export function mgrpoLayer2Weights(
  masks_JHT: readonly (readonly (readonly number[])[])[],
  Q = 1,
): number[][][] {
  if (!(Q > 0)) throw new Error(`mgrpoLayer2Weights: Q must be > 0, got ${Q}`);
  return masks_JHT.map((masks_HT) => {
    const H = masks_HT.length;
    return masks_HT.map((mask_T) => {
      const len = rowSum(mask_T);
      // w_{j,h,t} = mask / (Q · H · |õ_j^(h)|)   (docs/algorithms.md MGRPO; MGRPO 001 §3.2 eq. 6: 1/H Σ_j Σ_h 1/|õ| Σ_t, mean over Q)
      return mask_T.map((m) => (len === 0 ? 0 : m / (Q * H * len)));
    });
  });
}
