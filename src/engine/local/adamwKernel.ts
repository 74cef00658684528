// The per-element work of AdamW (optimizer.ts) over a range of one parameter, shared by the optimizer's
// own thread and its worker threads (adamwThreads.ts), so that both compute exactly the same values.

/** The constants of one AdamW step, precomputed once for all elements. */
export interface AdamWCoefficients {
  /** Gradient clipping factor: min(1, maxNorm / (‖g‖ + 1e-6)). */
  scale: number;
  beta1: number;
  beta2: number;
  /** 1 − lr·wd. */
  decay: number;
  /** lr / (1 − β1^t). */
  stepSize: number;
  /** 1 / √(1 − β2^t). */
  invSqrtBc2: number;
  eps: number;
}

/** Σ g[i]² over [start, end), accumulated in float64. */
export function sumOfSquares(g: Float32Array, start = 0, end = g.length): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += g[i] * g[i];
  return sum;
}

/**
 * AdamW on w[start, end) in place (torch.optim.AdamW; Loshchilov & Hutter 2019, algorithm 2):
 *   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  w ← w·(1 − lr·wd) − (lr/bc1)·m / (√v/√bc2 + ε)
 * with g the clipped gradient and bc_k = 1 − β_k^t.
 */
export function adamwUpdate(
  w: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  c: AdamWCoefficients,
  start = 0,
  end = w.length,
): void {
  const { scale, beta1: b1, beta2: b2, decay, stepSize, invSqrtBc2, eps } = c;
  for (let i = start; i < end; i++) {
    const gi = g[i] * scale;
    const mi = b1 * m[i] + (1 - b1) * gi;
    const vi = b2 * v[i] + (1 - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    w[i] = w[i] * decay - (stepSize * mi) / (Math.sqrt(vi) * invSqrtBc2 + eps);
  }
}
