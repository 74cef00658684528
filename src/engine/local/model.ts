// The Qwen2 / Qwen3 / Llama decoder built with the graph API (HF transformers' modeling_qwen2,
// modeling_qwen3 and modeling_llama semantics): token embedding → N × [x + o_proj(attn(RMSNorm(x))),
// x + down(silu(gate(n))·up(n))] → RMSNorm → LM head (tied to the embedding or not). Rotary embeddings
// use the rotate-half convention (frequencies scaled as `rope_scaling` says); grouped-query attention
// shares each kv head among numAttentionHeads/numKeyValueHeads q heads; Qwen3 normalises each q and k
// head (RMSNorm) before the rotation; layers with a sliding window see only the latest positions.
// Parameters are graph inputs named as in HF checkpoints; checkpoint I/O is at the end.
import { join } from "node:path";
import type { SaveDtype } from "../../core/choices.js";
import { writeFileAtomic } from "../../core/atomicFile.js";
import { Rng } from "../../core/rng.js";
import type { DType, Graph, Tensor } from "./graph/graph.js";
import * as op from "./graph/ops.js";
import type { LoraTargetModule } from "../../core/choices.js";
import { applyDropout, type LoraSpec, loraScale } from "./lora.js";
import { type ModelConfig, loadModelConfig, toHfConfig, usesSlidingWindow } from "./modelConfig.js";
import type { StoredDType } from "./safetensors.js";
import { readTensors, writeTensors } from "./shardedSafetensors.js";
import { largeFloat32Array } from "./hugePages.js";

export type Parameters = Map<string, Float32Array>;

/** The safetensors dtype of each saveable dtype. */
export const STORED_DTYPE: Record<SaveDtype, StoredDType> = { float32: "F32", bfloat16: "BF16" };

/** Llama and Qwen3 put `attention_bias` on o_proj too; Qwen2 has q/k/v biases only. */
function hasOutputBias(cfg: ModelConfig): boolean {
  return cfg.attentionBias && cfg.modelType !== "qwen2";
}

/** HF parameter names and shapes ([out, in] for linear weights), in checkpoint order. */
export function parameterShapes(cfg: ModelConfig): Map<string, number[]> {
  const D = cfg.hiddenSize;
  const qDim = cfg.numAttentionHeads * cfg.headDim;
  const kvDim = cfg.numKeyValueHeads * cfg.headDim;
  const shapes = new Map<string, number[]>();
  shapes.set("model.embed_tokens.weight", [cfg.vocabSize, D]);
  for (let l = 0; l < cfg.numHiddenLayers; l++) {
    const p = `model.layers.${l}.`;
    shapes.set(`${p}input_layernorm.weight`, [D]);
    shapes.set(`${p}self_attn.q_proj.weight`, [qDim, D]);
    shapes.set(`${p}self_attn.k_proj.weight`, [kvDim, D]);
    shapes.set(`${p}self_attn.v_proj.weight`, [kvDim, D]);
    if (cfg.attentionBias) {
      shapes.set(`${p}self_attn.q_proj.bias`, [qDim]);
      shapes.set(`${p}self_attn.k_proj.bias`, [kvDim]);
      shapes.set(`${p}self_attn.v_proj.bias`, [kvDim]);
    }
    if (cfg.qkNorm) {
      shapes.set(`${p}self_attn.q_norm.weight`, [cfg.headDim]);
      shapes.set(`${p}self_attn.k_norm.weight`, [cfg.headDim]);
    }
    shapes.set(`${p}self_attn.o_proj.weight`, [D, qDim]);
    if (hasOutputBias(cfg)) shapes.set(`${p}self_attn.o_proj.bias`, [D]);
    shapes.set(`${p}post_attention_layernorm.weight`, [D]);
    shapes.set(`${p}mlp.gate_proj.weight`, [cfg.intermediateSize, D]);
    shapes.set(`${p}mlp.up_proj.weight`, [cfg.intermediateSize, D]);
    shapes.set(`${p}mlp.down_proj.weight`, [D, cfg.intermediateSize]);
  }
  shapes.set("model.norm.weight", [D]);
  if (!cfg.tieWordEmbeddings) shapes.set("lm_head.weight", [cfg.vocabSize, D]);
  return shapes;
}

/** HF's _init_weights: linear and embedding weights ~ N(0, 0.02²), biases 0, norm weights 1. */
export function initParameters(cfg: ModelConfig, seed: number, std = 0.02): Parameters {
  const rng = new Rng(seed);
  const params: Parameters = new Map();
  for (const [name, shape] of parameterShapes(cfg)) {
    const data = largeFloat32Array(shape.reduce((a, b) => a * b, 1));
    if (name.endsWith("norm.weight")) data.fill(1);
    else if (!name.endsWith(".bias")) for (let i = 0; i < data.length; i++) data[i] = rng.normal() * std;
    params.set(name, data);
  }
  return params;
}

/** Declares every parameter as a graph input of `dtype`. */
export function declareParameters(g: Graph, cfg: ModelConfig, dtype: DType = "float32"): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [name, shape] of parameterShapes(cfg)) out.set(name, g.input(name, shape, dtype));
  return out;
}

/**
 * The d/2 rotary inverse frequencies θ^(−2i/d), rounded to float32 (transformers keeps them in float32), scaled as
 * `cfg.ropeScaling` says: "linear" divides them by the factor; "llama3" (transformers'
 * `_compute_llama3_parameters`) divides the low frequencies (wavelength above L/low_freq_factor, L the
 * original context) by the factor, keeps the high ones (wavelength below L/high_freq_factor), and
 * blends in between: (1 − s)·f/factor + s·f with s = (L/wavelength − low_freq_factor)/(high − low).
 */
export function ropeInverseFrequencies(cfg: ModelConfig): Float64Array {
  const d = cfg.headDim;
  const half = d / 2;
  const inv = new Float64Array(half);
  // rounded to float32 once, as before rope scaling existed: the stored reference runs depend on these bits
  for (let i = 0; i < half; i++) inv[i] = Math.fround(1 / cfg.ropeTheta ** ((2 * i) / d));
  const rs = cfg.ropeScaling;
  if (rs?.type === "linear") for (let i = 0; i < half; i++) inv[i] = Math.fround(inv[i] / rs.factor);
  else if (rs?.type === "llama3") {
    const L = rs.originalMaxPositionEmbeddings;
    const lowFreqWavelen = L / rs.lowFreqFactor;
    const highFreqWavelen = L / rs.highFreqFactor;
    for (let i = 0; i < half; i++) {
      const wavelen = (2 * Math.PI) / inv[i];
      if (wavelen > lowFreqWavelen) inv[i] = Math.fround(inv[i] / rs.factor);
      else if (wavelen >= highFreqWavelen) {
        const s = (L / wavelen - rs.lowFreqFactor) / (rs.highFreqFactor - rs.lowFreqFactor);
        inv[i] = Math.fround(((1 - s) * inv[i]) / rs.factor + s * inv[i]);
      }
    }
  }
  return inv;
}

/**
 * cos and sin of the rotary angles, [positions.length, headDim]: angle(p, i) = p · f(i mod h), h = d/2,
 * f the inverse frequencies (the two halves repeat, as HF's `cat(freqs, freqs)`); a caller that needs
 * tables often (a decode step per token) passes f computed once.
 */
export function ropeTables(
  positions: ArrayLike<number>,
  cfg: ModelConfig,
  invFreq: Float64Array = ropeInverseFrequencies(cfg),
): { cos: Float64Array; sin: Float64Array } {
  const d = cfg.headDim;
  const half = d / 2;
  const cos = new Float64Array(positions.length * d);
  const sin = new Float64Array(positions.length * d);
  for (let t = 0; t < positions.length; t++) {
    for (let i = 0; i < d; i++) {
      const angle = positions[t] * invFreq[i % half];
      cos[t * d + i] = Math.cos(angle);
      sin[t * d + i] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

/** x·Wᵀ + b for x [N, in], W [out, in] */
function linear(x: Tensor, w: Tensor, b?: Tensor): Tensor {
  const y = op.matmul(x, w, { transB: true });
  return b ? op.add(y, b) : y;
}

/**
 * rotate_half(x) = cat(−x₂, x₁) over the last axis (x₁, x₂ its halves), as x·R with the constant
 * signed permutation R (R[j+h, j] = −1, R[j, j+h] = 1): one small matmul instead of two slices,
 * a negation and a concat, forward and backward.
 */
function rotateHalf(x: Tensor): Tensor {
  const d = x.shape[x.rank - 1];
  const h = d / 2;
  const R = new Float64Array(d * d);
  for (let j = 0; j < h; j++) {
    R[(j + h) * d + j] = -1;
    R[j * d + j + h] = 1;
  }
  const Rt =
    x.dtype === "float64" ? x.graph.constant(R, [d, d]) : x.graph.constant(Float32Array.from(R), [d, d]);
  return op.matmul(x, Rt);
}

/** x·cos + rotate_half(x)·sin; cos/sin broadcast to x [B, T, heads, d] */
function applyRope(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  return op.add(op.mul(x, cos), op.mul(rotateHalf(x), sin));
}

/**
 * Attention of one layer: q [B, T, H, d] (already scaled by 1/√d), k and v [B, T, KV, d], all
 * rotated; returns [B·T, H·d].
 */
export type AttentionFn = (layer: number, q: Tensor, k: Tensor, v: Tensor) => Tensor;

/**
 * Self-attention over the T positions given, with the additive mask `maskOf(T, like, layer)`
 * (broadcastable to [B, KV, g, T, T]). GQA without copying kv: q [B, KV, g·T, d] against k [B, KV, T, d];
 * scores viewed as [B, KV, g, T, T] for the mask. `onKv` sees each layer's k and v as [B, KV, T, d].
 */
function maskedAttentionOf(
  cfg: ModelConfig,
  maskOf: (T: number, like: Tensor, layer: number) => Tensor,
  onKv?: (layer: number, k_BKTd: Tensor, v_BKTd: Tensor) => void,
): AttentionFn {
  return (layer, q, k, v) => {
    const [B, T, H, d] = q.shape;
    const KV = cfg.numKeyValueHeads;
    const groups = H / KV;
    const k_BKTd = op.transpose(k, [0, 2, 1, 3]);
    const v_BKTd = op.transpose(v, [0, 2, 1, 3]);
    onKv?.(layer, k_BKTd, v_BKTd);
    const q_BKGd = op.reshape(op.transpose(q, [0, 2, 1, 3]), [B, KV, groups * T, d]);
    const scores = op.reshape(op.matmul(q_BKGd, k_BKTd, { transB: true }), [B, KV, groups, T, T]);
    const probs = op.reshape(op.softmax(op.add(scores, maskOf(T, q, layer))), [B, KV, groups * T, T]);
    const out_BKGd = op.matmul(probs, v_BKTd);
    return op.reshape(op.transpose(op.reshape(out_BKGd, [B, H, T, d]), [0, 2, 1, 3]), [B * T, H * d]);
  };
}

/**
 * Additive causal mask [T, T] over positions 0..T−1: 0 where query i may see key j (j ≤ i, and
 * i − j < window when a window is given, as transformers' `sliding_window_overlay`), −∞ elsewhere.
 */
export function causalMask(T: number, window?: number): Float32Array {
  const mask = new Float32Array(T * T).fill(Number.NEGATIVE_INFINITY);
  for (let i = 0; i < T; i++) {
    for (let j = window === undefined ? 0 : Math.max(0, i - window + 1); j <= i; j++) mask[i * T + j] = 0;
  }
  return mask;
}

/**
 * Causal self-attention over the T positions given (the sampler's prefill); sliding-window layers get
 * the windowed mask. `onKv` sees each layer's k and v as [B, KV, T, d] (the prefill writes them to the cache).
 */
export function causalAttention(
  cfg: ModelConfig,
  onKv?: (layer: number, k_BKTd: Tensor, v_BKTd: Tensor) => void,
): AttentionFn {
  const maskOf = (T: number, like: Tensor, layer: number) => {
    const mask = causalMask(T, usesSlidingWindow(cfg, layer) ? cfg.slidingWindow!.size : undefined);
    return like.dtype === "float64"
      ? like.graph.constant(Float64Array.from(mask), [T, T])
      : like.graph.constant(mask, [T, T]);
  };
  return maskedAttentionOf(cfg, maskOf, onKv);
}

/**
 * Self-attention under a given additive mask [B, 1, 1, T, T] (training over packed rows,
 * prefixPacking.ts); the sliding-window layers use `slidingMask_B11TT` (required when the config has them).
 */
export function maskedAttention(
  cfg: ModelConfig,
  mask_B11TT: Tensor,
  slidingMask_B11TT?: Tensor,
): AttentionFn {
  if (cfg.slidingWindow && !slidingMask_B11TT)
    throw new Error("maskedAttention: the sliding-window mask is missing");
  return maskedAttentionOf(cfg, (_T, _like, layer) =>
    usesSlidingWindow(cfg, layer) ? slidingMask_B11TT! : mask_B11TT,
  );
}

export interface DecoderInputs {
  /** Token ids, int32 [B, T]. */
  tokens: Tensor;
  /** Rotary tables broadcastable to [B, T, heads, headDim] (e.g. [T, 1, d] or [B, T, 1, d]). */
  cos: Tensor;
  sin: Tensor;
  attention: AttentionFn;
  /** LoRA on the targeted linear layers (lora.ts); `p` then holds the adapters too. */
  lora?: LoraSpec;
  /** The token embeddings [B·T, D] when the caller looks them up (default: gathered here from the table). */
  inputsEmbeds?: Tensor;
  /** Dropout p on the adapters' input, with each target's keep mask [B·T, in] (lora.ts; training passes only). */
  loraDropout?: { p: number; keep: (layer: number, module: LoraTargetModule) => Tensor };
}

/** The decoder up to and including the final norm: hidden states [B·T, D]. */
export function decoderHidden(cfg: ModelConfig, p: ReadonlyMap<string, Tensor>, inp: DecoderInputs): Tensor {
  const param = (name: string) => {
    const t = p.get(name);
    if (!t) throw new Error(`model: missing parameter "${name}"`);
    return t;
  };
  const [B, T] = inp.tokens.shape;
  const H = cfg.numAttentionHeads;
  const KV = cfg.numKeyValueHeads;
  const d = cfg.headDim;
  const eps = cfg.rmsNormEps;
  let x =
    inp.inputsEmbeds ??
    op.reshape(op.gather(param("model.embed_tokens.weight"), inp.tokens), [B * T, cfg.hiddenSize]);
  for (let l = 0; l < cfg.numHiddenLayers; l++) {
    const pre = `model.layers.${l}.`;
    const bias = (name: string) => (cfg.attentionBias ? param(`${pre}self_attn.${name}.bias`) : undefined);
    // x·Wᵀ + b, plus (α/r)·(drop(x)·Aᵀ)·Bᵀ where LoRA targets the module (lora.ts)
    const lin = (x_N: Tensor, path: string, b?: Tensor) => {
      const y = linear(x_N, param(`${path}.weight`), b);
      const module = path.slice(path.lastIndexOf(".") + 1) as LoraTargetModule;
      if (!inp.lora?.targetModules.includes(module)) return y;
      const drop = inp.loraDropout;
      const x_in = drop ? applyDropout(x_N, drop.keep(l, module), drop.p) : x_N;
      const down = op.mul(linear(x_in, param(`${path}.lora_A.weight`)), loraScale(inp.lora));
      return op.add(y, linear(down, param(`${path}.lora_B.weight`)));
    };
    const n1 = op.rmsNorm(x, param(`${pre}input_layernorm.weight`), eps);
    let q = op.reshape(lin(n1, `${pre}self_attn.q_proj`, bias("q_proj")), [B, T, H, d]);
    let k = op.reshape(lin(n1, `${pre}self_attn.k_proj`, bias("k_proj")), [B, T, KV, d]);
    const v = lin(n1, `${pre}self_attn.v_proj`, bias("v_proj"));
    if (cfg.qkNorm) {
      // Qwen3: RMSNorm over each head's d values, before the rotation
      q = op.rmsNorm(q, param(`${pre}self_attn.q_norm.weight`), eps);
      k = op.rmsNorm(k, param(`${pre}self_attn.k_norm.weight`), eps);
    }
    // 1/√d folded into q (fewer elements than the scores)
    const qRot = op.mul(applyRope(q, inp.cos, inp.sin), 1 / Math.sqrt(d));
    const kRot = applyRope(k, inp.cos, inp.sin);
    const attn = inp.attention(l, qRot, kRot, op.reshape(v, [B, T, KV, d]));
    const oBias = hasOutputBias(cfg) ? param(`${pre}self_attn.o_proj.bias`) : undefined;
    x = op.add(x, lin(attn, `${pre}self_attn.o_proj`, oBias));
    const n2 = op.rmsNorm(x, param(`${pre}post_attention_layernorm.weight`), eps);
    const gate = lin(n2, `${pre}mlp.gate_proj`);
    const up = lin(n2, `${pre}mlp.up_proj`);
    // SwiGLU: silu(gate)·up, silu(z) = z·σ(z)
    x = op.add(x, lin(op.swiglu(gate, up), `${pre}mlp.down_proj`));
  }
  return op.rmsNorm(x, param("model.norm.weight"), eps);
}

/** Logits [N, V] of hidden states [N, D]. */
export function lmHead(cfg: ModelConfig, p: ReadonlyMap<string, Tensor>, h: Tensor): Tensor {
  const w = p.get(cfg.tieWordEmbeddings ? "model.embed_tokens.weight" : "lm_head.weight");
  if (!w) throw new Error("model: missing the LM head weight");
  return op.matmul(h, w, { transB: true });
}

/** Rotary tables for positions 0..T−1 as [T, 1, d] constants of `dtype`. */
export function ropeConstants(
  g: Graph,
  cfg: ModelConfig,
  T: number,
  dtype: DType,
): { cos: Tensor; sin: Tensor } {
  const { cos, sin } = ropeTables(
    Array.from({ length: T }, (_, t) => t),
    cfg,
  );
  const c = (a: Float64Array) =>
    dtype === "float64"
      ? g.constant(a, [T, 1, cfg.headDim])
      : g.constant(Float32Array.from(a), [T, 1, cfg.headDim]);
  return { cos: c(cos), sin: c(sin) };
}

// ---- checkpoints (HF layout: config.json + model.safetensors or its shards) ----

/** Checks that `params` has exactly the config's parameters with their shapes. */
export function checkParameters(
  cfg: ModelConfig,
  params: ReadonlyMap<string, { length: number }>,
  where: string,
) {
  const shapes = parameterShapes(cfg);
  for (const [name, shape] of shapes) {
    const t = params.get(name);
    if (!t) throw new Error(`${where}: missing tensor "${name}" (shape [${shape}])`);
    const n = shape.reduce((a, b) => a * b, 1);
    if (t.length !== n)
      throw new Error(`${where}: tensor "${name}" has ${t.length} values, expected [${shape}]`);
  }
}

/** Reads config.json and the weights (model.safetensors, or the shards of model.safetensors.index.json). */
export function loadCheckpoint(dir: string): { config: ModelConfig; params: Parameters } {
  const config = loadModelConfig(dir);
  const shapes = parameterShapes(config);
  // other tensors (a tied model's lm_head.weight, rotary buffers) are not read
  const { tensors } = readTensors(dir, "model", { wanted: (name) => shapes.has(name) });
  const params: Parameters = new Map();
  for (const [name, t] of tensors) {
    const shape = shapes.get(name)!;
    if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
      throw new Error(`${dir}: tensor "${name}" has shape [${t.shape}], the config implies [${shape}]`);
    }
    params.set(name, t.data);
  }
  checkParameters(config, params, dir);
  return { config, params };
}

export interface SaveCheckpointOptions {
  /** How weights are stored (default "float32"). */
  dtype?: SaveDtype;
  /** Largest weights file before the weights are sharded (shardedSafetensors.ts). */
  maxShardBytes?: number;
}

/** Writes config.json and the weights (model.safetensors, or shards + index above the limit) into `dir`. */
export function saveCheckpoint(
  dir: string,
  config: ModelConfig,
  params: ReadonlyMap<string, Float32Array>,
  options: SaveCheckpointOptions = {},
): void {
  const shapes = parameterShapes(config);
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, shape] of shapes) {
    const data = params.get(name);
    if (!data) throw new Error(`saveCheckpoint: missing parameter "${name}"`);
    tensors.set(name, { shape, data });
  }
  const dtype = options.dtype ?? "float32";
  writeTensors(dir, "model", tensors, {
    dtype: STORED_DTYPE[dtype],
    maxShardBytes: options.maxShardBytes,
    metadata: { format: "pt" },
  });
  const json = `${JSON.stringify(toHfConfig(config, dtype), null, 2)}\n`;
  writeFileAtomic(join(dir, "config.json"), json);
}
