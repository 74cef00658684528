// What `rlvr serve`'s Tinker API does, apart from HTTP: sessions, training models (one LocalEngine each:
// a LoRA adapter of the asked rank on the served weights, shared and frozen, with α 32 on the attention
// and/or MLP layers (engine/tinker/loraConfig.ts); rank 0 fine-tunes every weight), their requests in
// seq_id order, futures, tinker:// checkpoints on disk (a LoRA model's are PEFT adapters), and sampling
// sessions (the base model, a snapshot of a training model's weights, or saved sampler weights) whose
// requests are batched.
import { createHash, randomInt, randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { writeFileAtomic } from "../core/atomicFile.js";
import { join } from "node:path";
import { writeDirAtomic } from "../core/atomicFile.js";
import { LocalEngine, type LocalLoraOptions } from "../engine/local/localEngine.js";
import {
  describeLora,
  isAdapterDirectory,
  loadAdapter,
  sameLoraShape,
  saveAdapter,
} from "../engine/local/lora.js";
import { loraTargetModules, TINKER_LORA_ALPHA } from "../engine/tinker/loraConfig.js";
import { loadCheckpoint } from "../engine/local/model.js";
import type { SessionCache } from "../engine/local/graph/runtime.js";
import type { Tokenizer } from "../engine/tokenizer/types.js";
import type { AdamParams, SampledSequence } from "../engine/types.js";
import {
  encodeForwardBackwardOutput,
  encodeSampleResponse,
  type ForwardBackwardRequestMsg,
} from "../engine/tinker/wire.js";
import { type FutureResult, FutureStore, UserError } from "./futureStore.js";
import { SamplingBatcher } from "./samplingBatcher.js";
import { SeqQueue } from "./seqQueue.js";
import { cutAtStopStrings, singleTokenStops } from "./stopStrings.js";
import { engineDatums, lossSpecOf } from "./tinkerLosses.js";

export interface TinkerServiceOptions {
  /** The served model's directory (Hugging Face layout). */
  modelDir: string;
  /** The name clients give as base_model (the directory's path is accepted too). */
  modelName: string;
  tokenizer: Tokenizer;
  /** Where tinker:// checkpoints are written. */
  checkpointDir: string;
  /** Compiled graphs shared by every engine of the model (keys tell LoRA shapes apart). */
  sessions: SessionCache;
  futures?: FutureStore;
  /** Weight snapshots kept per training model for sampling (older ones are dropped). Default 4. */
  keepSnapshots?: number;
  /** A session without a heartbeat for this long is ended and its models unloaded. Default 15 min. */
  sessionTimeoutMs?: number;
}

interface TrainingModel {
  id: string;
  sessionId: string;
  engine: LocalEngine;
  queue: SeqQueue;
  /** The adapter's rank (0: every weight trains). */
  loraRank: number;
  snapshots: string[];
}

interface Sampler {
  batcher: SamplingBatcher;
  modelPath?: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** tinker://<model_id>/(weights|sampler_weights)/<name> */
function parseTinkerPath(path: unknown): {
  modelId: string;
  kind: "weights" | "sampler_weights";
  name: string;
} {
  const m =
    typeof path === "string" ? /^tinker:\/\/([^/]+)\/(weights|sampler_weights)\/([^/]+)$/.exec(path) : null;
  if (!m || !NAME.test(m[1]) || !NAME.test(m[3]))
    throw new UserError(
      `path ${JSON.stringify(path)}: expected tinker://<model_id>/weights/<name> or tinker://<model_id>/sampler_weights/<name>`,
    );
  return { modelId: m[1], kind: m[2] as "weights" | "sampler_weights", name: m[3] };
}

// A JSON field check that names the field (malformed requests are the client's fault).
function field<T>(
  body: Record<string, unknown>,
  name: string,
  check: (v: unknown) => v is T,
  what: string,
): T {
  const v = body[name];
  if (!check(v)) throw new UserError(`${name}: expected ${what}, got ${JSON.stringify(v) ?? "nothing"}`);
  return v;
}
const isString = (v: unknown): v is string => typeof v === "string" && v.length > 0;
const isInt = (v: unknown): v is number => Number.isInteger(v);
const optional =
  <T>(check: (v: unknown) => v is T) =>
  (v: unknown): v is T | undefined =>
    v === undefined || v === null || check(v);
const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isBool = (v: unknown): v is boolean => typeof v === "boolean";
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The tokens of a JSON ModelInput {chunks: [{type: "encoded_text", tokens}]}. */
export function modelInputTokens(v: unknown, name: string): number[] {
  if (!isObject(v) || !Array.isArray(v.chunks)) throw new UserError(`${name}: expected {chunks: [...]}`);
  const out: number[] = [];
  v.chunks.forEach((c, i) => {
    if (!isObject(c) || (c.type !== undefined && c.type !== "encoded_text") || !Array.isArray(c.tokens))
      throw new UserError(`${name}.chunks[${i}]: only encoded_text chunks {tokens: [...]} are supported`);
    for (const t of c.tokens) {
      if (!Number.isInteger(t))
        throw new UserError(`${name}.chunks[${i}].tokens: ${JSON.stringify(t)} is not a token id`);
      out.push(t as number);
    }
  });
  return out;
}

export class TinkerService {
  readonly futures: FutureStore;
  private readonly sessionsSeen = new Map<string, number>();
  private readonly models = new Map<string, TrainingModel>();
  private readonly samplers = new Map<string, Sampler>();
  private readonly base: LocalEngine;
  private readonly baseSampler: SamplingBatcher;
  private readonly keepSnapshots: number;

  constructor(private readonly o: TinkerServiceOptions) {
    this.futures = o.futures ?? new FutureStore();
    this.base = LocalEngine.fromDirectory(o.modelDir, { sessions: o.sessions, name: o.modelName });
    this.baseSampler = new SamplingBatcher(this.base);
    this.keepSnapshots = o.keepSnapshots ?? 4;
    this.sweep = setInterval(() => void this.expireSessions(), 60_000);
    this.sweep.unref();
  }

  private readonly sweep: NodeJS.Timeout;

  get baseEngine(): LocalEngine {
    return this.base;
  }

  /** The batcher of the base model, for the OpenAI routes. */
  get baseBatcher(): SamplingBatcher {
    return this.baseSampler;
  }

  private checkBaseModel(name: unknown): void {
    if (name !== this.o.modelName && name !== this.o.modelDir)
      throw new UserError(`base_model ${JSON.stringify(name)}: this server serves "${this.o.modelName}"`);
  }

  capabilities(): unknown {
    return {
      supported_models: [
        { model_name: this.o.modelName, max_context_length: this.base.info.maxSequenceLength },
      ],
      // rlvr's own field (the SDK ignores fields it does not know): sampling runs the training engine's
      // numerics on the trained weights, so a sample's log-probs at temperature 1 are the training pass's
      // (to float rounding), and rlvr's client may skip the forward pass of a two-pass loss on-policy
      sampling_logprobs_are_training_logprobs: true,
    };
  }

  createSession(_body: Record<string, unknown>): unknown {
    const id = randomUUID();
    this.sessionsSeen.set(id, Date.now());
    return { type: "create_session", session_id: id };
  }

  heartbeat(body: Record<string, unknown>): unknown {
    const id = field(body, "session_id", isString, "a session id");
    this.sessionsSeen.set(id, Date.now());
    return { type: "session_heartbeat" };
  }

  private model(body: Record<string, unknown>): TrainingModel {
    const id = field(body, "model_id", isString, "a model id");
    const m = this.models.get(id);
    if (!m)
      throw new NotFound(
        `model ${id} is not on this server (created before the server restarted? a training run continues from its last tinker:// checkpoint with --resume)`,
      );
    return m;
  }

  /** An engine of the served weights (shared, frozen) with LoRA adapters (given, or fresh from `seed`). */
  private loraEngine(lora: LocalLoraOptions, name: string, seed?: number): LocalEngine {
    // one graph cache for all: its keys tell LoRA shapes apart (lora.ts loraGraphKey)
    return new LocalEngine(this.base.config, new Map(this.base.parameters()), {
      sessions: this.o.sessions,
      name,
      seed,
      lora,
    });
  }

  createModel(body: Record<string, unknown>): unknown {
    const sessionId = field(body, "session_id", isString, "a session id");
    this.sessionsSeen.set(sessionId, Date.now());
    this.checkBaseModel(body.base_model);
    const lora = body.lora_config ?? {};
    if (!isObject(lora) || !optional(isInt)(lora.rank) || (lora.rank ?? 0) < 0)
      throw new UserError("lora_config: expected {rank: integer ≥ 0, ...}");
    const seed = field(lora, "seed", optional(isInt), "an integer");
    for (const k of ["train_attn", "train_mlp", "train_unembed"])
      field(lora, k, optional(isBool), "true or false");
    const rank = (lora.rank as number | undefined) ?? 0;
    const targetModules = loraTargetModules(lora);
    if (rank > 0 && targetModules.length === 0)
      throw new UserError(
        "lora_config: train_attn and train_mlp are both false; rlvr serve adapts the attention and MLP layers (not the unembedding)",
      );
    const id = randomUUID();
    // what weights_info tells a client that loads this model's checkpoints (after a restart too); the
    // unembedding is never adapted (train_unembed is accepted and reported false)
    const meta = {
      base_model: this.o.modelName,
      lora_rank: rank,
      ...(rank > 0
        ? { train_attn: lora.train_attn !== false, train_mlp: lora.train_mlp !== false, train_unembed: false }
        : {}),
    };
    writeFileAtomic(join(this.o.checkpointDir, id, "model.json"), `${JSON.stringify(meta)}\n`);
    const engine =
      rank > 0
        ? this.loraEngine(
            { rank, alpha: TINKER_LORA_ALPHA, targetModules, dropout: 0, baseModel: this.o.modelName },
            id,
            seed ?? randomInt(2 ** 31),
          )
        : LocalEngine.fromDirectory(this.o.modelDir, { sessions: this.o.sessions, name: id });
    this.models.set(id, { id, sessionId, engine, queue: new SeqQueue(), loraRank: rank, snapshots: [] });
    return {
      request_id: this.futures.submit(
        Promise.resolve({ kind: "json", body: { type: "create_model", model_id: id } }),
      ),
      model_id: id,
    };
  }

  /**
   * Ends the sessions whose last heartbeat is older than the timeout: their training models and weight
   * snapshots are unloaded (their tinker:// checkpoints stay on disk). Runs every minute.
   */
  async expireSessions(now = Date.now()): Promise<string[]> {
    const timeout = this.o.sessionTimeoutMs ?? 15 * 60_000;
    const ended = [...this.sessionsSeen].filter(([, t]) => now - t > timeout).map(([id]) => id);
    for (const id of ended) this.sessionsSeen.delete(id);
    for (const m of [...this.models.values()]) {
      if (!ended.includes(m.sessionId)) continue;
      this.models.delete(m.id);
      for (const s of m.snapshots) this.samplers.delete(s);
      await m.engine.close();
    }
    return ended;
  }

  weightsInfo(body: Record<string, unknown>): unknown {
    const p = parseTinkerPath(body.tinker_path);
    const file = join(this.o.checkpointDir, p.modelId, "model.json");
    if (!existsSync(file)) throw new NotFound(`no checkpoints of model ${p.modelId} on this server`);
    const meta = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    // what the checkpoint holds: an adapter (LoRA) or the whole weights (rank 0)
    const dir = this.checkpointPath(p.modelId, p.kind, p.name);
    const isLora = existsSync(dir) ? isAdapterDirectory(dir) : Number(meta.lora_rank) > 0;
    return isLora
      ? { ...meta, is_lora: true }
      : { base_model: meta.base_model, is_lora: false, lora_rank: 0 };
  }

  getInfo(body: Record<string, unknown>): unknown {
    const m = this.model(body);
    return {
      type: "get_info",
      model_id: m.id,
      model_data: { arch: "qwen2", model_name: this.o.modelName, tokenizer_id: this.o.modelDir },
      is_lora: m.loraRank > 0,
      lora_rank: m.loraRank,
      model_name: this.o.modelName,
    };
  }

  unloadModel(body: Record<string, unknown>): unknown {
    const m = this.model(body);
    this.models.delete(m.id);
    for (const s of m.snapshots) this.samplers.delete(s);
    return {
      request_id: this.futures.submit(
        m.engine.close().then(() => ({ kind: "json", body: { type: "unload_model", model_id: m.id } })),
      ),
    };
  }

  /** Queues a training request of model `m` as seq_id `seq` (idempotent on the same payload). */
  private queued(m: TrainingModel, seq: unknown, digest: string, work: () => Promise<FutureResult>): unknown {
    if (seq !== undefined && seq !== null && !isInt(seq))
      throw new UserError(`seq_id: expected an integer, got ${JSON.stringify(seq)}`);
    const requestId = m.queue.submit(seq ?? undefined, digest, work, (p) => this.futures.submit(p));
    return { request_id: requestId, model_id: m.id };
  }

  forwardBackward(msg: ForwardBackwardRequestMsg, rawBytes: Uint8Array): unknown {
    const m = this.model({ model_id: msg.modelId });
    const spec = lossSpecOf(msg.lossFn, msg.lossFnConfig);
    const datums = engineDatums(msg.data, spec);
    const digest = createHash("sha256").update(rawBytes).digest("hex");
    return this.queued(m, msg.seqId === 0 ? undefined : msg.seqId, digest, async () => {
      const out = msg.forwardOnly
        ? await m.engine.forward(datums, spec)
        : await m.engine.forwardBackward(datums, spec);
      return {
        kind: "proto",
        bytes: encodeForwardBackwardOutput({
          lossFnOutputType: "ArrayRecord",
          outputs: out.logprobs.map((lp, i) => ({
            logprobs: lp,
            ...(out.entropy ? { entropy: out.entropy[i] } : {}),
          })),
          metrics: out.metrics,
        }),
      };
    });
  }

  optimStep(body: Record<string, unknown>): unknown {
    const m = this.model(body);
    const a = field(body, "adam_params", isObject, "an object");
    const num = (k: string, d: number) => {
      const v = a[k] ?? d;
      if (!isNum(v)) throw new UserError(`adam_params.${k}: expected a number, got ${JSON.stringify(v)}`);
      return v;
    };
    const adam: AdamParams = {
      learningRate: num("learning_rate", 1e-4),
      beta1: num("beta1", 0.9),
      beta2: num("beta2", 0.95),
      eps: num("eps", 1e-12),
      weightDecay: num("weight_decay", 0),
      gradClipNorm: num("grad_clip_norm", 0),
    };
    return this.queued(m, body.seq_id, JSON.stringify(["optim", adam]), async () => {
      const out = await m.engine.optimStep(adam);
      return { kind: "json", body: { type: "optim_step", metrics: out.metrics } };
    });
  }

  private checkpointPath(modelId: string, kind: "weights" | "sampler_weights", name: string): string {
    return join(this.o.checkpointDir, modelId, kind, name);
  }

  saveWeights(body: Record<string, unknown>): unknown {
    const m = this.model(body);
    const name = field(body, "path", isString, "a checkpoint name");
    if (!NAME.test(name))
      throw new UserError(`path ${JSON.stringify(name)}: a name of letters, digits, '.', '_' and '-'`);
    return this.queued(m, body.seq_id, JSON.stringify(["save", name]), async () => {
      await m.engine.saveState(this.checkpointPath(m.id, "weights", name));
      return { kind: "json", body: { type: "save_weights", path: `tinker://${m.id}/weights/${name}` } };
    });
  }

  saveWeightsForSampler(body: Record<string, unknown>): unknown {
    const m = this.model(body);
    const name = field(body, "path", optional(isString), "a checkpoint name");
    const samplingSeq = field(body, "sampling_session_seq_id", optional(isInt), "an integer");
    if (name === undefined && samplingSeq === undefined)
      throw new UserError("save_weights_for_sampler: give path or sampling_session_seq_id");
    if (name !== undefined && !NAME.test(name))
      throw new UserError(`path ${JSON.stringify(name)}: a name of letters, digits, '.', '_' and '-'`);
    return this.queued(m, body.seq_id, JSON.stringify(["sampler", name, samplingSeq]), async () => {
      const adapted = m.engine.loraAdapters();
      if (name !== undefined) {
        const dir = this.checkpointPath(m.id, "sampler_weights", name);
        // a LoRA model's sampler weights are its adapter (PEFT layout), sampled on the served weights
        if (adapted)
          await writeDirAtomic(dir, (tmp) =>
            saveAdapter(tmp, m.engine.config, adapted.lora, adapted.adapters, this.o.modelName),
          );
        else await m.engine.saveWeights(dir);
        return {
          kind: "json",
          body: { type: "save_weights_for_sampler", path: `tinker://${m.id}/sampler_weights/${name}` },
        };
      }
      // an in-memory snapshot of the weights as they are now (the next requests of the model wait for
      // it): of the adapters only under LoRA (the served weights do not change)
      const copy = (from: ReadonlyMap<string, Float32Array>) =>
        new Map([...from].map(([k, v]) => [k, Float32Array.from(v)]));
      const snapshot = adapted
        ? this.loraEngine({ ...adapted.lora, adapters: copy(adapted.adapters) }, m.id)
        : new LocalEngine(m.engine.config, copy(m.engine.parameters()), {
            sessions: this.o.sessions,
            name: m.id,
          });
      const id = randomUUID();
      this.samplers.set(id, { batcher: new SamplingBatcher(snapshot) });
      m.snapshots.push(id);
      while (m.snapshots.length > this.keepSnapshots) this.samplers.delete(m.snapshots.shift()!);
      return { kind: "json", body: { type: "save_weights_for_sampler", sampling_session_id: id } };
    });
  }

  loadWeights(body: Record<string, unknown>): unknown {
    const m = this.model(body);
    const p = parseTinkerPath(body.path);
    const withOptimizer = field(body, "optimizer", optional(isBool), "true or false") ?? false;
    if (p.kind !== "weights")
      throw new UserError(`load_weights: ${body.path} holds sampler weights; give a .../weights/... path`);
    const dir = this.checkpointPath(p.modelId, p.kind, p.name);
    if (!existsSync(join(dir, "state.json")))
      throw new UserError(`load_weights: no checkpoint at ${body.path}`);
    const adapted = m.engine.loraAdapters();
    const saved = isAdapterDirectory(dir) ? loadAdapter(dir, m.engine.config) : null;
    if (adapted && !saved)
      throw new UserError(
        `load_weights: ${body.path} holds whole weights; model ${m.id} trains a LoRA adapter`,
      );
    if (!adapted && saved)
      throw new UserError(
        `load_weights: ${body.path} holds a LoRA adapter; model ${m.id} trains every weight`,
      );
    if (adapted && saved && !sameLoraShape(adapted.lora, saved.lora))
      throw new UserError(
        `load_weights: ${body.path} holds an adapter of ${describeLora(saved.lora)}, model ${m.id} one of ${describeLora(adapted.lora)}`,
      );
    return this.queued(m, body.seq_id, JSON.stringify(["load", body.path, withOptimizer]), async () => {
      if (withOptimizer) await m.engine.loadState(dir);
      else if (adapted && saved) {
        // in place: the optimizer and the sampler hold these arrays
        for (const [k, v] of adapted.adapters) v.set(saved.adapters.get(k)!);
      } else {
        const { params } = loadCheckpoint(dir);
        for (const [k, v] of m.engine.parameters()) v.set(params.get(k)!);
      }
      return { kind: "json", body: { type: "load_weights", path: body.path, model_id: m.id } };
    });
  }

  createSamplingSession(body: Record<string, unknown>): unknown {
    field(body, "session_id", isString, "a session id");
    const modelPath = field(body, "model_path", optional(isString), "a tinker:// path");
    let batcher: SamplingBatcher;
    if (modelPath !== undefined) batcher = this.savedSampler(modelPath);
    else {
      this.checkBaseModel(body.base_model);
      batcher = this.baseSampler;
    }
    const id = randomUUID();
    this.samplers.set(id, { batcher, modelPath });
    return { type: "create_sampling_session", sampling_session_id: id };
  }

  getSampler(id: string): unknown {
    const s = this.samplers.get(id);
    if (!s) throw new NotFound(`sampler ${id} is not on this server`);
    return { sampler_id: id, base_model: this.o.modelName, model_path: s.modelPath ?? null };
  }

  private readonly saved = new Map<string, SamplingBatcher>();

  /** The batcher of saved weights (sampler or training weights) at a tinker:// path. */
  savedSampler(path: string): SamplingBatcher {
    const p = parseTinkerPath(path);
    const dir = this.checkpointPath(p.modelId, p.kind, p.name);
    const adapter = isAdapterDirectory(dir);
    if (!adapter && !existsSync(join(dir, "config.json"))) throw new UserError(`no weights at ${path}`);
    let b = this.saved.get(dir);
    if (!b) {
      // an adapter samples on the served weights, as the model that saved it did
      const saved = adapter ? loadAdapter(dir, this.base.config) : null;
      b = new SamplingBatcher(
        saved
          ? this.loraEngine({ ...saved.lora, adapters: saved.adapters }, path)
          : LocalEngine.fromDirectory(dir, { sessions: this.o.sessions, name: path }),
      );
      this.saved.set(dir, b);
    }
    return b;
  }

  /** The sampler a sample request names: a sampling session, a tinker:// path, or the base model. */
  private samplerOf(body: Record<string, unknown>): { batcher: SamplingBatcher; engine?: LocalEngine } {
    if (body.sampling_session_id !== undefined && body.sampling_session_id !== null) {
      const id = field(body, "sampling_session_id", isString, "a sampling session id");
      const s = this.samplers.get(id);
      if (!s)
        throw new UserError(
          `sampling session ${id} is not on this server: expired (only the newest ${this.keepSnapshots} weight snapshots of a model are kept), or created before the server restarted (a training run continues with --resume)`,
        );
      return { batcher: s.batcher };
    }
    if (isString(body.model_path)) return { batcher: this.savedSampler(body.model_path) };
    this.checkBaseModel(body.base_model);
    return { batcher: this.baseSampler };
  }

  sample(body: Record<string, unknown>): unknown {
    const { batcher } = this.samplerOf(body);
    const prompt = modelInputTokens(body.prompt, "prompt");
    const n = field(body, "num_samples", optional(isInt), "an integer") ?? 1;
    if (n < 1) throw new UserError(`num_samples: expected ≥ 1, got ${n}`);
    const sp = field(body, "sampling_params", isObject, "an object");
    const maxTokens = field(sp, "max_tokens", isInt, "an integer (rlvr serve needs max_tokens)");
    const seed = field(sp, "seed", optional(isInt), "an integer");
    const temperature = field(sp, "temperature", optional(isNum), "a number") ?? 1;
    const topK = field(sp, "top_k", optional(isInt), "an integer") ?? -1;
    const topP = field(sp, "top_p", optional(isNum), "a number") ?? 1;
    const stop = sp.stop;
    let stopTokens: number[] = [];
    let stopStrings: string[] = [];
    if (typeof stop === "string") stopStrings = [stop];
    else if (Array.isArray(stop) && stop.every((s) => typeof s === "string")) stopStrings = stop as string[];
    else if (Array.isArray(stop) && stop.every((s) => Number.isInteger(s))) stopTokens = stop as number[];
    else if (stop !== undefined && stop !== null)
      throw new UserError(
        "sampling_params.stop: expected a string, a list of strings or a list of token ids",
      );
    stopTokens = [...stopTokens, ...singleTokenStops(this.o.tokenizer, stopStrings)];
    const promptLogprobs = field(body, "prompt_logprobs", optional(isBool), "true or false") ?? false;
    if (prompt.length === 0) throw new UserError("prompt: no tokens");
    const work = async (): Promise<FutureResult> => {
      const params = { maxTokens, temperature, topK, topP, stopTokens };
      const seqs = await batcher.sample(prompt, n, params, seed ?? randomInt(2 ** 31)).catch((e: unknown) => {
        throw new UserError((e as Error).message);
      });
      const cut: SampledSequence[] = seqs.map((s) => cutAtStopStrings(s, this.o.tokenizer, stopStrings).seq);
      let promptLps: (number | null)[] | undefined;
      if (promptLogprobs) {
        const engine = batcher.engine;
        promptLps = prompt.length < 2 ? [null] : [null, ...(await engine.computeLogprobs([prompt]))[0]];
      }
      return {
        kind: "proto",
        bytes: encodeSampleResponse({
          sequences: cut.map((s) => ({ tokens: s.tokens, logprobs: s.logprobs, stopReason: s.stopReason })),
          promptLogprobs: promptLps,
        }),
      };
    };
    return { request_id: this.futures.submit(work()) };
  }

  async close(): Promise<void> {
    clearInterval(this.sweep);
    for (const m of this.models.values()) await m.engine.close();
    await this.base.close();
  }
}

/** A name the server does not know (404, fatal to a Tinker client). */
export class NotFound extends Error {}
