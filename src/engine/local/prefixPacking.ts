// Shared-prefix packing of training datums: datums that begin with the same unweighted tokens (the G
// completions of one prompt, the H corrections of one MGRPO correction query) go into one row as
// [prefix, suffix_1, …, suffix_K]. Each suffix keeps the positions it has in its own sequence and
// attends to the prefix and to itself only, so every token sees exactly the context it would see alone,
// and the loss Σ w·ℓ and its gradient are unchanged; the prefix is computed once instead of K times.
// A prefix may only hold positions whose weight is 0 in every member (their logprobs are then the same
// in each member and carry no loss), and tokens and targets must agree there.
//
// Written here, not taken from a library: it is the core of the embedded engine's batching (verl and
// others pack sequences for the same reason, with GPU attention kernels that take the layout; ours
// feeds an additive mask and per-token rotary tables to the compiled graph).
import type { Datum } from "../types.js";
import type { TokenInput } from "./losses.js";
import { ropeTables } from "./model.js";
import type { ModelConfig } from "./modelConfig.js";

/** One packed row: datums `members` sharing their first `prefixLength` positions. */
export interface PackedRow {
  members: number[];
  prefixLength: number;
  /** prefixLength + Σ (length − prefixLength) over the members. */
  length: number;
}

/** Positions of a datum that a prefix may cover: leading positions with equal tokens and targets and weight 0 in both. */
export function shareablePrefixLength(a: Datum, b: Datum): number {
  const n = Math.min(a.inputTokens.length, b.inputTokens.length);
  let i = 0;
  while (
    i < n &&
    a.inputTokens[i] === b.inputTokens[i] &&
    a.targetTokens[i] === b.targetTokens[i] &&
    a.weights[i] === 0 &&
    b.weights[i] === 0
  )
    i++;
  return i;
}

/**
 * Packs consecutive datums greedily: a datum joins the current row when the row's shared prefix (the
 * smallest shareable length with the row's first datum) leaves the row shorter than keeping the datum
 * apart, and the row stays within `maxRowTokens`. A datum alone is a row whose prefix is all of it.
 */
export function packDatums(datums: readonly Datum[], maxRowTokens: number): PackedRow[] {
  const rows: PackedRow[] = [];
  let row: PackedRow | null = null;
  let memberTokens = 0; // Σ length over the current row's members
  for (const [i, d] of datums.entries()) {
    const n = d.inputTokens.length;
    if (row) {
      const first = datums[row.members[0]];
      const prefix = Math.min(row.prefixLength, shareablePrefixLength(first, d));
      // prefix + Σ (length − prefix) over the members and d
      const packed = memberTokens + n - prefix * row.members.length;
      if (prefix > 0 && packed < row.length + n && packed <= maxRowTokens) {
        row.members.push(i);
        row.prefixLength = prefix;
        row.length = packed;
        memberTokens += n;
        continue;
      }
    }
    row = { members: [i], prefixLength: n, length: n };
    memberTokens = n;
    rows.push(row);
  }
  return rows;
}

/** Where each token of each member sits in its row: rowIndex_T[t] for datum t. */
export function memberIndices(row: PackedRow, datums: readonly Datum[]): number[][] {
  let offset = row.prefixLength;
  return row.members.map((m) => {
    const n = datums[m].inputTokens.length;
    const idx = Array.from({ length: n }, (_, t) =>
      t < row.prefixLength ? t : offset + t - row.prefixLength,
    );
    offset += n - row.prefixLength;
    return idx;
  });
}

/** The graph feeds of B packed rows padded to T tokens. */
export interface PackedFeeds {
  tokens: Int32Array;
  targets: Int32Array;
  weights: Float32Array;
  fields: Record<string, Float32Array>;
  /** Additive attention mask [B, 1, 1, T, T]: 0 where query i may attend key j, −∞ elsewhere. */
  mask: Float32Array;
  /**
   * The mask of the sliding-window layers (only when the config has them): `mask` and also −∞ where the
   * key's position is `window` or more before the query's.
   */
  slidingMask?: Float32Array;
  /** Rotary tables [B, T, 1, headDim] at each token's position in its own sequence. */
  cos: Float32Array;
  sin: Float32Array;
  /** indices[b][k]: where each token of rows[b]'s member k sits in the row (memberIndices). */
  indices: number[][][];
}

/**
 * Lays out `rows` (B ≤ rows.length is the batch, T ≥ every row's length). The prefix takes the first
 * member's values (its weights are 0 in every member). Padding tokens attend causally to the whole row
 * and have weight 0, as before packing.
 */
export function packedFeeds(
  cfg: ModelConfig,
  datums: readonly Datum[],
  rows: readonly PackedRow[],
  B: number,
  T: number,
  fields: readonly TokenInput[],
): PackedFeeds {
  const tokens = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  const weights = new Float32Array(B * T);
  const extra = Object.fromEntries(fields.map((f) => [f, new Float32Array(B * T)]));
  const mask = new Float32Array(B * T * T).fill(Number.NEGATIVE_INFINITY);
  const positions = new Float64Array(B * T);
  if (rows.length > B) throw new Error(`packedFeeds: ${rows.length} rows for a batch of ${B}`);
  const indices = rows.map((row) => memberIndices(row, datums));
  for (let b = 0; b < B; b++) {
    // segment of each row index: 0 = the prefix, k + 1 = member k, −1 = padding (and rows past the last)
    const segment = new Int32Array(T).fill(-1);
    const row = rows[b];
    if (row) {
      if (row.length > T) throw new Error(`packedFeeds: a row of ${row.length} tokens exceeds T = ${T}`);
      indices[b].forEach((idx, k) => {
        const d = datums[row.members[k]];
        idx.forEach((r, t) => {
          if (k > 0 && t < row.prefixLength) return;
          const at = b * T + r;
          tokens[at] = d.inputTokens[t];
          targets[at] = d.targetTokens[t];
          weights[at] = d.weights[t];
          for (const f of fields) extra[f][at] = d[f]![t];
          positions[at] = t;
          segment[r] = t < row.prefixLength ? 0 : k + 1;
        });
      });
    }
    for (let i = 0; i < T; i++) {
      if (segment[i] === -1) positions[b * T + i] = i;
      const base = (b * T + i) * T;
      for (let j = 0; j <= i; j++) {
        const visible = segment[i] === -1 || segment[j] === 0 || segment[j] === segment[i];
        if (visible) mask[base + j] = 0;
      }
    }
  }
  const { cos, sin } = ropeTables(positions, cfg);
  let slidingMask: Float32Array | undefined;
  if (cfg.slidingWindow) {
    const window = cfg.slidingWindow.size;
    slidingMask = Float32Array.from(mask);
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < T; i++) {
        const base = (b * T + i) * T;
        for (let j = 0; j <= i; j++) {
          if (positions[b * T + i] - positions[b * T + j] >= window)
            slidingMask[base + j] = Number.NEGATIVE_INFINITY;
        }
      }
    }
  }
  return {
    tokens,
    targets,
    weights,
    fields: extra,
    mask,
    ...(slidingMask ? { slidingMask } : {}),
    cos: Float32Array.from(cos),
    sin: Float32Array.from(sin),
    indices,
  };
}
