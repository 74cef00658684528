// LoRA (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models", §4.1) on the decoder's
// linear layers, as Hugging Face PEFT implements it: y = W x + b + (α/r) · B A x with A [r, in] and
// B [out, r]; A ~ kaiming-uniform(a=√5) = U(−1/√in, 1/√in), B = 0 at init, so training starts at the
// base model. The base weights stay frozen: only A and B are trained. This file holds the adapters'
// names and shapes, their init, the merge W' = W + (α/r)·B·A, and PEFT's on-disk layout
// (adapter_config.json + adapter_model.safetensors, keys "base_model.model.<module>.lora_A.weight").
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../core/atomicFile.js";
import { LORA_TARGET_MODULES, type LoraTargetModule } from "../../core/choices.js";
import { Rng } from "../../core/rng.js";
import type { DType, Graph, Tensor } from "./graph/graph.js";
import * as op from "./graph/ops.js";
import type { Parameters } from "./model.js";
import type { ModelConfig } from "./modelConfig.js";
import { readSafetensors, writeSafetensors } from "./safetensors.js";

export interface LoraSpec {
  /** r, the adapters' rank. */
  rank: number;
  /** α: the update is scaled by α/r. */
  alpha: number;
  /** The linear layers adapted in every decoder layer. */
  targetModules: readonly LoraTargetModule[];
}

/** Whether two adapters have the same rank, α and target modules (in any order). */
export function sameLoraShape(a: LoraSpec, b: LoraSpec): boolean {
  const modules = (l: LoraSpec) => [...l.targetModules].sort().join(",");
  return a.rank === b.rank && a.alpha === b.alpha && modules(a) === modules(b);
}

/** "r 8, alpha 16, q_proj,v_proj", for messages. */
export function describeLora(l: LoraSpec): string {
  return `r ${l.rank}, alpha ${l.alpha}, ${l.targetModules}`;
}

/** What sets a LoRA graph apart in a compiled-graph cache key ("" without LoRA): rank, α, target modules. */
export function loraGraphKey(l: LoraSpec | null | undefined): string {
  return l ? `:lora=${l.rank},${l.alpha},${[...l.targetModules].sort()}` : "";
}

/** The adapters' values by name ("model.layers.N.self_attn.q_proj.lora_A.weight", …). */
export type Adapters = Map<string, Float32Array>;

/** PEFT's scaling of the low-rank update: α/r (LoRA §4.1; PEFT's `scaling` without rsLoRA). */
export function loraScale(lora: LoraSpec): number {
  return lora.alpha / lora.rank;
}

/** The HF module path of a target in layer l: "model.layers.l.self_attn.q_proj" or "model.layers.l.mlp.up_proj". */
export function modulePath(layer: number, module: LoraTargetModule): string {
  const mlp = module === "gate_proj" || module === "up_proj" || module === "down_proj";
  return `model.layers.${layer}.${mlp ? "mlp" : "self_attn"}.${module}`;
}

/** [out, in] of a target's base weight. */
function linearShape(cfg: ModelConfig, module: LoraTargetModule): [number, number] {
  const D = cfg.hiddenSize;
  const qDim = cfg.numAttentionHeads * cfg.headDim;
  const kvDim = cfg.numKeyValueHeads * cfg.headDim;
  const I = cfg.intermediateSize;
  switch (module) {
    case "q_proj":
      return [qDim, D];
    case "k_proj":
    case "v_proj":
      return [kvDim, D];
    case "o_proj":
      return [D, qDim];
    case "gate_proj":
    case "up_proj":
      return [I, D];
    case "down_proj":
      return [D, I];
  }
}

/** Adapter names and shapes: lora_A [r, in] and lora_B [out, r] for every target of every layer. */
export function adapterShapes(cfg: ModelConfig, lora: LoraSpec): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  for (let l = 0; l < cfg.numHiddenLayers; l++) {
    for (const m of lora.targetModules) {
      const [out, inp] = linearShape(cfg, m);
      shapes.set(`${modulePath(l, m)}.lora_A.weight`, [lora.rank, inp]);
      shapes.set(`${modulePath(l, m)}.lora_B.weight`, [out, lora.rank]);
    }
  }
  return shapes;
}

// ---- dropout on the adapters' input (PEFT's lora_dropout), in training passes only ----

/** The graph input holding a target's dropout mask: "dropout:model.layers.l.<module path>". */
export function dropoutMaskName(layer: number, module: LoraTargetModule): string {
  return `dropout:${modulePath(layer, module)}`;
}

/** The dropout masks' names and shapes for N tokens: [N, in] for every target of every layer. */
export function dropoutMaskShapes(cfg: ModelConfig, lora: LoraSpec, N: number): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  for (let l = 0; l < cfg.numHiddenLayers; l++)
    for (const m of lora.targetModules) shapes.set(dropoutMaskName(l, m), [N, linearShape(cfg, m)[1]]);
  return shapes;
}

/**
 * Inverted dropout with a given keep mask (bool, x's shape): x/(1−p) where kept, 0 elsewhere (torch's
 * nn.Dropout in training mode, which PEFT applies to the adapters' input only: y = Wx + b + (α/r)·B·A·drop(x)).
 */
export function applyDropout(x: Tensor, keep: Tensor, p: number): Tensor {
  return op.where(keep, op.mul(x, 1 / (1 - p)), x.graph.scalar(0, x.dtype));
}

/**
 * Keep masks (1 = kept, probability 1 − p each, independent per target as PEFT's one nn.Dropout per
 * layer) for every dropoutMaskShapes entry, drawn in that order from `rng`.
 */
export function drawDropoutMasks(
  cfg: ModelConfig,
  lora: LoraSpec,
  N: number,
  p: number,
  rng: Rng,
): Map<string, Uint8Array> {
  // a draw of 32 bits below (1 − p)·2³² keeps its element
  const threshold = (1 - p) * 2 ** 32;
  const masks = new Map<string, Uint8Array>();
  for (const [name, [n, inp]] of dropoutMaskShapes(cfg, lora, N)) {
    const keep = new Uint8Array(n * inp);
    for (let i = 0; i < keep.length; i++) keep[i] = rng.nextU32() < threshold ? 1 : 0;
    masks.set(name, keep);
  }
  return masks;
}

/** Checks a dropout probability: in [0, 1). */
export function checkDropout(p: number, where: string): void {
  if (!(p >= 0 && p < 1)) throw new Error(`${where}: LoRA dropout must be in [0, 1), got ${p}`);
}

/** Checks a LoRA spec; `where` names the source in errors. */
export function checkLoraSpec(lora: LoraSpec, where: string): void {
  if (!Number.isInteger(lora.rank) || lora.rank < 1)
    throw new Error(`${where}: LoRA rank must be a positive integer, got ${lora.rank}`);
  if (!Number.isFinite(lora.alpha) || lora.alpha <= 0)
    throw new Error(`${where}: LoRA alpha must be > 0, got ${lora.alpha}`);
  if (lora.targetModules.length === 0) throw new Error(`${where}: LoRA target modules are empty`);
  for (const m of lora.targetModules) {
    if (!(LORA_TARGET_MODULES as readonly string[]).includes(m))
      throw new Error(
        `${where}: unknown LoRA target module "${m}" (one of ${LORA_TARGET_MODULES.join(", ")})`,
      );
  }
}

/**
 * Fresh adapters as PEFT's init_lora_weights=True: A ~ kaiming_uniform_(a=√5), whose bound is
 * gain·√(3/fan_in) with gain = √(2/(1+a²)) = √(1/3), i.e. U(−1/√in, 1/√in); B = 0.
 */
export function initAdapters(cfg: ModelConfig, lora: LoraSpec, seed: number): Adapters {
  const rng = new Rng(seed);
  const out: Adapters = new Map();
  for (const [name, shape] of adapterShapes(cfg, lora)) {
    const data = new Float32Array(shape[0] * shape[1]);
    if (name.endsWith("lora_A.weight")) {
      const bound = 1 / Math.sqrt(shape[1]);
      for (let i = 0; i < data.length; i++) data[i] = (rng.next() * 2 - 1) * bound;
    }
    out.set(name, data);
  }
  return out;
}

/** Declares every adapter as a graph input of `dtype`. */
export function declareAdapters(
  g: Graph,
  cfg: ModelConfig,
  lora: LoraSpec,
  dtype: DType = "float32",
): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [name, shape] of adapterShapes(cfg, lora)) out.set(name, g.input(name, shape, dtype));
  return out;
}

/** Checks that `adapters` has exactly the spec's adapters with their sizes. */
export function checkAdapters(
  cfg: ModelConfig,
  lora: LoraSpec,
  adapters: ReadonlyMap<string, Float32Array>,
  where: string,
) {
  const shapes = adapterShapes(cfg, lora);
  for (const [name, shape] of shapes) {
    const a = adapters.get(name);
    if (!a) throw new Error(`${where}: missing adapter "${name}" (shape [${shape}])`);
    if (a.length !== shape[0] * shape[1])
      throw new Error(`${where}: adapter "${name}" has ${a.length} values, expected [${shape}]`);
  }
  for (const name of adapters.keys())
    if (!shapes.has(name)) throw new Error(`${where}: adapter "${name}" is not one of this LoRA's`);
}

/**
 * The full weights with every adapter merged in: W' = W + (α/r)·B·A for each target (float64 sums,
 * rounded once); the other tensors are the base's own arrays (not copied).
 */
export function mergeAdapters(
  cfg: ModelConfig,
  base: ReadonlyMap<string, Float32Array>,
  lora: LoraSpec,
  adapters: ReadonlyMap<string, Float32Array>,
): Parameters {
  checkAdapters(cfg, lora, adapters, "mergeAdapters");
  const scale = loraScale(lora);
  const r = lora.rank;
  const merged: Parameters = new Map(base);
  for (let l = 0; l < cfg.numHiddenLayers; l++) {
    for (const m of lora.targetModules) {
      const path = modulePath(l, m);
      const w = base.get(`${path}.weight`);
      if (!w) throw new Error(`mergeAdapters: missing base weight "${path}.weight"`);
      const A = adapters.get(`${path}.lora_A.weight`)!;
      const B = adapters.get(`${path}.lora_B.weight`)!;
      const [out, inp] = linearShape(cfg, m);
      const result = new Float32Array(w.length);
      const row = new Float64Array(inp);
      for (let o = 0; o < out; o++) {
        row.fill(0);
        for (let k = 0; k < r; k++) {
          const b = B[o * r + k];
          if (b === 0) continue;
          const aRow = k * inp;
          for (let i = 0; i < inp; i++) row[i] += b * A[aRow + i];
        }
        for (let i = 0; i < inp; i++) result[o * inp + i] = w[o * inp + i] + scale * row[i];
      }
      merged.set(`${path}.weight`, result);
    }
  }
  return merged;
}

// ---- PEFT layout ----

const PEFT_PREFIX = "base_model.model.";
export const ADAPTER_CONFIG = "adapter_config.json";
export const ADAPTER_WEIGHTS = "adapter_model.safetensors";

/** Whether `dir` holds a PEFT adapter (adapter_config.json). */
export function isAdapterDirectory(dir: string): boolean {
  return existsSync(join(dir, ADAPTER_CONFIG));
}

/** Writes adapter_config.json and adapter_model.safetensors (PEFT's names and fields) into `dir`. */
export function saveAdapter(
  dir: string,
  cfg: ModelConfig,
  lora: LoraSpec & { dropout: number },
  adapters: ReadonlyMap<string, Float32Array>,
  baseModel: string,
): void {
  checkAdapters(cfg, lora, adapters, "saveAdapter");
  const shapes = adapterShapes(cfg, lora);
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, shape] of shapes)
    tensors.set(`${PEFT_PREFIX}${name}`, { shape, data: adapters.get(name)! });
  writeSafetensors(join(dir, ADAPTER_WEIGHTS), tensors, { format: "pt" });
  const config = {
    peft_type: "LORA",
    task_type: "CAUSAL_LM",
    base_model_name_or_path: baseModel,
    r: lora.rank,
    lora_alpha: lora.alpha,
    lora_dropout: lora.dropout,
    target_modules: [...lora.targetModules],
    bias: "none",
    fan_in_fan_out: false,
    use_rslora: false,
    use_dora: false,
    modules_to_save: null,
    layers_to_transform: null,
    rank_pattern: {},
    alpha_pattern: {},
    init_lora_weights: true,
    inference_mode: true,
  };
  writeFileAtomic(join(dir, ADAPTER_CONFIG), `${JSON.stringify(config, null, 2)}\n`);
}

export interface LoadedAdapter {
  lora: LoraSpec & { dropout: number };
  adapters: Adapters;
  baseModel: string;
}

/**
 * Reads a PEFT LoRA adapter for `cfg`'s model. PEFT options this engine does not implement (rsLoRA,
 * DoRA, biases, per-module ranks, modules_to_save, a regex target) are refused by name.
 */
export function loadAdapter(dir: string, cfg: ModelConfig): LoadedAdapter {
  const file = join(dir, ADAPTER_CONFIG);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`${file}: cannot read the adapter config (${(err as Error).message})`);
  }
  const bad = (field: string, why: string): never => {
    throw new Error(`${file}: ${field} = ${JSON.stringify(raw[field])}: ${why}`);
  };
  if (raw.peft_type !== "LORA") bad("peft_type", 'only "LORA" adapters are supported');
  const rank = raw.r;
  if (typeof rank !== "number" || !Number.isInteger(rank) || rank < 1)
    bad("r", "expected a positive integer");
  const alpha = raw.lora_alpha ?? 8; // PEFT's LoraConfig default
  if (typeof alpha !== "number" || !(alpha > 0)) bad("lora_alpha", "expected a number > 0");
  const dropout = raw.lora_dropout ?? 0;
  if (typeof dropout !== "number" || dropout < 0 || dropout >= 1)
    bad("lora_dropout", "expected a number in [0, 1)");
  const targets = raw.target_modules;
  if (!Array.isArray(targets) || targets.length === 0)
    bad("target_modules", `expected a list of module names (${LORA_TARGET_MODULES.join(", ")})`);
  for (const m of targets as unknown[]) {
    if (!(LORA_TARGET_MODULES as readonly unknown[]).includes(m))
      bad("target_modules", `"${String(m)}" is not one of ${LORA_TARGET_MODULES.join(", ")}`);
  }
  const unsupported: [string, (v: unknown) => boolean][] = [
    ["use_rslora", (v) => v === true],
    ["use_dora", (v) => v === true],
    ["fan_in_fan_out", (v) => v === true],
    ["bias", (v) => v !== undefined && v !== "none"],
    ["modules_to_save", (v) => v !== undefined && v !== null],
    ["layers_to_transform", (v) => v !== undefined && v !== null],
    ["rank_pattern", (v) => v !== undefined && v !== null && Object.keys(v as object).length > 0],
    ["alpha_pattern", (v) => v !== undefined && v !== null && Object.keys(v as object).length > 0],
  ];
  for (const [field, used] of unsupported)
    if (used(raw[field])) bad(field, "not supported by the local engine");
  const lora = {
    rank: rank as number,
    alpha: alpha as number,
    dropout: dropout as number,
    targetModules: [...new Set(targets as LoraTargetModule[])],
  };
  const weightsFile = join(dir, ADAPTER_WEIGHTS);
  const adapters: Adapters = new Map();
  const shapes = adapterShapes(cfg, lora);
  for (const [key, t] of readSafetensors(weightsFile)) {
    // PEFT keeps the adapter name out of saved keys ("lora_A.weight", not "lora_A.default.weight")
    const name = key.startsWith(PEFT_PREFIX) ? key.slice(PEFT_PREFIX.length) : key;
    const shape = shapes.get(name);
    if (!shape) throw new Error(`${weightsFile}: tensor "${key}" is not an adapter of this model and config`);
    if (t.shape.length !== 2 || t.shape[0] !== shape[0] || t.shape[1] !== shape[1])
      throw new Error(`${weightsFile}: tensor "${key}" has shape [${t.shape}], expected [${shape}]`);
    adapters.set(name, t.data);
  }
  checkAdapters(cfg, lora, adapters, weightsFile);
  const baseModel = typeof raw.base_model_name_or_path === "string" ? raw.base_model_name_or_path : "";
  return { lora, adapters, baseModel };
}
