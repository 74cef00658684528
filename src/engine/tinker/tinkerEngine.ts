// A TrainingEngine on a Tinker server (the hosted service, a self-hosted one, `rlvr serve`): one training
// model and the sampler of its current weights. Losses: cross_entropy and the RL built-ins go to the
// server as they are, per-token weights folded into the advantages (the built-ins have no weights input);
// the native policy loss runs as a built-in when it has no KL term, and otherwise takes the two-pass
// path (policyLoss.ts): a forward pass for lp, L and ∂L/∂lp here, then forward_backward with
// cross_entropy and weights −∂L/∂lp. The forward pass is skipped when the datums' sampling log-probs are
// the model's own (on-policy: sampled by this engine at T = 1 or 0 from the weights still being trained)
// and the server says its samplers compute them as its training pass does (rlvr serve): lp = q there, so
// ∂L/∂lp is taken at q. A server whose sampler differs (another precision or kernel) keeps both passes,
// so the importance ratio sees the difference. Loss metrics are computed here from the returned log-probs, so they
// mean what the local engine's mean. Calls take seq_ids in call order (inTurn), so a caller pipelines
// forward_backward and optim_step (policyUpdate.ts). After each optim_step the weights are synced to a new sampler
// (save_weights_for_sampler, submitted with optim_step before either is awaited). Checkpoints are
// tinker:// paths on the server, recorded in the checkpoint directory (tinker.json).
import { randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../core/atomicFile.js";
import { Rng } from "../../core/rng.js";
import { lossMetrics } from "../local/losses.js";
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
import type { LoraTargetModule } from "../../core/choices.js";
import { type TinkerHttpOptions, TinkerHttp } from "./http.js";
import { type TinkerLoraConfig, tinkerLoraConfig } from "./loraConfig.js";
import { tokenLoss } from "./policyLoss.js";
import {
  decodeForwardBackwardOutput,
  decodeSampleResponse,
  encodeForwardBackwardRequest,
  type WireDatum,
} from "./wire.js";

export const TINKER_CHECKPOINT_FILE = "tinker.json";

export interface TinkerEngineOptions extends TinkerHttpOptions {
  baseModel: string;
  /**
   * LoRA rank asked of the server (0 = full fine-tuning, where the server offers it). Default: a
   * checkpoint's, when the engine opens one (as the SDK's create_training_client_from_state does), else
   * 32 (Tinker's).
   */
  loraRank?: number;
  /** The layers adapted: whole attention and/or MLP groups (loraConfig.ts; default all). */
  loraTargetModules?: readonly LoraTargetModule[];
  /** Seed of the adapters' init (default: the server's choice). */
  loraSeed?: number;
  /** Seed of the stream that seeds sample requests without a seed (default: random). */
  seed?: number;
  /** The tokenizer's vocabulary size (the server does not report one). */
  vocabSize: number;
}

/** What a checkpoint directory of a Tinker run holds. */
export interface TinkerCheckpoint {
  format: "rlvr-tinker-1";
  baseUrl: string;
  baseModel: string;
  modelId: string;
  /** tinker://…/weights/… : weights and optimizer state (load_weights). */
  statePath: string;
}

const modelInput = (tokens: readonly number[]) => ({ chunks: [{ type: "encoded_text", tokens }] });

/** Sampling through a Tinker sampling session (shared by the policy engine and the reference). */
class TinkerSampler {
  private seq = 0;
  constructor(
    private readonly http: TinkerHttp,
    readonly id: string,
  ) {}

  async sample(prompt: number[], n: number, params: SamplingParams, seed: number, promptLogprobs = false) {
    const bytes = await this.http.future(
      "asample",
      {
        sampling_session_id: this.id,
        seq_id: this.seq++,
        num_samples: n,
        prompt: modelInput(prompt),
        prompt_logprobs: promptLogprobs,
        sampling_params: {
          max_tokens: params.maxTokens,
          seed,
          temperature: params.temperature,
          top_k: params.topK === 0 ? -1 : params.topK,
          top_p: params.topP,
          ...(params.stopTokens && params.stopTokens.length > 0 ? { stop: params.stopTokens } : {}),
        },
      },
      true,
    );
    return decodeSampleResponse(bytes);
  }
}

/** n samples of each prompt, prompt p drawn with Rng.promptSeed(seed, p) as the local engine draws it. */
async function sampleEach(
  sampler: () => TinkerSampler,
  prompts: number[][],
  n: number,
  params: SamplingParams,
  seed: number,
): Promise<SampledSequence[][]> {
  return Promise.all(
    prompts.map(async (prompt, p) => {
      const r = await sampler().sample(prompt, n, params, Rng.promptSeed(seed, p));
      return r.sequences.map((s) => ({
        tokens: s.tokens,
        logprobs: s.logprobs ?? [],
        stopReason: s.stopReason,
      }));
    }),
  );
}

async function newSession(http: TinkerHttp): Promise<string> {
  await http.json("client/config", { sdk_version: "rlvr" });
  const s = await http.json("create_session", { tags: ["rlvr"], sdk_version: "rlvr" });
  if (typeof s.session_id !== "string") throw new Error("create_session: no session_id in the answer");
  return s.session_id;
}

async function serverInfo(
  http: TinkerHttp,
  baseModel: string,
  vocabSize: number,
): Promise<{ info: ModelInfo; exactSamplingLogprobs: boolean }> {
  const caps = await http.json("get_server_capabilities");
  const models =
    (caps.supported_models as { model_name?: string; max_context_length?: number }[] | undefined) ?? [];
  const m = models.find((x) => x.model_name === baseModel);
  if (!m)
    throw new Error(
      `engine.baseModel "${baseModel}": the server at ${http.baseUrl} serves ${models.map((x) => JSON.stringify(x.model_name)).join(", ") || "no models"}`,
    );
  return {
    info: { name: `tinker:${baseModel}`, vocabSize, maxSequenceLength: m.max_context_length ?? 32768 },
    // rlvr serve's extension: its samplers' log-probs are its training pass's (see onPolicy)
    exactSamplingLogprobs: caps.sampling_logprobs_are_training_logprobs === true,
  };
}

/**
 * The LoRA of a checkpoint (weights_info), to create the model that loads it; a rank given in `o` must
 * be the checkpoint's.
 */
async function checkpointLora(
  http: TinkerHttp,
  stateDir: string,
  o: TinkerEngineOptions,
): Promise<TinkerLoraConfig> {
  const path = readTinkerCheckpoint(stateDir).statePath;
  const w = await http.json("weights_info", { tinker_path: path });
  const rank = w.is_lora === false ? 0 : Number(w.lora_rank);
  if (!Number.isInteger(rank) || rank < 0)
    throw new Error(`weights_info ${path}: no LoRA rank in the answer`);
  if (o.loraRank !== undefined && o.loraRank !== rank)
    throw new Error(
      `${join(stateDir, TINKER_CHECKPOINT_FILE)}: the checkpoint holds a LoRA of rank ${rank}, not the asked ${o.loraRank}`,
    );
  const flag = (v: unknown) => (typeof v === "boolean" ? v : true);
  const saved = {
    rank,
    train_attn: flag(w.train_attn),
    train_mlp: flag(w.train_mlp),
    train_unembed: w.train_unembed === true,
  };
  const asked = o.loraTargetModules && tinkerLoraConfig(rank, o.loraTargetModules);
  if (rank > 0 && asked && (asked.train_attn !== saved.train_attn || asked.train_mlp !== saved.train_mlp))
    throw new Error(
      `${join(stateDir, TINKER_CHECKPOINT_FILE)}: the checkpoint's LoRA adapts${saved.train_attn ? " attention" : ""}${saved.train_mlp ? " MLP" : ""} layers, not the asked ${o.loraTargetModules}`,
    );
  return saved;
}

export class TinkerEngine implements TrainingEngine {
  readonly info: ModelInfo;
  private seq = 1;
  private samplerSeq = 1;
  private sampler!: TinkerSampler;
  /** Counts the weight changes submitted (optim_step, load_weights); the sampler holds `samplerVersion`. */
  private weightsVersion = 0;
  private samplerVersion = 0;
  /**
   * The weights version sampled at since it last changed, and whether every sampling there returned the
   * model's own log-probs (temperature 1, or 0; the sampler's log-probs are those of the tempered
   * distribution before top-k/top-p).
   */
  private sampled: { version: number; modelLogprobs: boolean } | null = null;
  private readonly seedRng: () => number;
  private readonly heartbeat: NodeJS.Timeout;

  private constructor(
    private readonly http: TinkerHttp,
    private readonly o: TinkerEngineOptions,
    private readonly sessionId: string,
    readonly modelId: string,
    info: ModelInfo,
    /** The server's samplers give the training pass's log-probs (rlvr serve; not a hosted sampler's). */
    private readonly exactSamplingLogprobs: boolean,
  ) {
    this.info = info;
    let s = o.seed ?? randomInt(2 ** 31);
    this.seedRng = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
    this.heartbeat = setInterval(() => {
      this.http.json("session_heartbeat", { session_id: this.sessionId }).catch(() => undefined);
    }, 10_000);
    this.heartbeat.unref();
  }

  /** A new training model of `baseModel` on the server (its weights from `stateDir`'s checkpoint when given). */
  static async open(o: TinkerEngineOptions, stateDir?: string): Promise<TinkerEngine> {
    const http = new TinkerHttp(o);
    const session = await newSession(http);
    const { info, exactSamplingLogprobs } = await serverInfo(http, o.baseModel, o.vocabSize);
    const created = await http.future(
      "create_model",
      {
        session_id: session,
        model_seq_id: 0,
        base_model: o.baseModel,
        lora_config: stateDir
          ? await checkpointLora(http, stateDir, o)
          : tinkerLoraConfig(o.loraRank ?? 32, o.loraTargetModules, o.loraSeed),
      },
      false,
    );
    if (typeof created.model_id !== "string") throw new Error("create_model: no model_id in the result");
    const engine = new TinkerEngine(http, o, session, created.model_id, info, exactSamplingLogprobs);
    if (stateDir) await engine.loadState(stateDir);
    else await engine.syncSampler();
    return engine;
  }

  private nextSeq(): number {
    return this.seq++;
  }

  /** Where the submissions of the calls so far end (see inTurn). */
  private submissions: Promise<void> = Promise.resolve();

  /**
   * Calls take their seq_ids in call order (types.ts: calls are applied in call order): `submit` runs
   * once every earlier call has submitted all its requests and resolves once its own are submitted, to
   * the promise of its result. A built-in loss submits at once, so callers pipeline forward_backward and
   * optim_step; the two-pass path holds the later calls until its forward pass is back and its
   * forward_backward is submitted.
   */
  private async inTurn<R>(submit: () => Promise<{ result: Promise<R> }>): Promise<R> {
    const earlier = this.submissions;
    let submitted!: () => void;
    this.submissions = new Promise<void>((r) => {
      submitted = r;
    });
    let pending: { result: Promise<R> };
    try {
      await earlier;
      pending = await submit();
    } finally {
      submitted();
    }
    return pending.result;
  }

  /** A sampler of the weights as they are after the requests submitted so far. */
  private submitSamplerSync(): Promise<Record<string, unknown>> {
    return this.http.future(
      "save_weights_for_sampler",
      { model_id: this.modelId, seq_id: this.nextSeq(), sampling_session_seq_id: this.samplerSeq++ },
      false,
    );
  }

  private async syncSampler(pending = this.submitSamplerSync()): Promise<void> {
    const version = this.weightsVersion;
    const r = await pending;
    if (typeof r.sampling_session_id !== "string")
      throw new Error("save_weights_for_sampler: no sampling_session_id");
    this.sampler = new TinkerSampler(this.http, r.sampling_session_id);
    this.samplerVersion = version;
  }

  /** Whether `datums`' sampling log-probs are the log-probs of the weights as they are now (see the header). */
  private onPolicy(datums: readonly Datum[]): boolean {
    const s = this.sampled;
    return (
      this.exactSamplingLogprobs &&
      s?.modelLogprobs === true &&
      s.version === this.weightsVersion &&
      this.samplerVersion === this.weightsVersion &&
      datums.every((d) => d.samplingLogprobs?.length === d.inputTokens.length)
    );
  }

  /** Stops the heartbeat and unloads the model on the server (its tinker:// checkpoints stay). */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    // best effort, briefly: a server that is gone has nothing to unload
    const quick = new TinkerHttp({ ...this.o, maxRetryMs: 2_000 });
    await quick.future("unload_model", { model_id: this.modelId }, false).catch(() => undefined);
  }

  sample(prompt: number[], n: number, params: SamplingParams): Promise<SampledSequence[]> {
    return this.sampleMany([prompt], n, params).then((r) => r[0]);
  }

  sampleMany(prompts: number[][], n: number, params: SamplingParams): Promise<SampledSequence[][]> {
    const version = this.samplerVersion;
    const modelLogprobs = params.temperature === 1 || params.temperature === 0;
    this.sampled =
      this.sampled?.version === version
        ? { version, modelLogprobs: this.sampled.modelLogprobs && modelLogprobs }
        : { version, modelLogprobs };
    return sampleEach(() => this.sampler, prompts, n, params, params.seed ?? this.seedRng());
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
    return this.inTurn(async () => ({
      result: this.send(datums, "cross_entropy", {}, (d) => ({ weights: d.weights }), true).then(
        (r) => r.logprobs,
      ),
    }));
  }

  /** One forward_backward request (forward_only for a forward pass); logprobs and entropy per datum. */
  private async send(
    datums: readonly Datum[],
    lossFn: string,
    config: Record<string, number>,
    inputs: (d: Datum, i: number) => Record<string, number[]>,
    forwardOnly: boolean,
  ): Promise<{ logprobs: number[][]; entropy?: number[][]; metrics: Record<string, number> }> {
    const data: WireDatum[] = datums.map((d, i) => {
      const extra = inputs(d, i);
      return {
        modelInput: d.inputTokens,
        lossFnInputs: {
          target_tokens: { dtype: "int64", data: d.targetTokens },
          ...Object.fromEntries(
            Object.entries(extra).map(([k, v]) => [k, { dtype: "float32" as const, data: v }]),
          ),
        },
      };
    });
    const bytes = encodeForwardBackwardRequest({
      modelId: this.modelId,
      seqId: this.nextSeq(),
      data,
      lossFn,
      lossFnConfig: config,
      forwardOnly,
    });
    const out = decodeForwardBackwardOutput(await this.http.future("forward_backward", bytes, true));
    if (out.outputs.length !== datums.length)
      throw new Error(`forward_backward: ${out.outputs.length} outputs for ${datums.length} datums`);
    const logprobs = out.outputs.map((o, i) => {
      if (!o.logprobs || o.logprobs.length !== datums[i].inputTokens.length)
        throw new Error(
          `forward_backward: datum ${i} has no logprobs of its ${datums[i].inputTokens.length} tokens`,
        );
      return o.logprobs;
    });
    const entropy = out.outputs.every((o) => o.entropy) ? out.outputs.map((o) => o.entropy!) : undefined;
    return { logprobs, entropy, metrics: out.metrics };
  }

  /** The metrics of `spec` from log-probs, as the local engine reports them (entropy where the server sends it). */
  private metrics(
    spec: LossSpec,
    datums: Datum[],
    logprobs: number[][],
    entropy: number[][] | undefined,
    loss: number,
  ) {
    const m = lossMetrics(spec, datums, logprobs, entropy ?? logprobs.map((l) => l.map(() => 0)));
    if (!entropy) delete m["entropy:mean"];
    return { "loss:sum": loss, ...m };
  }

  forwardBackward(datums: Datum[], loss: LossSpec): Promise<ForwardBackwardOutput> {
    return this.train(datums, loss, false);
  }

  forward(datums: Datum[], loss: LossSpec): Promise<ForwardBackwardOutput> {
    return this.train(datums, loss, true);
  }

  private train(datums: Datum[], spec: LossSpec, forwardOnly: boolean): Promise<ForwardBackwardOutput> {
    return this.inTurn(() => this.submitTraining(datums, spec, forwardOnly));
  }

  /** Submits the requests of a forward or forwardBackward call; resolves once they are all submitted. */
  private async submitTraining(
    datums: Datum[],
    spec: LossSpec,
    forwardOnly: boolean,
  ): Promise<{ result: Promise<ForwardBackwardOutput> }> {
    const builtIn = spec.kind !== "policy" || (spec.klCoef === 0 && spec.entropyCoef === 0);
    if (!forwardOnly && !builtIn && this.onPolicy(datums)) {
      // lp = q: ∂L/∂lp at the sampling log-probs, one forward_backward; the metrics from the lp it returns
      const grads = datums.map((d) => tokenLoss(spec, d, d.samplingLogprobs!).grad_T);
      const backward = this.send(
        datums,
        "cross_entropy",
        {},
        (_d, i) => ({ weights: grads[i].map((g) => -g) }),
        false,
      );
      return {
        result: backward.then((b) => ({
          logprobs: b.logprobs,
          entropy: b.entropy,
          metrics: this.metrics(
            spec,
            datums,
            b.logprobs,
            b.entropy,
            datums.reduce((a, d, i) => a + tokenLoss(spec, d, b.logprobs[i]).loss, 0),
          ),
        })),
      };
    }
    if (forwardOnly || !builtIn) {
      // a forward pass: lp here, the loss computed from it (tokenLoss refuses an entropy bonus)
      const forward = this.send(datums, "cross_entropy", {}, (d) => ({ weights: d.weights }), true).then(
        (fwd) => {
          const parts = datums.map((d, i) => tokenLoss(spec, d, fwd.logprobs[i]));
          const output: ForwardBackwardOutput = {
            logprobs: fwd.logprobs,
            entropy: fwd.entropy,
            metrics: this.metrics(
              spec,
              datums,
              fwd.logprobs,
              fwd.entropy,
              parts.reduce((a, p) => a + p.loss, 0),
            ),
          };
          return { parts, output };
        },
      );
      // a forward pass alone is submitted; the two-pass path's forward_backward needs its result first
      if (forwardOnly) return { result: forward.then((f) => f.output) };
      const { parts, output } = await forward;
      // ∇ Σ −(−g)·lp = Σ g·∇lp = ∇L: the gradient of the loss through cross_entropy
      const backward = this.send(
        datums,
        "cross_entropy",
        {},
        (_d, i) => ({ weights: parts[i].grad_T.map((g) => -g) }),
        false,
      );
      return { result: backward.then(() => output) };
    }
    const kind = spec.kind === "policy" ? spec.policy : spec.kind;
    const config: Record<string, number> =
      spec.kind === "cross_entropy" || kind === "importance_sampling"
        ? {}
        : {
            clip_low_threshold: (spec as { clipLow: number }).clipLow,
            clip_high_threshold: (spec as { clipHigh: number }).clipHigh,
          };
    const out = this.send(
      datums,
      kind,
      config,
      (d): Record<string, number[]> =>
        kind === "cross_entropy"
          ? { weights: d.weights }
          : {
              // w·ℓ(r, A) = ℓ(r, w·A) for w ≥ 0: the built-ins' advantages carry the weights
              logprobs: d.samplingLogprobs!,
              advantages: d.advantages!.map((a, t) => a * d.weights[t]),
            },
      false,
    );
    return {
      result: out.then((o) => ({
        logprobs: o.logprobs,
        entropy: o.entropy,
        metrics: this.metrics(spec, datums, o.logprobs, o.entropy, o.metrics["loss:sum"]),
      })),
    };
  }

  optimStep(params: AdamParams): Promise<OptimStepOutput> {
    return this.inTurn(async () => ({ result: this.submitOptimStep(params) }));
  }

  private async submitOptimStep(params: AdamParams): Promise<OptimStepOutput> {
    const step = this.http.future(
      "optim_step",
      {
        model_id: this.modelId,
        seq_id: this.nextSeq(),
        adam_params: {
          learning_rate: params.learningRate,
          beta1: params.beta1,
          beta2: params.beta2,
          eps: params.eps,
          weight_decay: params.weightDecay,
          grad_clip_norm: params.gradClipNorm,
        },
      },
      false,
    );
    this.weightsVersion++;
    // pipelined: the weight sync is submitted before the step's result is awaited
    const sync = this.submitSamplerSync();
    const [r] = await Promise.all([step, this.syncSampler(sync)]);
    const metrics: Record<string, number> = {};
    for (const [k, v] of Object.entries((r.metrics as Record<string, number> | undefined) ?? {}))
      if (typeof v === "number") metrics[k] = v;
    return { metrics };
  }

  /** Saves weights and optimizer state on the server; `dir` records where (tinker.json). */
  saveState(dir: string): Promise<void> {
    return this.inTurn(async () => ({ result: this.submitSave(dir) }));
  }

  private async submitSave(dir: string): Promise<void> {
    const name = `rlvr-${Date.now().toString(36)}-${randomInt(2 ** 31).toString(36)}`;
    const r = await this.http.future(
      "save_weights",
      { model_id: this.modelId, seq_id: this.nextSeq(), path: name },
      false,
    );
    if (typeof r.path !== "string") throw new Error("save_weights: no path in the result");
    const record: TinkerCheckpoint = {
      format: "rlvr-tinker-1",
      baseUrl: this.o.baseUrl,
      baseModel: this.o.baseModel,
      modelId: this.modelId,
      statePath: r.path,
    };
    writeFileAtomic(join(dir, TINKER_CHECKPOINT_FILE), `${JSON.stringify(record, null, 2)}\n`);
  }

  /** Loads the weights and optimizer state a checkpoint directory records (load_weights). */
  loadState(dir: string): Promise<void> {
    return this.inTurn(async () => {
      const record = readTinkerCheckpoint(dir);
      if (record.baseModel !== this.o.baseModel)
        throw new Error(
          `${join(dir, TINKER_CHECKPOINT_FILE)}: a checkpoint of ${record.baseModel}, not ${this.o.baseModel}`,
        );
      const load = this.http.future(
        "load_weights",
        { model_id: this.modelId, seq_id: this.nextSeq(), path: record.statePath, optimizer: true },
        false,
      );
      this.weightsVersion++;
      const sync = this.syncSampler(this.submitSamplerSync());
      return { result: Promise.all([load, sync]).then(() => undefined) };
    });
  }

  /** The weights stay on the server: `dir` records their tinker:// path. */
  async saveWeights(dir: string): Promise<void> {
    await this.saveState(dir);
  }
}

export function readTinkerCheckpoint(dir: string): TinkerCheckpoint {
  const file = join(dir, TINKER_CHECKPOINT_FILE);
  let record: TinkerCheckpoint;
  try {
    record = JSON.parse(readFileSync(file, "utf8")) as TinkerCheckpoint;
  } catch (err) {
    throw new Error(
      `${file}: cannot read the Tinker checkpoint record (${(err as Error).message}); was this run trained with engine.kind "tinker"?`,
    );
  }
  if (record.format !== "rlvr-tinker-1" || typeof record.statePath !== "string")
    throw new Error(`${file}: not an rlvr Tinker checkpoint record`);
  return record;
}
