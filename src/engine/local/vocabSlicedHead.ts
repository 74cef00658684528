// The LM head over a large vocabulary, computed a slice of the vocabulary at a time, forward and backward,
// so that no [tokens, vocabulary] tensor exists: at Qwen2.5's 151,936 tokens one is 148 MiB per 256 tokens,
// and the whole-vocabulary head kept several of them alive in the backward pass (about 700 MiB a micro-batch).
// The backward pass is written out here, not left to autodiff: it recomputes each slice's logits instead of
// keeping them, and writes each slice's weight gradient into its rows of the accumulator (one Gemm with
// C = acc, onnxExport.ts accumulatingGemms). The weight slices are graph inputs of their own, fed as views of
// the weight (localEngine.ts), so nothing is copied.
import type { Tensor } from "./graph/graph.js";
import * as op from "./graph/ops.js";

/** Rows [start, end) of the vocabulary. */
export interface VocabSlice {
  readonly start: number;
  readonly end: number;
}

/**
 * The vocabulary in near-equal slices of at most `maxValues / tokens` rows, so that each slice's [tokens, rows]
 * tensors hold at most `maxValues` values.
 */
export function vocabSlices(vocabSize: number, tokens: number, maxValues: number): VocabSlice[] {
  const count = Math.ceil(vocabSize / Math.max(1, Math.floor(maxValues / tokens)));
  const rows = Math.ceil(vocabSize / count);
  return Array.from({ length: Math.ceil(vocabSize / rows) }, (_, k) => ({
    start: k * rows,
    end: Math.min(vocabSize, (k + 1) * rows),
  }));
}

/** The graph input (or gradient output) name of rows [start, end) of the weight `name`: `name[start:end]`. */
export function rowSliceName(name: string, s: VocabSlice): string {
  return `${name}[${s.start}:${s.end}]`;
}

/** The weight and rows a rowSliceName names, or null for any other name. */
export function parseRowSlice(name: string): { name: string; start: number; end: number } | null {
  const m = /^(.*)\[(\d+):(\d+)\]$/.exec(name);
  return m ? { name: m[1], start: Number(m[2]), end: Number(m[3]) } : null;
}

/** What the backward pass gives: the gradients of the hidden states and of the head weight. */
export interface SlicedHeadGradients {
  /** ∂L/∂h [N, D]. */
  hidden_ND: Tensor;
  /** Each slice's accumulated weight gradient acc_k + ∂L/∂W_k (its softmax part), [rows_k, D]. */
  weightSlices: Tensor[];
  /** The target logits' part of ∂L/∂W: row n, a_n·h_n, belongs to W's row targets[n] (added by the engine). */
  targetRows_ND: Tensor;
}

export interface SlicedHead {
  /** log p(target) per row, [N, 1]. */
  logprobs_N1: Tensor;
  /** The entropy of each row's distribution, [N, 1]. */
  entropy_N1: Tensor;
  /**
   * The backward pass given a = ∂L/∂logprobs and b = ∂L/∂entropy ([N, 1] each; null when the loss has no
   * entropy term) and each slice's gradient accumulator (graph inputs [rows_k, D]).
   */
  backward(a_N1: Tensor, b_N1: Tensor | null, accSlices: readonly Tensor[]): SlicedHeadGradients;
}

/**
 * Logits z = h·Wᵀ (h [N, D], the weight W [V, D] with its slices W_k as separate inputs), and per row the
 * target's log-probability lp = z_t − lse and the entropy H = lse − Σ_v p_v z_v, lse = log Σ_v e^{z_v}.
 * Each slice contributes its max m_k, s_k = Σ e^{z−m_k} and t_k = Σ e^{z−m_k}·z (the online-softmax merge,
 * Milakov & Gimelshein 2018): with M = max_k m_k and w_k = e^{m_k−M}, lse = M + log Σ_k s_k w_k and
 * Σ_v p_v z_v = Σ_k t_k w_k / Σ_k s_k w_k. No gradient flows through h or W here: `backward` gives them.
 */
export function vocabSlicedHead(
  h_ND: Tensor,
  weight_VD: Tensor,
  weightSlices: readonly Tensor[],
  targets_N1: Tensor,
): SlicedHead {
  const [N, D] = h_ND.shape;
  const h = op.stopGradient(h_ND);
  const K = weightSlices.length;
  // one [N, 3] tensor per slice: its logits are used up inside it (onnxruntime's depth-first order runs a
  // slice's nodes together), then freed
  const stats_N3K = op.concat(
    weightSlices.map((w_k) => {
      const z = op.matmul(h, w_k, { transB: true });
      const m = op.reduceMax(z, [1], true);
      const e = op.exp(op.sub(z, m));
      return op.concat([m, op.reduceSum(e, [1], true), op.reduceSum(op.mul(e, z), [1], true)], 1);
    }),
    1,
  );
  const stats_NK3 = op.reshape(stats_N3K, [N, K, 3]);
  const part = (i: number) => op.reshape(op.slice(stats_NK3, 2, i, i + 1), [N, K]);
  const [m_NK, s_NK, t_NK] = [part(0), part(1), part(2)];
  const M_N1 = op.reduceMax(m_NK, [1], true);
  const w_NK = op.exp(op.sub(m_NK, M_N1));
  const S_N1 = op.reduceSum(op.mul(s_NK, w_NK), [1], true);
  const lse_N1 = op.add(M_N1, op.log(S_N1));
  const meanLogit_N1 = op.div(op.reduceSum(op.mul(t_NK, w_NK), [1], true), S_N1);
  const entropy_N1 = op.sub(lse_N1, meanLogit_N1);
  // the target's logit as a dot product with its row of W
  const wTarget_ND = op.reshape(op.gather(op.stopGradient(weight_VD), targets_N1), [N, D]);
  const logprobs_N1 = op.sub(op.reduceSum(op.mul(h, wTarget_ND), [1], true), lse_N1);

  const backward = (a_N1: Tensor, b_N1: Tensor | null, accSlices: readonly Tensor[]): SlicedHeadGradients => {
    if (accSlices.length !== K)
      throw new Error(`vocabSlicedHead: ${accSlices.length} accumulators, ${K} slices`);
    // dz = a·onehot(t) − p ⊙ (a + b·(z − lse + H)) (∂lp/∂z = onehot − p, ∂H/∂z = −p ⊙ (log p + H)), the
    // softmax part as p ⊙ (c1 + c2·u) with u = z − lse, c1 = −(a + b·H), c2 = −b; in rows [1, N], since each
    // slice works on zᵀ [rows_k, N] (transposed, so that onnxruntime does not merge it with the forward
    // pass's z and keep that instead of recomputing it)
    const row = (t: Tensor) => op.reshape(t, [1, N]);
    const lse_1N = row(lse_N1);
    const c1_1N = row(op.neg(b_N1 ? op.add(a_N1, op.mul(b_N1, entropy_N1)) : a_N1));
    const c2_1N = b_N1 ? row(op.neg(b_N1)) : null;
    let dh_ND: Tensor | null = null;
    const grads = weightSlices.map((w_k, k) => {
      const u = op.sub(op.matmul(w_k, h, { transB: true }), lse_1N);
      // without an entropy term one [rows_k, N] tensor fewer is alive at a time
      const dzT = op.mul(op.exp(u), c2_1N ? op.add(c1_1N, op.mul(c2_1N, u)) : c1_1N);
      const dW = op.add(accSlices[k], op.matmul(dzT, h));
      // both consumers of dzᵀ in one node's ancestry: it is freed before the next slice is computed
      const dh_k = op.after(op.matmul(dzT, w_k, { transA: true }), [dW]);
      dh_ND = dh_ND === null ? dh_k : op.add(dh_ND, dh_k);
      return dW;
    });
    return {
      hidden_ND: op.add(dh_ND!, op.mul(a_N1, wTarget_ND)),
      weightSlices: grads,
      targetRows_ND: op.mul(a_N1, h),
    };
  };
  return { logprobs_N1, entropy_N1, backward };
}
