// The one place that turns an engine config into engines: the policy that samples and trains, and the
// frozen reference policy the KL term needs. Everything above this layer sees only TrainingEngine.
// A new engine kind (Tinker, OpenAI-compatible) is a case here and a schema in run/config.ts.
import type { EngineKind, SaveDtype } from "../core/choices.js";
import { LocalEngine } from "./local/localEngine.js";
import { describeLora, isAdapterDirectory, type LoraSpec, loadAdapter, sameLoraShape } from "./local/lora.js";
import { loadCheckpoint } from "./local/model.js";
import { scriptedEngine } from "./scriptedEngine.js";
import { OpenAiEngine } from "./openai/openaiEngine.js";
import { TinkerEngine } from "./tinker/tinkerEngine.js";
import { TINKER_LORA_ALPHA } from "./tinker/loraConfig.js";
import type { Tokenizer } from "./tokenizer/types.js";
import type { SamplingEngine, TrainingEngine } from "./types.js";

/** An engine config (the config's `engine` section). */
export type EngineSpec =
  | { kind: "local"; threads?: number; saveDtype?: SaveDtype; maxShardBytes?: number }
  | { kind: "scripted"; completions: readonly string[]; logprob: number }
  | { kind: "tinker"; baseUrl: string; baseModel: string }
  | { kind: "openai"; baseUrl: string; servedModel: string };

// A kind in core/choices.ts without a spec here (or the reverse) does not compile.
const KINDS_MATCH: [EngineSpec["kind"]] extends [EngineKind]
  ? [EngineKind] extends [EngineSpec["kind"]]
    ? true
    : never
  : never = true;
void KINDS_MATCH;

export interface Engines {
  policy: TrainingEngine;
  /** The frozen reference policy (the model's own weights), when asked for. */
  reference?: TrainingEngine;
  close(): Promise<void>;
}

export interface OpenEnginesOptions {
  /** The model directory: the reference weights, and the policy's unless `weightsDir` is given. */
  modelDir: string;
  tokenizer: Tokenizer;
  /** Where the policy's weights come from instead (a checkpoint). */
  weightsDir?: string;
  /** Open a frozen reference policy too. */
  reference: boolean;
  /**
   * Train LoRA adapters on the model's frozen weights (the config's `lora` section; local engine, and the Tinker
   * engine asks the server for them).
   * A `weightsDir` holding a PEFT adapter (a LoRA run's checkpoint) is read as base model + adapter
   * even without this.
   */
  lora?: LoraSettings;
  /** Seed of fresh LoRA adapters. */
  seed?: number;
  /** Give the policy a value head (PPO's critic). Default false. */
  valueHead?: boolean;
}

/** The config's lora section. */
export type LoraSettings = LoraSpec & { dropout: number };

/**
 * The policy and reference of a LoRA run: the model's weights, frozen, with adapters (fresh, or a
 * checkpoint's); the reference is the same weights without the adapters (shared, not loaded twice).
 */
function openLoraEngines(
  o: OpenEnginesOptions,
  local: { intraOpNumThreads?: number; saveDtype?: SaveDtype; maxShardBytes?: number },
  lora: LoraSettings | undefined,
): Engines {
  const { config, params } = loadCheckpoint(o.modelDir);
  const saved = o.weightsDir ? loadAdapter(o.weightsDir, config) : undefined;
  if (lora && saved && !sameLoraShape(lora, saved.lora))
    throw new Error(
      `${o.weightsDir}: its adapter (${describeLora(saved.lora)}) is not the config's lora (${describeLora(lora)})`,
    );
  const spec = lora ?? saved!.lora;
  const policy = new LocalEngine(config, params, {
    ...local,
    name: o.weightsDir ?? o.modelDir,
    seed: o.seed,
    valueHead: o.valueHead,
    lora: {
      ...spec,
      targetModules: [...spec.targetModules],
      adapters: saved?.adapters,
      baseModel: saved?.baseModel || o.modelDir,
    },
  });
  return enginePair(policy, o.reference ? policy.frozenBase() : undefined);
}

/** A policy and its optional reference, closed together. */
function enginePair<E extends TrainingEngine & { close(): Promise<void> }>(
  policy: E,
  reference: E | undefined,
): Engines {
  return {
    policy,
    reference,
    close: async () => {
      await policy.close();
      await reference?.close();
    },
  };
}

/** An engine that samples only (evaluation): any kind; the OpenAI-compatible one exists only as this. */
export async function openSamplingEngine(
  spec: EngineSpec,
  o: Omit<OpenEnginesOptions, "reference">,
): Promise<{ engine: SamplingEngine; close(): Promise<void> }> {
  if (spec.kind === "openai") {
    if (o.weightsDir)
      throw new Error(
        "engine.kind openai: the server holds the weights; give --model the served name, not a checkpoint",
      );
    return {
      engine: new OpenAiEngine({ baseUrl: spec.baseUrl, model: spec.servedModel, tokenizer: o.tokenizer }),
      close: async () => {},
    };
  }
  const engines = await openEngines(spec, { ...o, reference: false });
  return { engine: engines.policy, close: () => engines.close() };
}

export async function openEngines(spec: EngineSpec, o: OpenEnginesOptions): Promise<Engines> {
  switch (spec.kind) {
    case "openai":
      throw new Error(
        'engine.kind "openai" only samples (rlvr eval --engine openai); training needs engine.kind local, scripted or tinker',
      );
    case "local": {
      const options = {
        intraOpNumThreads: spec.threads,
        saveDtype: spec.saveDtype,
        maxShardBytes: spec.maxShardBytes,
      };
      if (o.lora || (o.weightsDir && isAdapterDirectory(o.weightsDir)))
        return openLoraEngines(o, options, o.lora);
      const policy = LocalEngine.fromDirectory(o.weightsDir ?? o.modelDir, {
        ...options,
        valueHead: o.valueHead,
      });
      return enginePair(policy, o.reference ? LocalEngine.fromDirectory(o.modelDir, options) : undefined);
    }
    case "scripted": {
      if (o.lora)
        throw new Error("lora: the scripted engine has no weights to adapt (use engine.kind local)");
      // Completion j of every prompt is completions[j mod length]: independent of batching and order.
      const script = (_prompt: string, n: number) =>
        Array.from({ length: n }, (_, j) => spec.completions[j % spec.completions.length]);
      const make = () =>
        scriptedEngine(o.tokenizer, script, {
          referenceLogprob: spec.logprob,
          samplingLogprob: spec.logprob,
        }).engine;
      return { policy: make(), reference: o.reference ? make() : undefined, close: async () => {} };
    }
    case "tinker": {
      // the policy, from a checkpoint's tinker:// weights when weightsDir is given; the reference is an
      // untrained model of the same base (its forward passes give the reference log-probs)
      // Tinker trains LoRA adapters only: the config's lora (rank, layers, the run's seed for the adapters'
      // init), else a checkpoint's, else Tinker's default rank 32 on every layer; α is the server's (loraConfig.ts)
      if (o.lora && o.lora.alpha !== TINKER_LORA_ALPHA)
        throw new Error(
          `lora.alpha ${o.lora.alpha}: the Tinker API has no α (SkyRL and rlvr serve use ${TINKER_LORA_ALPHA}); set lora.alpha ${TINKER_LORA_ALPHA} with engine.kind tinker`,
        );
      const options = {
        ...spec,
        loraRank: o.lora?.rank,
        loraTargetModules: o.lora?.targetModules,
        loraSeed: o.seed,
        vocabSize: o.tokenizer.vocabSize,
      };
      const policy = await TinkerEngine.open(options, o.weightsDir);
      return enginePair(policy, o.reference ? await TinkerEngine.open(options) : undefined);
    }
  }
}
