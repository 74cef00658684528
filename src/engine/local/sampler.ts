// Batched autoregressive sampling with a KV cache. Two compiled graphs: a prefill over the
// (deduplicated, right-padded) prompts that returns every layer's k/v and the logits at each
// prompt's last token, and a decode step over a fixed-capacity cache (k stored transposed,
// [B, KV, d, C], so q·kᵀ needs no transpose; v as [B, KV, C, d]) with an additive mask; the step
// returns only the new token's k/v, which JS writes into the cache.
// Row r = (prompt p, sample j) draws from the stream Rng.derive(seed, p, j), so results do not
// depend on how rows are batched.
import { Rng } from "../../core/rng.js";
import type { SampledSequence, SamplingParams } from "../types.js";
import { Graph, type Tensor } from "./graph/graph.js";
import * as op from "./graph/ops.js";
import type { SessionCache } from "./graph/runtime.js";
import {
  type AttentionFn,
  causalAttention,
  declareParameters,
  decoderHidden,
  lmHead,
  type Parameters,
  ropeConstants,
  ropeInverseFrequencies,
  ropeTables,
} from "./model.js";
import { type ModelConfig, usesSlidingWindow } from "./modelConfig.js";
import { sampleToken } from "./samplingFilter.js";
import { declareAdapters, loraGraphKey, type LoraSpec } from "./lora.js";

export interface SamplerOptions {
  /** Most rows decoded together (default 64). */
  maxBatch?: number;
  /** Prompt and cache lengths are rounded up to a multiple of this (default 16). */
  lengthBucket?: number;
  /** LoRA adapters on top of the weights (the weights map then holds them too). */
  lora?: LoraSpec;
}

const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;
const pow2AtLeast = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

/** The model's parameters as graph inputs, and LoRA's adapters when it has them (lora.ts). */
function withAdapters(g: Graph, cfg: ModelConfig, lora: LoraSpec | undefined): Map<string, Tensor> {
  const params = declareParameters(g, cfg);
  if (lora) for (const [name, t] of declareAdapters(g, cfg, lora)) params.set(name, t);
  return params;
}

/** Prefill of U prompts padded to P tokens: logits at each prompt's last token, and k/v per layer. */
export function prefillGraph(cfg: ModelConfig, U: number, P: number, lora?: LoraSpec): Graph {
  const g = new Graph();
  const params = withAdapters(g, cfg, lora);
  const tokens = g.input("tokens", [U, P], "int32");
  const lastRow = g.input("last_row", [U], "int32");
  const { cos, sin } = ropeConstants(g, cfg, P, "float32");
  const attention = causalAttention(cfg, (l, k, v) => {
    g.output(`k${l}`, op.transpose(k, [0, 1, 3, 2]));
    g.output(`v${l}`, v);
  });
  const hidden = decoderHidden(cfg, params, { tokens, cos, sin, attention, lora });
  g.output("logits", lmHead(cfg, params, op.gather(hidden, lastRow)));
  return g;
}

/**
 * One decode step for B rows against a cache of capacity C. Attention of the new token splits
 * into the cache part (masked) and itself, so the cache is read in place and never copied:
 * softmax over [q·Kcᵀ + mask, q·k_new], out = P_c·Vc + p_self·v_new.
 */
export function decodeGraph(cfg: ModelConfig, B: number, C: number, lora?: LoraSpec): Graph {
  const g = new Graph();
  const params = withAdapters(g, cfg, lora);
  const KV = cfg.numKeyValueHeads;
  const d = cfg.headDim;
  const groups = cfg.numAttentionHeads / KV;
  const tokens = g.input("tokens", [B, 1], "int32");
  const cos = g.input("cos", [B, 1, 1, d]);
  const sin = g.input("sin", [B, 1, 1, d]);
  const mask = g.input("mask", [B, 1, 1, C]);
  // the sliding-window layers' mask also hides the cache positions `window` or more behind the new token
  const slidingMask = cfg.slidingWindow ? g.input("sliding_mask", [B, 1, 1, C]) : undefined;
  const caches: { k: Tensor; v: Tensor }[] = [];
  for (let l = 0; l < cfg.numHiddenLayers; l++) {
    caches.push({ k: g.input(`k_cache${l}`, [B, KV, d, C]), v: g.input(`v_cache${l}`, [B, KV, C, d]) });
  }
  const attention: AttentionFn = (l, q, k, v) => {
    // with T = 1, [B, 1, H, d] is [B, KV, groups, d] and [B, 1, KV, d] is [B, KV, 1, d]
    const q_BKgd = op.reshape(q, [B, KV, groups, d]);
    const k_BK1d = op.reshape(k, [B, KV, 1, d]);
    const v_BK1d = op.reshape(v, [B, KV, 1, d]);
    g.output(`k_new${l}`, k_BK1d);
    g.output(`v_new${l}`, v_BK1d);
    const cacheScores = op.add(
      op.matmul(q_BKgd, caches[l].k),
      usesSlidingWindow(cfg, l) ? slidingMask! : mask,
    );
    const selfScore = op.reduceSum(op.mul(q_BKgd, k_BK1d), [-1], true);
    const probs = op.softmax(op.concat([cacheScores, selfScore], -1));
    const out = op.add(
      op.matmul(op.slice(probs, -1, 0, C), caches[l].v),
      op.mul(op.slice(probs, -1, C, C + 1), v_BK1d),
    );
    return op.reshape(out, [B, cfg.numAttentionHeads * d]);
  };
  const hidden = decoderHidden(cfg, params, { tokens, cos, sin, attention, lora });
  g.output("logits", lmHead(cfg, params, hidden));
  return g;
}

interface Row {
  prompt: number[];
  promptIndex: number;
  rng: Rng;
  tokens: number[];
  logprobs: number[];
  done: boolean;
  stopReason: "stop" | "length";
  /** Told each token as it is decoded (streaming). */
  onToken?: (token: number, logprob: number) => void;
}

/** Called with each token as it is decoded: prompt p, its sample j, the token and its log-prob. */
export type OnToken = (p: number, j: number, token: number, logprob: number) => void;

export class Sampler {
  private readonly maxBatch: number;
  private readonly bucket: number;
  private readonly lora: LoraSpec | undefined;
  /** The rotary inverse frequencies, for the decode steps' one-position tables. */
  private readonly invFreq: Float64Array;

  constructor(
    private readonly cfg: ModelConfig,
    private readonly sessions: SessionCache,
    private readonly params: () => Parameters,
    options: SamplerOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 64;
    this.bucket = options.lengthBucket ?? 16;
    this.lora = options.lora;
    this.invFreq = ropeInverseFrequencies(cfg);
  }

  /**
   * n samples of each prompt; result[p][j] uses the stream Rng.derive(seed, p, j), or with one seed per
   * prompt Rng.derive(seed[p], 0, j) (Rng.promptSeed gives the seed that draws the same). `onToken`
   * hears each token as it is decoded, before the next decode step.
   */
  async sample(
    prompts: number[][],
    n: number,
    params: SamplingParams,
    seed: number | readonly number[],
    onToken?: OnToken,
  ): Promise<SampledSequence[][]> {
    if (typeof seed !== "number" && seed.length !== prompts.length)
      throw new Error(`sample: ${seed.length} seeds for ${prompts.length} prompts`);
    if (!Number.isInteger(n) || n < 1) throw new Error(`sample: n must be a positive integer, got ${n}`);
    if (!Number.isInteger(params.maxTokens) || params.maxTokens < 1) {
      throw new Error(`sample: maxTokens must be a positive integer, got ${params.maxTokens}`);
    }
    prompts.forEach((p, i) => {
      if (p.length === 0) throw new Error(`sample: prompt ${i} is empty`);
      for (const t of p) {
        if (!Number.isInteger(t) || t < 0 || t >= this.cfg.vocabSize) {
          throw new Error(`sample: prompt ${i} has token ${t} outside [0, ${this.cfg.vocabSize})`);
        }
      }
      if (p.length + params.maxTokens > this.cfg.maxPositionEmbeddings) {
        throw new Error(
          `sample: prompt ${i} (${p.length} tokens) + maxTokens ${params.maxTokens} exceeds the model's ` +
            `${this.cfg.maxPositionEmbeddings} positions`,
        );
      }
    });
    const rows: Row[] = [];
    prompts.forEach((prompt, p) => {
      for (let j = 0; j < n; j++) {
        rows.push({
          prompt,
          promptIndex: p,
          rng: typeof seed === "number" ? Rng.derive(seed, p, j) : Rng.derive(seed[p], 0, j),
          tokens: [],
          logprobs: [],
          done: false,
          stopReason: "length",
          onToken: onToken && ((token, logprob) => onToken(p, j, token, logprob)),
        });
      }
    });
    for (let i = 0; i < rows.length; i += this.maxBatch)
      await this.decodeBatch(rows.slice(i, i + this.maxBatch), params);
    const out: SampledSequence[][] = prompts.map(() => []);
    for (const r of rows)
      out[r.promptIndex].push({ tokens: r.tokens, logprobs: r.logprobs, stopReason: r.stopReason });
    return out;
  }

  private accept(row: Row, logits: Float32Array, params: SamplingParams): void {
    const { token, logprob } = sampleToken(logits, params, row.rng);
    row.tokens.push(token);
    row.logprobs.push(logprob);
    row.onToken?.(token, logprob);
    if (params.stopTokens?.includes(token)) {
      row.done = true;
      row.stopReason = "stop";
    } else if (row.tokens.length >= params.maxTokens) {
      row.done = true;
      row.stopReason = "length";
    }
  }

  private async decodeBatch(rows: Row[], params: SamplingParams): Promise<void> {
    const cfg = this.cfg;
    const weights = this.params();
    const V = cfg.vocabSize;
    const KV = cfg.numKeyValueHeads;
    const d = cfg.headDim;
    const L = cfg.numHiddenLayers;
    const B = Math.min(pow2AtLeast(rows.length), this.maxBatch);
    const maxPrompt = Math.max(...rows.map((r) => r.prompt.length));
    const C = Math.min(
      roundUp(maxPrompt + params.maxTokens, this.bucket),
      roundUp(cfg.maxPositionEmbeddings, 1),
    );

    // Prefill each distinct prompt once.
    const unique = [...new Set(rows.map((r) => r.prompt))];
    const U = unique.length;
    const P = roundUp(maxPrompt, this.bucket);
    const prefill = await this.sessions.get(`prefill:${U}x${P}${loraGraphKey(this.lora)}`, () =>
      prefillGraph(cfg, U, P, this.lora),
    );
    const tokens = new Int32Array(U * P);
    const lastRow = new Int32Array(U);
    unique.forEach((p, u) => {
      tokens.set(p, u * P);
      lastRow[u] = u * P + p.length - 1;
    });
    const pre = await prefill.run({ ...Object.fromEntries(weights), tokens, last_row: lastRow });
    const kCache: Float32Array[] = [];
    const vCache: Float32Array[] = [];
    for (let l = 0; l < L; l++) {
      kCache.push(new Float32Array(B * KV * C * d));
      vCache.push(new Float32Array(B * KV * C * d));
    }
    const promptLogits = pre.logits as Float32Array;
    rows.forEach((row, b) => {
      const u = unique.indexOf(row.prompt);
      const len = row.prompt.length;
      for (let l = 0; l < L; l++) {
        const kPre = pre[`k${l}`] as Float32Array; // [U, KV, d, P]
        const vPre = pre[`v${l}`] as Float32Array; // [U, KV, P, d]
        for (let h = 0; h < KV; h++) {
          for (let i = 0; i < d; i++) {
            const from = ((u * KV + h) * d + i) * P;
            kCache[l].set(kPre.subarray(from, from + len), ((b * KV + h) * d + i) * C);
          }
          const from = (u * KV + h) * P * d;
          vCache[l].set(vPre.subarray(from, from + len * d), (b * KV + h) * C * d);
        }
      }
      this.accept(row, promptLogits.subarray(u * V, (u + 1) * V), params);
    });

    if (rows.every((r) => r.done)) return;
    const step = await this.sessions.get(`decode:${B}x${C}${loraGraphKey(this.lora)}`, () =>
      decodeGraph(cfg, B, C, this.lora),
    );
    const stepTokens = new Int32Array(B);
    const cos = new Float32Array(B * d);
    const sin = new Float32Array(B * d);
    const mask = new Float32Array(B * C).fill(Number.NEGATIVE_INFINITY);
    const window = cfg.slidingWindow?.size;
    const slidingMask = window === undefined ? undefined : new Float32Array(B * C);
    const feeds: Record<string, Float32Array | Int32Array> = { ...Object.fromEntries(weights) };
    for (let l = 0; l < L; l++) {
      feeds[`k_cache${l}`] = kCache[l];
      feeds[`v_cache${l}`] = vCache[l];
    }
    while (rows.some((r) => !r.done)) {
      // Each row feeds its last token at position prompt length + tokens so far − 1.
      rows.forEach((row, b) => {
        const pos = row.prompt.length + row.tokens.length - 1;
        stepTokens[b] = row.tokens[row.tokens.length - 1];
        const { cos: c, sin: s } = ropeTables([pos], cfg, this.invFreq);
        cos.set(c, b * d);
        sin.set(s, b * d);
        mask.fill(0, b * C, b * C + pos);
        mask.fill(Number.NEGATIVE_INFINITY, b * C + pos, (b + 1) * C);
        if (slidingMask && window !== undefined) {
          // cache position j is visible when pos − j < window
          const from = Math.max(0, pos - window + 1);
          slidingMask.fill(Number.NEGATIVE_INFINITY, b * C, (b + 1) * C);
          slidingMask.fill(0, b * C + from, b * C + pos);
        }
      });
      const stepFeeds = slidingMask ? { ...feeds, sliding_mask: slidingMask } : feeds;
      const out = await step.run({ ...stepFeeds, tokens: stepTokens, cos, sin, mask });
      const logits = out.logits as Float32Array;
      rows.forEach((row, b) => {
        const pos = row.prompt.length + row.tokens.length - 1;
        for (let l = 0; l < L; l++) {
          const kNew = out[`k_new${l}`] as Float32Array;
          const vNew = out[`v_new${l}`] as Float32Array;
          const kc = kCache[l];
          for (let h = 0; h < KV; h++) {
            const from = (b * KV + h) * d;
            vCache[l].set(vNew.subarray(from, from + d), ((b * KV + h) * C + pos) * d);
            const kBase = (b * KV + h) * d * C + pos;
            for (let i = 0; i < d; i++) kc[kBase + i * C] = kNew[from + i];
          }
        }
        if (!row.done) this.accept(row, logits.subarray(b * V, (b + 1) * V), params);
      });
    }
  }
}
