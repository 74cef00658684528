// The embedded engine: a Qwen2/Llama decoder traced with the graph API, compiled to ONNX per shape
// signature and run by onnxruntime on the CPU (its C API, graph/ortApi.ts: inputs and outputs in place);
// AdamW (on worker threads for a large model) and sampling run in TypeScript around it.
// Datums that share an unweighted prefix are packed into one row (prefixPacking.ts); rows are
// right-padded to a length bucket (weight 0 on padding) and split into micro-batches, so few shapes
// are ever compiled; gradients accumulate in place (acc + this batch, in the graph) until optimStep.
import { randomInt } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
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
import { Rng } from "../../core/rng.js";
import { gradients } from "./graph/autodiff.js";
import { type DType, Graph, type Tensor, topologicalNodes } from "./graph/graph.js";
import * as op from "./graph/ops.js";
import { defaultThreadCount, type FeedArray, SessionCache } from "./graph/runtime.js";
import {
  type Adapters,
  ADAPTER_CONFIG,
  adapterShapes,
  checkAdapters,
  checkDropout,
  checkLoraSpec,
  declareAdapters,
  describeLora,
  drawDropoutMasks,
  dropoutMaskName,
  dropoutMaskShapes,
  initAdapters,
  isAdapterDirectory,
  type LoraSpec,
  loadAdapter,
  loraGraphKey,
  mergeAdapters,
  saveAdapter,
  sameLoraShape,
} from "./lora.js";
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
import { readSafetensorsFile, writeSafetensors } from "./safetensors.js";
import { type OnToken, Sampler } from "./sampler.js";
import { parseRowSlice, rowSliceName, vocabSlicedHead, vocabSlices } from "./vocabSlicedHead.js";
import { largeFloat32Array } from "./hugePages.js";
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
  /** Seed of the stream that seeds sample requests without a seed, and of fresh LoRA adapters (default: random). */
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
  /** Give the model a value head (valueHead.ts) for the "value" loss (PPO's critic). Default false. */
  valueHead?: boolean;
  /** Train LoRA adapters on frozen weights instead of the weights (lora.ts). Default: full fine-tuning. */
  lora?: LocalLoraOptions;
  /** See LARGE_VOCABULARY (its default); tests set small values to take the large-vocabulary path with a tiny table. */
  largeVocabulary?: LargeVocabulary;
}

/** LoRA training: only the adapters (and their AdamW moments) are trained, checkpointed and stored. */
export interface LocalLoraOptions extends LoraSpec {
  /**
   * Dropout p on the adapters' input (PEFT's lora_dropout), in forwardBackward only (sampling, forward and
   * computeLogprobs see no dropout). The keep masks come from Rng.derive(dropout seed, optimizer step,
   * micro-batch of the step): the dropout seed is the engine's seed, saved by saveState, so a resumed run
   * draws the same masks.
   */
  dropout: number;
  /** The adapters to start from (e.g. a PEFT adapter's, lora.ts loadAdapter); default fresh ones from the seed. */
  adapters?: Adapters;
  /** base_model_name_or_path of the adapter_config.json written by saveState (default ""). */
  baseModel?: string;
}

/**
 * Tokens per chunk of the LM head when its weight is frozen (LoRA): the [tokens, vocabulary] logits and
 * their log-softmax then exist for one chunk at a time in the forward pass, and the backward pass keeps one
 * log-softmax per chunk (targetLogprobEntropy's closed-form gradient) instead of several full-size tensors.
 * With the weight trained, each chunk would add a [V, D] partial gradient, so full fine-tuning runs it whole.
 */
export const HEAD_CHUNK_TOKENS = 32;

/** [target logprob, entropy] of each of the N hidden states [N, D], the LM head computed `chunk` rows at a time. */
function chunkedHead(
  cfg: ModelConfig,
  params: ReadonlyMap<string, Tensor>,
  hidden: Tensor,
  targets: Tensor,
  chunk: number,
): Tensor {
  const N = hidden.shape[0];
  const parts: Tensor[] = [];
  for (let start = 0; start < N; start += chunk) {
    const end = Math.min(N, start + chunk);
    const z = lmHead(cfg, params, op.slice(hidden, 0, start, end));
    parts.push(op.targetLogprobEntropy(z, op.slice(targets, 0, start, end)));
  }
  return op.concat(parts, 0);
}

/** The token embedding table. */
const EMBED = "model.embed_tokens.weight";

/** The LM head's weight: the embedding table when tied. */
const headWeightName = (cfg: ModelConfig) => (cfg.tieWordEmbeddings ? EMBED : "lm_head.weight");

/**
 * The output of an accumulating full fine-tuning graph over a large vocabulary that holds the gradient of each
 * looked-up embedding row, [B·T, D]: the engine adds row i into the table's gradient at row tokens[i] (a [V, D]
 * scatter in the graph would allocate the whole table's size, 544 MB for Qwen2.5's vocabulary).
 */
export const EMBED_ROWS_OUTPUT = `rows:${EMBED}`;
/** Likewise the head's target logits' part of its weight's gradient, [B·T, D], added at row targets[i]. */
export const HEAD_ROWS_OUTPUT = "rows:lm_head:targets";

/**
 * When a vocabulary counts as large: a [V, D] table of at least `minValues` values. Accumulating full
 * fine-tuning graphs then take the embedding lookup's gradient out as rows (EMBED_ROWS_OUTPUT), and every graph
 * but LoRA's training one computes the LM head a slice of the vocabulary at a time (vocabSlicedHead.ts), each
 * slice's [tokens, rows] tensors at most `sliceValues` values. A smaller table keeps the plain head and the
 * in-graph one-hot GEMM, cheap at its size: their sums round as the stored reference runs did
 * (test-data/metrics-reference). 2²⁴ values are 64 MiB of float32; Qwen2.5's table is 136M values.
 */
export interface LargeVocabulary {
  minValues: number;
  sliceValues: number;
}
export const LARGE_VOCABULARY: LargeVocabulary = { minValues: 2 ** 24, sliceValues: 2 ** 21 };

export interface TrainingGraphOptions {
  /** Default float32. */
  dtype?: DType;
  /** Train these adapters only (the weights are frozen: no gradient of theirs is computed). */
  lora?: LoraSpec & { dropout?: number };
  /** Each gradient output is an input acc:<name> plus this batch's gradient (accumulation in place). */
  accumulate?: boolean;
  /** See HEAD_CHUNK_TOKENS (its default). */
  headChunkTokens?: number;
  /** See LARGE_VOCABULARY (its default). */
  largeVocabulary?: LargeVocabulary;
}

/**
 * The model graph for B rows of T tokens (packed rows: prefixPacking.ts gives the mask and rotary
 * tables): per-token target logprobs and entropies, the loss of `spec`, and (when `withGrad`) the
 * gradient of the loss for every parameter, or with `lora` for every adapter only. With `accumulate`, each
 * gradient output grad:<name> is an input acc:<name> plus this batch's gradient, so that the engine
 * accumulates micro-batches in place; over a large vocabulary (LargeVocabulary) without LoRA the embedding
 * lookup's gradient leaves as EMBED_ROWS_OUTPUT, and the head weight's as one grad:<name>[start:end] per
 * vocabulary slice (inputs <name>[start:end] and acc:<name>[start:end], views of the weight and its
 * accumulator) plus HEAD_ROWS_OUTPUT; the table then has no whole grad: output.
 * A LoRA dropout p > 0 applies in the graph with gradients only, with keep masks fed as bool inputs
 * (lora.ts dropoutMaskShapes); forward-only graphs (scoring, evaluation) have no dropout. Under LoRA with
 * gradients, the LM head runs over chunks of `headChunkTokens` tokens (see HEAD_CHUNK_TOKENS).
 */
export function trainingGraph(
  cfg: ModelConfig,
  spec: LossSpec,
  B: number,
  T: number,
  withGrad: boolean,
  options: TrainingGraphOptions = {},
): Graph {
  const { dtype = "float32", lora, accumulate = false } = options;
  const largeVocabulary = options.largeVocabulary ?? LARGE_VOCABULARY;
  const g = new Graph();
  const params = declareParameters(g, cfg, dtype);
  const adapters = lora ? declareAdapters(g, cfg, lora, dtype) : new Map<string, Tensor>();
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
  const largeVocab = cfg.vocabSize * cfg.hiddenSize >= largeVocabulary.minValues;
  const accumulatesWeights = withGrad && accumulate && !lora;
  // the lookup cut from the table (stopGradient): its gradient leaves the graph as rows, not as a [V, D] scatter
  const embedded =
    accumulatesWeights && largeVocab
      ? op.reshape(op.gather(op.stopGradient(params.get(EMBED)!), tokens), [B * T, cfg.hiddenSize])
      : undefined;
  const dropoutP = withGrad && lora?.dropout ? lora.dropout : 0;
  const keepMasks = new Map<string, Tensor>();
  if (lora && dropoutP > 0)
    for (const [name, shape] of dropoutMaskShapes(cfg, lora, B * T))
      keepMasks.set(name, g.input(name, shape, "bool"));
  const hidden = decoderHidden(cfg, new Map([...params, ...adapters]), {
    tokens,
    cos,
    sin,
    attention: maskedAttention(cfg, mask, slidingMask),
    lora,
    inputsEmbeds: embedded,
    loraDropout:
      dropoutP > 0 ? { p: dropoutP, keep: (l, m) => keepMasks.get(dropoutMaskName(l, m))! } : undefined,
  });
  const headName = headWeightName(cfg);
  // the vocabulary-sliced head where its weight's gradient is accumulated in place or none is computed
  const slices =
    largeVocab && (accumulatesWeights || !withGrad)
      ? vocabSlices(cfg.vocabSize, B * T, largeVocabulary.sliceValues)
      : null;
  const sliced = slices
    ? vocabSlicedHead(
        hidden,
        params.get(headName)!,
        slices.map((s) => g.input(rowSliceName(headName, s), [s.end - s.start, cfg.hiddenSize], dtype)),
        targets,
      )
    : null;
  let lp: Tensor;
  let entropy: Tensor;
  if (sliced) {
    lp = op.reshape(sliced.logprobs_N1, [B, T]);
    entropy = op.reshape(sliced.entropy_N1, [B, T]);
  } else if (withGrad && lora) {
    const lpH = chunkedHead(cfg, params, hidden, targets, options.headChunkTokens ?? HEAD_CHUNK_TOKENS);
    lp = op.reshape(op.slice(lpH, 1, 0, 1), [B, T]);
    entropy = op.reshape(op.slice(lpH, 1, 1, 2), [B, T]);
  } else {
    const logp = op.logSoftmax(lmHead(cfg, params, hidden));
    lp = op.reshape(op.gatherLast(logp, targets), [B, T]);
    entropy = op.reshape(entropyOf(logp), [B, T]);
  }
  let loss = lossGraph(spec, lp, entropy, weights, extra);
  if (spec.kind === "policy" && spec.valueCoef) {
    // PPO's critic on the same trunk in the same pass (valueHead.ts); trained beside LoRA's adapters
    const critic = criticTerm(g, cfg, hidden, spec, weights, extra, B, T, dtype);
    for (const [name, t] of critic.params) (lora ? adapters : params).set(name, t);
    loss = op.add(loss, critic.loss);
    g.output("values", critic.values);
  }
  g.output("loss", loss);
  g.output("logprobs", lp);
  g.output("entropy", entropy);
  if (!withGrad) return g;
  // what autodiff differentiates: the loss, and with the sliced head (its backward pass written out) the
  // trunk's part h·sg(∂L/∂h), whose gradient carries ∂L/∂h into the trunk
  let objective = loss;
  if (sliced && slices) {
    const N = B * T;
    const [dLp, dEntropy] = gradients(loss, [lp, entropy]);
    const accs = slices.map((s) =>
      g.input(`acc:${rowSliceName(headName, s)}`, [s.end - s.start, cfg.hiddenSize], dtype),
    );
    const usesEntropy = topologicalNodes([loss]).some((n) => n.inputs.includes(entropy));
    const back = sliced.backward(
      op.reshape(dLp, [N, 1]),
      usesEntropy ? op.reshape(dEntropy, [N, 1]) : null,
      accs,
    );
    for (const [k, dW] of back.weightSlices.entries())
      g.output(`grad:${rowSliceName(headName, slices[k])}`, dW);
    g.output(HEAD_ROWS_OUTPUT, back.targetRows_ND);
    objective = op.add(loss, op.sumAll(op.mul(hidden, op.stopGradient(back.hidden_ND))));
  }
  const trained = lora ? adapters : params;
  // the table's and head's gradients leave as rows and slices when large
  const names = [...trained.keys()].filter(
    (n) => !(embedded && n === EMBED && !cfg.tieWordEmbeddings) && !(sliced && n === headName),
  );
  const grads = gradients(objective, [...names.map((n) => trained.get(n)!), ...(embedded ? [embedded] : [])]);
  // Declared last layer first, which sets the order onnxruntime runs the backward pass in (graph/executionOrder.ts
  // predicts it): declared in parameter order, each layer's upstream gradients of its MLP stayed alive until
  // the end of the backward pass (predicted at Qwen2.5-0.5B's shape: 28 MiB a layer at the peak, not 19).
  for (let i = names.length - 1; i >= 0; i--) {
    const acc = accumulate ? g.input(`acc:${names[i]}`, grads[i].shape, dtype) : null;
    g.output(`grad:${names[i]}`, acc ? op.add(acc, grads[i]) : grads[i]);
  }
  if (embedded) g.output(EMBED_ROWS_OUTPUT, grads[names.length]);
  return g;
}

const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;

/**
 * table[v, :] += Σ_{i: tokens[i] = v} rows[i, :] (rows [N, D], table [V, D]): the gradient of an embedding
 * lookup. Each token's rows are summed first, in float32 and in row order (as the one-hot GEMM this replaces
 * summed them), then added to the table: the gradients are the same to the bit as before.
 */
export function addRows(table: Float32Array, rows: Float32Array, tokens: Int32Array, D: number): void {
  const sums = new Map<number, Float32Array>();
  for (let i = 0; i < tokens.length; i++) {
    const row = rows.subarray(i * D, (i + 1) * D);
    const sum = sums.get(tokens[i]);
    if (sum) for (let j = 0; j < D; j++) sum[j] += row[j];
    else sums.set(tokens[i], row.slice());
  }
  for (const [v, sum] of sums) {
    const at = v * D;
    for (let j = 0; j < D; j++) table[at + j] += sum[j];
  }
}

export class LocalEngine implements TrainingEngine {
  readonly info: ModelInfo;
  private readonly sessions: SessionCache;
  private readonly ownsSessions: boolean;
  private readonly sampler: Sampler;
  private readonly optimizer: AdamW;
  private grads: Parameters | null = null;
  private gradBuffers: Parameters | null = null;
  /** LoRA's spec and adapters (null: full fine-tuning). */
  private readonly lora: LocalLoraOptions | null;
  private readonly adapters: Adapters | null;
  /** What the optimizer updates: the adapters under LoRA, else the weights. */
  private readonly trainable: Parameters;
  /** Every graph input that is a weight: the parameters, and the adapters under LoRA (the same arrays). */
  private readonly weights: Parameters;
  private readonly seedRng: { next: () => number };
  /** Seed of the LoRA dropout masks (saved in state.json), and the micro-batches drawn since the last optimStep. */
  private dropoutSeed: number;
  private dropoutDraws = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly lengthBucket: number;
  private readonly microBatchTokens: number;
  private readonly maxPackTokens: number;
  private readonly saving: SaveCheckpointOptions;
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
    this.ownsSessions = options.sessions === undefined;
    this.sessions = options.sessions ?? new SessionCache({ intraOpNumThreads: options.intraOpNumThreads });
    this.lengthBucket = options.lengthBucket ?? 16;
    this.microBatchTokens = options.microBatchTokens ?? 4096;
    this.maxPackTokens = options.maxPackTokens ?? 1024;
    this.saving = { dtype: options.saveDtype, maxShardBytes: options.maxShardBytes };
    let s = options.seed ?? randomInt(2 ** 31);
    this.dropoutSeed = s;
    if (options.lora) {
      checkLoraSpec(options.lora, "LocalEngine");
      checkDropout(options.lora.dropout, "LocalEngine");
      this.lora = { ...options.lora, targetModules: [...options.lora.targetModules] };
      this.adapters = options.lora.adapters ?? initAdapters(config, options.lora, s);
      checkAdapters(config, options.lora, this.adapters, "LocalEngine");
      // the value head (frozen weights or not, the critic is new) trains beside the adapters
      this.trainable = this.hasValueHead
        ? new Map([
            ...this.adapters,
            ...[...valueHeadShapes(config).keys()].map((n) => [n, params.get(n)!] as const),
          ])
        : this.adapters;
      this.weights = new Map([...params, ...this.adapters]);
    } else {
      this.lora = null;
      this.adapters = null;
      this.trainable = params;
      this.weights = params;
    }
    this.sampler = new Sampler(config, this.sessions, () => this.weights, {
      maxBatch: options.maxSampleBatch,
      lengthBucket: this.lengthBucket,
      lora: this.lora ?? undefined,
    });
    this.optimizer = new AdamW(this.trainable, {
      threads: options.intraOpNumThreads ?? defaultThreadCount(),
    });
    this.seedRng = { next: () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) };
    this.options = options;
  }

  private readonly options: LocalEngineOptions;

  /**
   * The base model without the adapters, sharing this engine's weight arrays (no copy): under LoRA the
   * frozen reference policy of a KL term. Only for a LoRA engine (a full fine-tuning engine's weights change).
   */
  frozenBase(): LocalEngine {
    if (!this.lora)
      throw new Error("frozenBase: this engine trains its weights (no LoRA); open the model again");
    const { lora: _lora, valueHead: _critic, name, ...rest } = this.options;
    return new LocalEngine(this.config, this.params, { ...rest, name: `${name ?? "local"} (base)` });
  }

  /** The LoRA spec and the live adapters (updated in place by optimStep), or null without LoRA. */
  loraAdapters(): { lora: LocalLoraOptions; adapters: ReadonlyMap<string, Float32Array> } | null {
    return this.lora && this.adapters ? { lora: this.lora, adapters: this.adapters } : null;
  }

  /** A model read from a Hugging Face checkpoint directory (config.json + safetensors). */
  static fromDirectory(dir: string, options: LocalEngineOptions = {}): LocalEngine {
    if (isAdapterDirectory(dir) && !existsSync(join(dir, "config.json")))
      throw new Error(
        `${dir}: holds a LoRA adapter (${ADAPTER_CONFIG}), not a model: open its base model with the adapter ` +
          "(rlvr eval --checkpoint RUN_DIR does; library: lora.ts loadAdapter and the engine's lora option)",
      );
    const { config, params } = loadCheckpoint(dir);
    return new LocalEngine(config, params, { name: dir, ...options });
  }

  /** A freshly initialised model (HF init: N(0, 0.02²) weights) for training from scratch. */
  static fromConfig(config: ModelConfig, seed: number, options: LocalEngineOptions = {}): LocalEngine {
    return new LocalEngine(config, initParameters(config, seed), { seed, ...options });
  }

  /** The live parameters (updated in place by optimStep; frozen under LoRA). */
  parameters(): ReadonlyMap<string, Float32Array> {
    return this.params;
  }

  /** Gradients accumulated since the last optimStep (of the adapters under LoRA; null when none). */
  accumulatedGradients(): ReadonlyMap<string, Float32Array> | null {
    return this.grads;
  }

  /** Releases the compiled sessions and the optimizer's threads. */
  async close(): Promise<void> {
    await this.optimizer.close();
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
   * prompt q with seed s when seeds_P[p] = Rng.promptSeed(s, q) (a server batching requests); `onToken`
   * hears each token as it is decoded (streaming).
   */
  sampleSeeded(
    prompts: number[][],
    n: number,
    params: SamplingParams,
    seeds_P: readonly number[],
    onToken?: OnToken,
  ): Promise<SampledSequence[][]> {
    return this.exclusive(() => this.sampler.sample(prompts, n, params, seeds_P, onToken));
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
    this.optimizer.prepare();
    return this.exclusive(() => this.run(datums, loss, true));
  }

  forward(datums: Datum[], loss: LossSpec): Promise<ForwardBackwardOutput> {
    return this.exclusive(() => this.run(datums, loss, false));
  }

  optimStep(params: AdamParams): Promise<OptimStepOutput> {
    return this.exclusive(async () => {
      if (this.grads === null)
        throw new Error("optimStep: no gradients accumulated (call forwardBackward first)");
      const { gradNorm, clipped, skipped } = await this.optimizer.step(this.grads, params);
      this.grads = null;
      this.dropoutDraws = 0;
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

  /** The weights in HF layout; under LoRA with the adapters merged in (W + (α/r)·B·A, lora.ts). */
  saveWeights(dir: string): Promise<void> {
    return this.exclusive(() =>
      writeDirAtomic(dir, (tmp) =>
        saveCheckpoint(
          tmp,
          this.config,
          this.lora && this.adapters
            ? mergeAdapters(this.config, this.params, this.lora, this.adapters)
            : this.params,
          this.saving,
        ),
      ),
    );
  }

  /**
   * Weights (HF layout) + the AdamW moments (m.NAME, v.NAME) as optimizer.safetensors, or its shards
   * and optimizer.safetensors.index.json above the size limit, + state.json {step}; under LoRA the
   * adapter (PEFT layout: adapter_config.json + adapter_model.safetensors) instead of the weights, and
   * the adapters' moments. Every tensor is streamed to its file from the live arrays.
   */
  saveState(dir: string): Promise<void> {
    return this.exclusive(() =>
      writeDirAtomic(dir, (tmp) => {
        if (this.lora && this.adapters)
          saveAdapter(tmp, this.config, this.lora, this.adapters, this.lora.baseModel ?? "");
        else saveCheckpoint(tmp, this.config, this.params, this.saving);
        const { m, v } = this.optimizer.liveMoments();
        const shapes = this.lora ? adapterShapes(this.config, this.lora) : parameterShapes(this.config);
        const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
        for (const [name, shape] of shapes) {
          tensors.set(`m.${name}`, { shape, data: m.get(name)! });
          tensors.set(`v.${name}`, { shape, data: v.get(name)! });
        }
        const step = this.optimizer.stepCount;
        writeTensors(tmp, "optimizer", tensors, {
          maxShardBytes: this.saving.maxShardBytes,
          metadata: { step: String(step) },
        });
        if (this.hasValueHead) {
          // the critic is not part of the Hugging Face checkpoint: its weights and moments in a file of its own
          const head = new Map<string, { shape: number[]; data: Float32Array }>();
          for (const [name, shape] of valueHeadShapes(this.config)) {
            head.set(name, { shape, data: this.params.get(name)! });
            head.set(`m.${name}`, { shape, data: m.get(name)! });
            head.set(`v.${name}`, { shape, data: v.get(name)! });
          }
          writeSafetensors(join(tmp, VALUE_HEAD_FILE), head);
        }
        const dropout = this.lora?.dropout ? { loraDropoutSeed: this.dropoutSeed } : {};
        writeFileAtomic(
          join(tmp, "state.json"),
          `${JSON.stringify({ format: "rlvr-local-1", step, ...dropout })}\n`,
        );
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
      if (this.lora || isAdapterDirectory(dir)) return this.loadLoraState(dir);
      const config = loadModelConfig(dir);
      const shapes = parameterShapes(this.config);
      for (const [name, shape] of shapes) {
        const other = parameterShapes(config).get(name);
        if (!other || other.join(",") !== shape.join(",")) {
          throw new Error(`loadState ${dir}: parameter "${name}" does not match this engine's model`);
        }
      }
      const weights = locateTensors(dir, "model");
      for (const [name, shape] of shapes) {
        const found = weights.get(name);
        if (!found) throw new Error(`loadState ${dir}: the weights lack "${name}"`);
        if (found.entry.shape.join(",") !== shape.join(","))
          throw new Error(
            `loadState ${dir}: ${found.file} holds "${name}" as [${found.entry.shape}], not [${shape}]`,
          );
      }
      const restoreMoments = this.checkMoments(dir, shapes);
      // in place: the optimizer and the sampler hold these arrays
      readTensors(dir, "model", {
        wanted: (name) => shapes.has(name),
        into: (name) => this.params.get(name),
      });
      restoreMoments();
      if (this.hasValueHead) this.restoreValueHead(dir);
      this.grads = null;
    });
  }

  /**
   * The critic's weights and moments from value_head.safetensors, into the live arrays; a checkpoint
   * without one (e.g. a GRPO run's, PPO's warm start) starts the critic afresh (zeros).
   */
  private restoreValueHead(dir: string): void {
    const file = join(dir, VALUE_HEAD_FILE);
    const head = existsSync(file) ? readSafetensorsFile(file).tensors : null;
    const { m, v } = this.optimizer.liveMoments();
    for (const name of valueHeadShapes(this.config).keys()) {
      for (const [key, live] of [
        [name, this.params.get(name)!],
        [`m.${name}`, m.get(name)!],
        [`v.${name}`, v.get(name)!],
      ] as const) {
        const saved = head?.get(key);
        if (head && (!saved || saved.data.length !== live.length))
          throw new Error(`loadState ${dir}: ${VALUE_HEAD_FILE} lacks "${key}" of length ${live.length}`);
        if (saved) live.set(saved.data);
        else live.fill(0);
      }
    }
  }

  /** loadState of a LoRA engine: the adapters and their moments (the weights stay as they are). */
  private loadLoraState(dir: string): void {
    const lora = this.lora;
    if (!lora || !this.adapters)
      throw new Error(
        `loadState ${dir}: holds a LoRA adapter (${ADAPTER_CONFIG}); this engine trains full weights`,
      );
    if (!isAdapterDirectory(dir))
      throw new Error(`loadState ${dir}: no ${ADAPTER_CONFIG}; this LoRA engine's state is an adapter`);
    const saved = loadAdapter(dir, this.config);
    if (!sameLoraShape(saved.lora, lora))
      throw new Error(
        `loadState ${dir}: the adapter (${describeLora(saved.lora)}) differs from this engine's LoRA (${describeLora(lora)})`,
      );
    const restoreMoments = this.checkMoments(dir, adapterShapes(this.config, lora));
    // in place: the optimizer and the sampler hold these arrays
    for (const [name, data] of saved.adapters) this.adapters.get(name)!.set(data);
    restoreMoments();
    if (this.hasValueHead) this.restoreValueHead(dir);
    // the dropout masks continue the saved run's (a state saved without dropout keeps this engine's seed)
    const state = JSON.parse(readFileSync(join(dir, "state.json"), "utf8")) as { loraDropoutSeed?: unknown };
    if (Number.isInteger(state.loraDropoutSeed)) this.dropoutSeed = state.loraDropoutSeed as number;
    this.dropoutDraws = 0;
    this.grads = null;
  }

  /**
   * Checks that `dir`'s optimizer state (optimizer.safetensors or its shards) holds both moments of every
   * tensor of `shapes`, with its shape, and a step; returns the restore, which reads them into the live
   * moments (no second copy of a large state) and sets the step.
   */
  private checkMoments(dir: string, shapes: ReadonlyMap<string, number[]>): () => void {
    const state = JSON.parse(readFileSync(join(dir, "state.json"), "utf8")) as { step: number };
    const moments = locateTensors(dir, "optimizer");
    for (const [name, shape] of shapes) {
      for (const [which, found] of [
        ["first", moments.get(`m.${name}`)],
        ["second", moments.get(`v.${name}`)],
      ] as const) {
        if (!found)
          throw new Error(`loadState ${dir}: the optimizer state lacks the ${which} moment of "${name}"`);
        if (found.entry.shape.join(",") !== shape.join(","))
          throw new Error(
            `loadState ${dir}: ${found.file} holds "${name}" as [${found.entry.shape}], not [${shape}]`,
          );
      }
    }
    return () => {
      const { m, v } = this.optimizer.liveMoments();
      readTensors(dir, "optimizer", {
        wanted: (key) => /^[mv]\./.test(key) && shapes.has(key.slice(2)),
        into: (key) => (key.startsWith("m.") ? m : v).get(key.slice(2)),
      });
      this.optimizer.setStepCount(state.step);
    };
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
      // LoRA dropout in the policy pass only (the value loss's pass trains no adapter input masks)
      const dropout = withGrad && this.lora?.dropout && spec.kind !== "value" ? this.lora.dropout : 0;
      const key = `train:${lossKey(spec)}:${B}x${T}:${withGrad}${loraGraphKey(this.lora)}${dropout > 0 ? `:lora-dropout=${dropout}` : ""}`;
      const compiled = await this.sessions.get(
        key,
        () =>
          spec.kind === "value"
            ? valueTrainingGraph(this.config, spec, B, T, withGrad, "float32", this.lora ?? undefined)
            : trainingGraph(this.config, spec, B, T, withGrad, {
                lora: this.lora ?? undefined,
                accumulate: withGrad,
                largeVocabulary: this.options.largeVocabulary,
              }),
        // onnxruntime's memory pattern (one block laid out for all of a run's tensors) measured 154 MB more
        // at a LoRA 0.5B step's peak than allocating each tensor (bench/memoryProbe.ts, docs/experiments/bench.md)
        withGrad ? { memPattern: false } : {},
      );
      const packed = packedFeeds(this.config, datums, chunk, B, T, names);
      const feeds: Record<string, FeedArray> = {
        ...Object.fromEntries(this.weights),
        ...packed.fields,
        tokens: packed.tokens,
        targets: packed.targets,
        weights: packed.weights,
        mask: packed.mask,
        ...(packed.slidingMask ? { sliding_mask: packed.slidingMask } : {}),
        cos: packed.cos,
        sin: packed.sin,
      };
      if (this.lora && dropout > 0) {
        const rng = Rng.derive(this.dropoutSeed, this.optimizer.stepCount, this.dropoutDraws++);
        for (const [name, keep] of drawDropoutMasks(this.config, this.lora, B * T, dropout, rng))
          feeds[name] = keep;
      }
      // gradients accumulate in place: acc:<name> in, grad:<name> = acc + this batch's into the same array;
      // the vocabulary-sliced head's weight slices and their accumulators (<name>[start:end]) are views of
      // the weight and its buffer: nothing is copied
      const into: Record<string, Float32Array> = {};
      const acc = withGrad ? this.gradientBuffers() : null;
      const D = this.config.hiddenSize;
      for (const input of compiled.inputNames) {
        const isAcc = input.startsWith("acc:");
        const name = isAcc ? input.slice(4) : input;
        const slice = parseRowSlice(name);
        if (!isAcc && !slice) continue;
        const base = slice?.name ?? name;
        const whole = isAcc ? acc?.get(base) : this.weights.get(base);
        if (!whole)
          throw new Error(`forwardBackward: the graph's input ${input} names no array of the engine`);
        const view = slice ? whole.subarray(slice.start * D, slice.end * D) : whole;
        feeds[input] = view;
        if (isAcc) {
          into[`grad:${name}`] = view;
          this.grads?.set(base, whole);
        }
      }
      const out = await compiled.run(feeds, into);
      lossSum += Number(out.loss[0]);
      // the rows of the large-vocabulary graph's table gradients, added where their tokens say
      for (const [output, name, at] of [
        [EMBED_ROWS_OUTPUT, EMBED, packed.tokens],
        [HEAD_ROWS_OUTPUT, headWeightName(this.config), packed.targets],
      ] as const) {
        const rows = out[output] as Float32Array | undefined;
        if (!acc || !rows) continue;
        addRows(acc.get(name)!, rows, at, D);
        this.grads?.set(name, acc.get(name)!);
      }
      if (spec.kind === "value") {
        const v = out.values as Float32Array;
        chunk.forEach((row, b) => {
          packed.indices[b].forEach((idx, k) => {
            values[row.members[k]] = idx.map((r) => v[b * T + r]);
          });
        });
        // the value loss's graph gives this batch's gradients; they are added to the buffers here
        if (acc)
          for (const [name, a] of acc) {
            const g = out[`grad:${name}`] as Float32Array | undefined;
            if (!g) continue;
            for (let i = 0; i < a.length; i++) a[i] += g[i];
            this.grads?.set(name, a);
          }
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
    }
    if (spec.kind === "value")
      return { logprobs: datums.map(() => []), values, metrics: { "loss:sum": lossSum } };
    const critic = spec.kind === "policy" && spec.valueCoef ? { values } : {};
    return {
      logprobs,
      entropy,
      ...critic,
      metrics: { "loss:sum": lossSum, ...lossMetrics(spec, datums, logprobs, entropy) },
    };
  }

  /**
   * The arrays gradients accumulate into: allocated at the first forwardBackward and kept (one copy of
   * the trained parameters), zeroed when a new accumulation starts (after optimStep). `this.grads` holds
   * those that got a gradient since (a graph gives the gradients of the parameters on its loss's path:
   * the value head's only with a critic term), so that optimStep leaves the others untouched.
   */
  private gradientBuffers(): Parameters {
    if (this.gradBuffers === null) {
      this.gradBuffers = new Map([...this.trainable].map(([name, p]) => [name, largeFloat32Array(p.length)]));
    } else if (this.grads === null) {
      for (const a of this.gradBuffers.values()) a.fill(0);
    }
    this.grads ??= new Map();
    return this.gradBuffers;
  }
}
