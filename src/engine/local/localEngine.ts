// The embedded engine: a Qwen2/Llama decoder traced with the graph API, compiled to ONNX per shape
// signature and run by onnxruntime-node on the CPU; AdamW and sampling run in TypeScript around it.
// Datums that share an unweighted prefix are packed into one row (prefixPacking.ts); rows are
// right-padded to a length bucket (weight 0 on padding) and split into micro-batches, so few shapes
// are ever compiled; gradients accumulate in JS until optimStep.
import { randomInt } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeDirAtomic, writeFileAtomic } from "../../core/atomicFile.js";
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
  saveCheckpoint,
} from "./model.js";
import type { ModelConfig } from "./modelConfig.js";
import { AdamW } from "./optimizer.js";
import { readSafetensorsFile, writeSafetensors } from "./safetensors.js";
import { Sampler } from "./sampler.js";
import {
  criticTerm,
  initValueHead,
  VALUE_HEAD_FILE,
  valueHeadShapes,
  valueTrainingGraph,
} from "./valueHead.js";

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
  /** Give the model a value head (valueHead.ts) for the "value" loss (PPO's critic). Default false. */
  valueHead?: boolean;
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
  const cos = g.input("cos", [B, T, 1, cfg.headDim], dtype);
  const sin = g.input("sin", [B, T, 1, cfg.headDim], dtype);
  const hidden = decoderHidden(cfg, params, { tokens, cos, sin, attention: maskedAttention(cfg, mask) });
  const logp = op.logSoftmax(lmHead(cfg, params, hidden));
  const lp = op.reshape(op.gatherLast(logp, targets), [B, T]);
  const entropy = op.reshape(entropyOf(logp), [B, T]);
  let loss = lossGraph(spec, lp, entropy, weights, extra);
  if (spec.kind === "policy" && spec.valueCoef) {
    // PPO's critic on the same trunk in the same pass (valueHead.ts)
    const critic = criticTerm(g, cfg, hidden, spec, weights, extra, B, T, dtype);
    for (const [name, t] of critic.params) params.set(name, t);
    loss = op.add(loss, critic.loss);
    g.output("values", critic.values);
  }
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
  private readonly sampler: Sampler;
  private readonly optimizer: AdamW;
  private grads: Parameters | null = null;
  private readonly seedRng: { next: () => number };
  private queue: Promise<unknown> = Promise.resolve();
  private readonly lengthBucket: number;
  private readonly microBatchTokens: number;
  private readonly maxPackTokens: number;
  private readonly hasValueHead: boolean;

  constructor(
    readonly config: ModelConfig,
    private readonly params: Parameters,
    options: LocalEngineOptions = {},
  ) {
    checkParameters(config, params, "LocalEngine");
    this.hasValueHead = options.valueHead ?? false;
    // the value head joins the parameters (and so the optimizer) when asked for
    if (this.hasValueHead) for (const [name, data] of initValueHead(config)) params.set(name, data);
    this.info = {
      name: options.name ?? "local",
      vocabSize: config.vocabSize,
      maxSequenceLength: config.maxPositionEmbeddings,
    };
    this.sessions = new SessionCache({ intraOpNumThreads: options.intraOpNumThreads });
    this.lengthBucket = options.lengthBucket ?? 16;
    this.microBatchTokens = options.microBatchTokens ?? 4096;
    this.maxPackTokens = options.maxPackTokens ?? 1024;
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
    await this.sessions.clear();
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
    return this.exclusive(() => writeDirAtomic(dir, (tmp) => saveCheckpoint(tmp, this.config, this.params)));
  }

  /** Weights (HF layout) + optimizer.safetensors (m.*, v.*) + state.json {step}. */
  saveState(dir: string): Promise<void> {
    return this.exclusive(() =>
      writeDirAtomic(dir, (tmp) => {
        saveCheckpoint(tmp, this.config, this.params);
        const st = this.optimizer.state();
        const shapes = parameterShapes(this.config);
        const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
        for (const [name, shape] of shapes) {
          tensors.set(`m.${name}`, { shape, data: st.m.get(name)! });
          tensors.set(`v.${name}`, { shape, data: st.v.get(name)! });
        }
        writeSafetensors(join(tmp, "optimizer.safetensors"), tensors, { step: String(st.step) });
        if (this.hasValueHead) {
          const head = new Map<string, { shape: number[]; data: Float32Array }>();
          for (const [name, shape] of valueHeadShapes(this.config)) {
            head.set(name, { shape, data: this.params.get(name)! });
            head.set(`m.${name}`, { shape, data: st.m.get(name)! });
            head.set(`v.${name}`, { shape, data: st.v.get(name)! });
          }
          writeSafetensors(join(tmp, VALUE_HEAD_FILE), head);
        }
        writeFileAtomic(
          join(tmp, "state.json"),
          `${JSON.stringify({ format: "rlvr-local-1", step: st.step })}\n`,
        );
      }),
    );
  }

  loadState(dir: string): Promise<void> {
    return this.exclusive(async () => {
      const { config, params } = loadCheckpoint(dir);
      for (const [name, shape] of parameterShapes(this.config)) {
        const other = parameterShapes(config).get(name);
        if (!other || other.join(",") !== shape.join(",")) {
          throw new Error(`loadState ${dir}: parameter "${name}" does not match this engine's model`);
        }
      }
      const state = JSON.parse(readFileSync(join(dir, "state.json"), "utf8")) as { step: number };
      const opt = readSafetensorsFile(join(dir, "optimizer.safetensors")).tensors;
      const m = new Map<string, Float32Array>();
      const v = new Map<string, Float32Array>();
      if (this.hasValueHead) {
        // a checkpoint without a value head (e.g. a GRPO run's) starts the critic afresh
        const headFile = join(dir, VALUE_HEAD_FILE);
        const head = existsSync(headFile) ? readSafetensorsFile(headFile).tensors : null;
        for (const [name, init] of initValueHead(this.config)) {
          params.set(name, head?.get(name)?.data ?? init);
          opt.set(
            `m.${name}`,
            head?.get(`m.${name}`) ?? { shape: [init.length], data: new Float32Array(init.length) },
          );
          opt.set(
            `v.${name}`,
            head?.get(`v.${name}`) ?? { shape: [init.length], data: new Float32Array(init.length) },
          );
        }
      }
      for (const name of params.keys()) {
        const mt = opt.get(`m.${name}`);
        const vt = opt.get(`v.${name}`);
        if (!mt || !vt)
          throw new Error(`loadState ${dir}: optimizer.safetensors lacks the moments of "${name}"`);
        m.set(name, mt.data);
        v.set(name, vt.data);
      }
      this.optimizer.loadState({ step: state.step, m, v });
      // in place: the optimizer and the sampler hold these arrays
      for (const [name, data] of params) this.params.get(name)!.set(data);
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
    const values: number[][] = new Array(datums.length);
    if ((spec.kind === "value" || (spec.kind === "policy" && spec.valueCoef)) && !this.hasValueHead)
      throw new Error(
        "forwardBackward: the value loss needs an engine opened with a value head (valueHead: true)",
      );
    let lossSum = 0;
    for (let start = 0; start < rows.length; ) {
      const T = roundUp(rows[start].length, this.lengthBucket);
      const chunk = rows.slice(start, start + Math.max(1, Math.floor(this.microBatchTokens / T)));
      start += chunk.length;
      const B = chunk.length;
      const key = `train:${lossKey(spec)}:${B}x${T}:${withGrad}`;
      const compiled = await this.sessions.get(key, () =>
        spec.kind === "value"
          ? valueTrainingGraph(this.config, spec, B, T, withGrad)
          : trainingGraph(this.config, spec, B, T, withGrad),
      );
      const packed = packedFeeds(this.config, datums, chunk, B, T, names);
      const feeds: Record<string, FeedArray> = {
        ...Object.fromEntries(this.params),
        ...packed.fields,
        tokens: packed.tokens,
        targets: packed.targets,
        weights: packed.weights,
        mask: packed.mask,
        cos: packed.cos,
        sin: packed.sin,
      };
      const out = await compiled.run(feeds);
      lossSum += Number(out.loss[0]);
      if (spec.kind === "value") {
        const v = out.values as Float32Array;
        chunk.forEach((row, b) => {
          packed.indices[b].forEach((idx, k) => {
            values[row.members[k]] = idx.map((r) => v[b * T + r]);
          });
        });
        if (withGrad) this.accumulate(out);
        continue;
      }
      if (out.values) {
        const v = out.values as Float32Array;
        chunk.forEach((row, b) => {
          packed.indices[b].forEach((idx, k) => {
            values[row.members[k]] = idx.map((r) => v[b * T + r]);
          });
        });
      }
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
    if (spec.kind === "value")
      return { logprobs: datums.map(() => []), values, metrics: { "loss:sum": lossSum } };
    const critic = spec.kind === "policy" && spec.valueCoef ? { values } : {};
    return {
      logprobs,
      ...critic,
      metrics: { "loss:sum": lossSum, ...lossMetrics(spec, datums, logprobs, entropy) },
    };
  }

  private accumulate(out: Record<string, FeedArray>): void {
    this.grads ??= new Map();
    // a graph outputs the gradients of the parameters on its loss's path (the value head only in the value loss's)
    for (const name of this.params.keys()) {
      const g = out[`grad:${name}`] as Float32Array | undefined;
      if (!g) continue;
      const acc = this.grads.get(name);
      if (!acc)
        this.grads.set(name, g); // a fresh array per run
      else for (let i = 0; i < acc.length; i++) acc[i] += g[i];
    }
  }
}
