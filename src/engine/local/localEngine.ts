// The embedded engine: a Qwen2/Llama decoder traced with the graph API, compiled to ONNX per shape
// signature and run by onnxruntime-node on the CPU; AdamW and sampling run in TypeScript around it.
// Datums that share an unweighted prefix are packed into one row (prefixPacking.ts); rows are
// right-padded to a length bucket (weight 0 on padding) and split into micro-batches, so few shapes
// are ever compiled; gradients accumulate in JS until optimStep.
import { randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeDirAtomic, writeFileAtomic } from "../../core/atomicFile.js";
import type { SaveDtype } from "../../core/choices.js";
import type {
  AdamParams,
  Datum,
  ForwardBackwardOutput,
  LossSpec,
  ModelInfo,
  OptimStepOutput,
  SampledSequence,
  SamplingParams,
  TrainingEngine,
} from "../types.js";
import { gradients } from "./graph/autodiff.js";
import { type DType, Graph } from "./graph/graph.js";
import * as op from "./graph/ops.js";
import { type FeedArray, SessionCache } from "./graph/runtime.js";
import { entropyOf, lossGraph, lossInputs, lossKey, lossMetrics, type TokenInput } from "./losses.js";
import { packDatums, packedFeeds } from "./prefixPacking.js";
import {
  checkParameters,
  declareParameters,
  decoderHidden,
  initParameters,
  lmHead,
  loadCheckpoint,
  maskedAttention,
  type Parameters,
  parameterShapes,
  type SaveCheckpointOptions,
  saveCheckpoint,
} from "./model.js";
import { loadModelConfig, type ModelConfig } from "./modelConfig.js";
import { AdamW } from "./optimizer.js";
import { locateTensors, readTensors, writeTensors } from "./shardedSafetensors.js";
import { Sampler } from "./sampler.js";

export interface LocalEngineOptions {
  /** Shown in `info.name` (default "local"). */
  name?: string;
  /** onnxruntime threads per op (default: all cores). */
  intraOpNumThreads?: number;
  /** Sequences are padded to a multiple of this many tokens (default 16). */
  lengthBucket?: number;
  /** Tokens per forward/backward micro-batch (default 4096). */
  microBatchTokens?: number;
  /**
   * Longest row of datums packed over a shared prefix (prefixPacking.ts; default 1024); 0 packs
   * nothing (every datum its own row).
   */
  maxPackTokens?: number;
  /** Most sequences decoded together when sampling (default 64). */
  maxSampleBatch?: number;
  /** Seed of the stream that seeds sample requests without a seed (default: random). */
  seed?: number;
  /** How saveWeights and saveState store the weights (default "float32"; the optimizer state is always float32). */
  saveDtype?: SaveDtype;
  /** Largest safetensors file written; above it weights and optimizer state are sharded (shardedSafetensors.ts). */
  maxShardBytes?: number;
  /**
   * Compiled graphs shared with other engines of the same model (weights are graph inputs, so engines
   * holding other weights reuse them); close() then leaves them to their owner. Default: its own.
   */
  sessions?: SessionCache;
}

/**
 * The model graph for B rows of T tokens (packed rows: prefixPacking.ts gives the mask and rotary
 * tables): per-token target logprobs and entropies, the loss of `spec`, and (when `withGrad`) the
 * gradient of the loss for every parameter.
 */
export function trainingGraph(
  cfg: ModelConfig,
  spec: LossSpec,
  B: number,
  T: number,
  withGrad: boolean,
  dtype: DType = "float32",
): Graph {
  const g = new Graph();
  const params = declareParameters(g, cfg, dtype);
  const tokens = g.input("tokens", [B, T], "int32");
  const targets = g.input("targets", [B * T, 1], "int32");
  const weights = g.input("weights", [B, T], dtype);
  const extra: Partial<Record<TokenInput, ReturnType<Graph["input"]>>> = {};
  for (const name of lossInputs(spec)) extra[name] = g.input(name, [B, T], dtype);
  // packed rows (prefixPacking.ts): each token's attention mask and rotary position come with the batch
  const mask = g.input("mask", [B, 1, 1, T, T], dtype);
  const slidingMask = cfg.slidingWindow ? g.input("sliding_mask", [B, 1, 1, T, T], dtype) : undefined;
  const cos = g.input("cos", [B, T, 1, cfg.headDim], dtype);
  const sin = g.input("sin", [B, T, 1, cfg.headDim], dtype);
  const attention = maskedAttention(cfg, mask, slidingMask);
  const hidden = decoderHidden(cfg, params, { tokens, cos, sin, attention });
  const logp = op.logSoftmax(lmHead(cfg, params, hidden));
  const lp = op.reshape(op.gatherLast(logp, targets), [B, T]);
  const entropy = op.reshape(entropyOf(logp), [B, T]);
  const loss = lossGraph(spec, lp, entropy, weights, extra);
  g.output("loss", loss);
  g.output("logprobs", lp);
  g.output("entropy", entropy);
  if (withGrad) {
    const names = [...params.keys()];
    const grads = gradients(
      loss,
      names.map((n) => params.get(n)!),
    );
    names.forEach((n, i) => {
      g.output(`grad:${n}`, grads[i]);
    });
  }
  return g;
}

const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;

export class LocalEngine implements TrainingEngine {
  readonly info: ModelInfo;
  private readonly sessions: SessionCache;
  private readonly ownsSessions: boolean;
  private readonly sampler: Sampler;
  private readonly optimizer: AdamW;
  private grads: Parameters | null = null;
  private readonly seedRng: { next: () => number };
  private queue: Promise<unknown> = Promise.resolve();
  private readonly lengthBucket: number;
  private readonly microBatchTokens: number;
  private readonly maxPackTokens: number;
  private readonly saving: SaveCheckpointOptions;

  constructor(
    readonly config: ModelConfig,
    private readonly params: Parameters,
    options: LocalEngineOptions = {},
  ) {
    checkParameters(config, params, "LocalEngine");
    this.info = {
      name: options.name ?? "local",
      vocabSize: config.vocabSize,
      maxSequenceLength: config.maxPositionEmbeddings,
    };
    this.ownsSessions = options.sessions === undefined;
    this.sessions = options.sessions ?? new SessionCache({ intraOpNumThreads: options.intraOpNumThreads });
    this.lengthBucket = options.lengthBucket ?? 16;
    this.microBatchTokens = options.microBatchTokens ?? 4096;
    this.maxPackTokens = options.maxPackTokens ?? 1024;
    this.saving = { dtype: options.saveDtype, maxShardBytes: options.maxShardBytes };
    this.sampler = new Sampler(config, this.sessions, () => this.params, {
      maxBatch: options.maxSampleBatch,
      lengthBucket: this.lengthBucket,
    });
    this.optimizer = new AdamW(params);
    let s = options.seed ?? randomInt(2 ** 31);
    this.seedRng = { next: () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) };
  }

  /** A model read from a Hugging Face checkpoint directory (config.json + safetensors). */
  static fromDirectory(dir: string, options: LocalEngineOptions = {}): LocalEngine {
    const { config, params } = loadCheckpoint(dir);
    return new LocalEngine(config, params, { name: dir, ...options });
  }

  /** A freshly initialised model (HF init: N(0, 0.02²) weights) for training from scratch. */
  static fromConfig(config: ModelConfig, seed: number, options: LocalEngineOptions = {}): LocalEngine {
    return new LocalEngine(config, initParameters(config, seed), { seed, ...options });
  }

  /** The live parameters (updated in place by optimStep). */
  parameters(): ReadonlyMap<string, Float32Array> {
    return this.params;
  }

  /** Gradients accumulated since the last optimStep (null when none). */
  accumulatedGradients(): ReadonlyMap<string, Float32Array> | null {
    return this.grads;
  }

  /** Releases the compiled sessions. */
  async close(): Promise<void> {
    if (this.ownsSessions) await this.sessions.clear();
  }

  /** Runs engine calls one at a time (parameters must not change under a running graph). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  sample(prompt: number[], n: number, params: SamplingParams): Promise<SampledSequence[]> {
    return this.sampleMany([prompt], n, params).then((r) => r[0]);
  }

  sampleMany(prompts: number[][], n: number, params: SamplingParams): Promise<SampledSequence[][]> {
    const seed = params.seed ?? this.seedRng.next();
    return this.exclusive(() => this.sampler.sample(prompts, n, params, seed));
  }

  /**
   * n samples of each prompt, prompt p from its own seed: result[p][j] is what sampleMany draws for
   * prompt q with seed s when seeds_P[p] = Rng.promptSeed(s, q) (a server batching requests).
   */
  sampleSeeded(
    prompts: number[][],
    n: number,
    params: SamplingParams,
    seeds_P: readonly number[],
  ): Promise<SampledSequence[][]> {
    return this.exclusive(() => this.sampler.sample(prompts, n, params, seeds_P));
  }

  async computeLogprobs(sequences: number[][]): Promise<number[][]> {
    const datums: Datum[] = sequences.map((s, i) => {
      if (s.length < 2) throw new Error(`computeLogprobs: sequence ${i} has ${s.length} tokens, need ≥ 2`);
      return {
        inputTokens: s.slice(0, -1),
        targetTokens: s.slice(1),
        weights: new Array(s.length - 1).fill(0),
      };
    });
    return (await this.forward(datums, { kind: "cross_entropy" })).logprobs;
  }

  forwardBackward(datums: Datum[], loss: LossSpec): Promise<ForwardBackwardOutput> {
    return this.exclusive(() => this.run(datums, loss, true));
  }

  forward(datums: Datum[], loss: LossSpec): Promise<ForwardBackwardOutput> {
    return this.exclusive(() => this.run(datums, loss, false));
  }

  optimStep(params: AdamParams): Promise<OptimStepOutput> {
    return this.exclusive(async () => {
      if (this.grads === null)
        throw new Error("optimStep: no gradients accumulated (call forwardBackward first)");
      const { gradNorm, clipped, skipped } = this.optimizer.step(this.grads, params);
      this.grads = null;
      return {
        metrics: {
          "grad_norm:mean": gradNorm,
          "grad_clipped:mean": clipped ? 1 : 0,
          // non-finite gradients are not applied (optimizer.ts)
          "skipped:sum": skipped ? 1 : 0,
          "learning_rate:mean": params.learningRate,
          "step:max": this.optimizer.stepCount,
        },
      };
    });
  }

  saveWeights(dir: string): Promise<void> {
    return this.exclusive(() =>
      writeDirAtomic(dir, (tmp) => saveCheckpoint(tmp, this.config, this.params, this.saving)),
    );
  }

  /**
   * Weights (HF layout) + the AdamW moments (m.NAME, v.NAME) as optimizer.safetensors, or its shards
   * and optimizer.safetensors.index.json above the size limit, + state.json {step}. Every tensor is
   * streamed to its file from the live arrays, so saving takes no memory beyond one conversion buffer.
   */
  saveState(dir: string): Promise<void> {
    return this.exclusive(() =>
      writeDirAtomic(dir, (tmp) => {
        saveCheckpoint(tmp, this.config, this.params, this.saving);
        const { m, v } = this.optimizer.liveMoments();
        const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
        for (const [name, shape] of parameterShapes(this.config)) {
          tensors.set(`m.${name}`, { shape, data: m.get(name)! });
          tensors.set(`v.${name}`, { shape, data: v.get(name)! });
        }
        const step = this.optimizer.stepCount;
        writeTensors(tmp, "optimizer", tensors, {
          maxShardBytes: this.saving.maxShardBytes,
          metadata: { step: String(step) },
        });
        writeFileAtomic(join(tmp, "state.json"), `${JSON.stringify({ format: "rlvr-local-1", step })}\n`);
      }),
    );
  }

  /**
   * Restores weights, moments and step from a saveState directory, reading each tensor into the live
   * array it replaces (a large model's state is not held twice). Every file, tensor and shape is checked
   * before anything is overwritten; only an I/O error while reading can leave the state partly loaded.
   */
  loadState(dir: string): Promise<void> {
    return this.exclusive(async () => {
      const config = loadModelConfig(dir);
      const shapes = parameterShapes(this.config);
      for (const [name, shape] of shapes) {
        const other = parameterShapes(config).get(name);
        if (!other || other.join(",") !== shape.join(",")) {
          throw new Error(`loadState ${dir}: parameter "${name}" does not match this engine's model`);
        }
      }
      const state = JSON.parse(readFileSync(join(dir, "state.json"), "utf8")) as { step: number };
      const weights = locateTensors(dir, "model");
      const moments = locateTensors(dir, "optimizer");
      for (const [name, shape] of shapes) {
        for (const [where, found] of [
          ["the weights lack", weights.get(name)],
          ["the optimizer state lacks the first moment of", moments.get(`m.${name}`)],
          ["the optimizer state lacks the second moment of", moments.get(`v.${name}`)],
        ] as const) {
          if (!found) throw new Error(`loadState ${dir}: ${where} "${name}"`);
          if (found.entry.shape.join(",") !== shape.join(",")) {
            throw new Error(
              `loadState ${dir}: ${found.file} holds "${name}" as [${found.entry.shape}], not [${shape}]`,
            );
          }
        }
      }
      // in place: the optimizer and the sampler hold these arrays
      readTensors(dir, "model", {
        wanted: (name) => shapes.has(name),
        into: (name) => this.params.get(name),
      });
      const { m, v } = this.optimizer.liveMoments();
      const momentOf = (key: string) => (key.startsWith("m.") ? m : v).get(key.slice(2));
      readTensors(dir, "optimizer", {
        wanted: (key) => /^[mv]\./.test(key) && shapes.has(key.slice(2)),
        into: momentOf,
      });
      this.optimizer.setStepCount(state.step);
      this.grads = null;
    });
  }

  private checkDatums(datums: readonly Datum[], spec: LossSpec): void {
    if (datums.length === 0) throw new Error("forwardBackward: no datums");
    const needs = lossInputs(spec);
    datums.forEach((d, i) => {
      const n = d.inputTokens.length;
      if (n === 0) throw new Error(`datum ${i}: inputTokens is empty`);
      if (n > this.config.maxPositionEmbeddings) {
        throw new Error(
          `datum ${i}: ${n} tokens exceed the model's ${this.config.maxPositionEmbeddings} positions`,
        );
      }
      const arrays: [string, readonly number[] | undefined][] = [
        ["targetTokens", d.targetTokens],
        ["weights", d.weights],
        ...needs.map((k) => [k, d[k]] as [string, number[] | undefined]),
      ];
      for (const [name, a] of arrays) {
        if (!a) throw new Error(`datum ${i}: loss ${spec.kind} needs ${name}`);
        if (a.length !== n)
          throw new Error(`datum ${i}: ${name} has length ${a.length}, inputTokens has ${n}`);
      }
      for (const [name, toks] of [
        ["inputTokens", d.inputTokens],
        ["targetTokens", d.targetTokens],
      ] as const) {
        for (const t of toks) {
          if (!Number.isInteger(t) || t < 0 || t >= this.config.vocabSize) {
            throw new Error(`datum ${i}: ${name} has token ${t} outside [0, ${this.config.vocabSize})`);
          }
        }
      }
    });
  }

  private async run(datums: Datum[], spec: LossSpec, withGrad: boolean): Promise<ForwardBackwardOutput> {
    this.checkDatums(datums, spec);
    const names = lossInputs(spec);
    // Longest rows first; each micro-batch is padded to its longest row (rounded up to the bucket) and
    // holds as many rows as fit in microBatchTokens, so few shapes are ever compiled.
    const rows = packDatums(datums, this.maxPackTokens).sort((a, b) => b.length - a.length);
    const logprobs: number[][] = new Array(datums.length);
    const entropy: number[][] = new Array(datums.length);
    let lossSum = 0;
    for (let start = 0; start < rows.length; ) {
      const T = roundUp(rows[start].length, this.lengthBucket);
      const chunk = rows.slice(start, start + Math.max(1, Math.floor(this.microBatchTokens / T)));
      start += chunk.length;
      const B = chunk.length;
      const key = `train:${lossKey(spec)}:${B}x${T}:${withGrad}`;
      const compiled = await this.sessions.get(key, () => trainingGraph(this.config, spec, B, T, withGrad));
      const packed = packedFeeds(this.config, datums, chunk, B, T, names);
      const feeds: Record<string, FeedArray> = {
        ...Object.fromEntries(this.params),
        ...packed.fields,
        tokens: packed.tokens,
        targets: packed.targets,
        weights: packed.weights,
        mask: packed.mask,
        ...(packed.slidingMask ? { sliding_mask: packed.slidingMask } : {}),
        cos: packed.cos,
        sin: packed.sin,
      };
      const out = await compiled.run(feeds);
      lossSum += Number(out.loss[0]);
      const lp = out.logprobs as Float32Array;
      const ent = out.entropy as Float32Array;
      chunk.forEach((row, b) => {
        packed.indices[b].forEach((idx, k) => {
          logprobs[row.members[k]] = idx.map((r) => lp[b * T + r]);
          entropy[row.members[k]] = idx.map((r) => ent[b * T + r]);
        });
      });
      if (withGrad) this.accumulate(out);
    }
    return {
      logprobs,
      entropy,
      metrics: { "loss:sum": lossSum, ...lossMetrics(spec, datums, logprobs, entropy) },
    };
  }

  private accumulate(out: Record<string, FeedArray>): void {
    if (this.grads === null) {
      this.grads = new Map();
      for (const name of this.params.keys()) this.grads.set(name, out[`grad:${name}`] as Float32Array); // a fresh array per run
      return;
    }
    for (const [name, acc] of this.grads) {
      const g = out[`grad:${name}`] as Float32Array;
      for (let i = 0; i < acc.length; i++) acc[i] += g[i];
    }
  }
}
