// Fewer points for a long curve, without losing its spikes: the points are cut into buckets of equal
// index span and each bucket keeps its lowest and its highest point, in step order (min–max
// decimation). A KL blow-up of a single step in a 100k-step run survives at any point budget.

export interface Series {
  x: number[];
  /** Finite values only: steps without the metric are left out. */
  y: number[];
}

/** The finite points of (x, y), at most `maxPoints` of them (every point when they fit). */
export function decimate(x: ArrayLike<number>, y: ArrayLike<number>, maxPoints: number): Series {
  const idx: number[] = [];
  for (let i = 0; i < y.length; i++) if (Number.isFinite(y[i])) idx.push(i);
  if (idx.length <= maxPoints || maxPoints < 2) {
    return { x: idx.map((i) => x[i]), y: idx.map((i) => y[i]) };
  }
  const out: Series = { x: [], y: [] };
  const buckets = Math.floor(maxPoints / 2);
  for (let b = 0; b < buckets; b++) {
    // bucket b holds idx[⌊b·n/B⌋ .. ⌊(b+1)·n/B⌋)
    const from = Math.floor((b * idx.length) / buckets);
    const to = Math.floor(((b + 1) * idx.length) / buckets);
    let lo = from;
    let hi = from;
    for (let k = from + 1; k < to; k++) {
      if (y[idx[k]] < y[idx[lo]]) lo = k;
      if (y[idx[k]] > y[idx[hi]]) hi = k;
    }
    for (const k of lo === hi ? [lo] : [Math.min(lo, hi), Math.max(lo, hi)]) {
      out.x.push(x[idx[k]]);
      out.y.push(y[idx[k]]);
    }
  }
  return out;
}
