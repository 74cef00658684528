// The model's dimensions, read from and written to a Hugging Face `config.json` of the Qwen2, Qwen3 or
// Llama family (transformers' Qwen2Config / Qwen3Config / LlamaConfig keys and defaults): Qwen3's
// per-head q/k RMSNorm, Llama 3's rotary frequency scaling (`rope_scaling`), and sliding-window
// attention where a config enables it. What the engine cannot run is refused, naming the field.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

/** Rotary frequency scaling (transformers' ROPE_INIT_FUNCTIONS: "linear" and "llama3"). */
export type RopeScaling =
  | { type: "linear"; factor: number }
  | {
      type: "llama3";
      factor: number;
      lowFreqFactor: number;
      highFreqFactor: number;
      originalMaxPositionEmbeddings: number;
    };

export interface ModelConfig {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  numKeyValueHeads: number;
  headDim: number;
  rmsNormEps: number;
  ropeTheta: number;
  maxPositionEmbeddings: number;
  tieWordEmbeddings: boolean;
  /**
   * Bias on the q/k/v projections (always on in Qwen2; `attention_bias` in Llama and Qwen3, where
   * it also puts a bias on o_proj).
   */
  attentionBias: boolean;
  modelType: "qwen2" | "qwen3" | "llama";
  /** Qwen3: RMSNorm over each head of q and k (weights q_norm, k_norm [headDim]) before RoPE. */
  qkNorm?: boolean;
  /** Scaled rotary frequencies; absent = plain RoPE. */
  ropeScaling?: RopeScaling;
  /** Sliding-window attention: in `layers`, a query sees only the `size` latest positions (itself included). */
  slidingWindow?: { size: number; layers: number[] };
}

const positiveInt = z.number().int().positive();
const positive = z.number().positive();

// Unknown keys (token ids, transformers_version, …) are allowed and ignored; keys that change the
// computation are either understood here or refused.
const HfConfigSchema = z.object({
  model_type: z.enum(["qwen2", "qwen3", "llama"]),
  vocab_size: positiveInt,
  hidden_size: positiveInt,
  intermediate_size: positiveInt,
  num_hidden_layers: positiveInt,
  num_attention_heads: positiveInt,
  num_key_value_heads: positiveInt.optional(),
  head_dim: positiveInt.nullish(),
  rms_norm_eps: positive.optional(),
  rope_theta: positive.optional(),
  max_position_embeddings: positiveInt.optional(),
  tie_word_embeddings: z.boolean().optional(),
  attention_bias: z.boolean().optional(),
  hidden_act: z.literal("silu", { error: "only silu is supported" }).optional(),
  mlp_bias: z.literal(false, { error: "MLP biases are not supported" }).optional(),
  rope_scaling: z.record(z.string(), z.unknown()).nullish(),
  // transformers ≥ 4.56 writes rope_theta and the scaling together here
  rope_parameters: z.record(z.string(), z.unknown()).nullish(),
  use_sliding_window: z.boolean().optional(),
  sliding_window: positiveInt.nullish(),
  max_window_layers: z.number().int().min(0).optional(),
  layer_types: z.array(z.enum(["full_attention", "sliding_attention"])).optional(),
});

type HfConfig = z.infer<typeof HfConfigSchema>;

const ARCHITECTURES: Record<ModelConfig["modelType"], string> = {
  qwen2: "Qwen2ForCausalLM",
  qwen3: "Qwen3ForCausalLM",
  llama: "LlamaForCausalLM",
};

/** transformers' default context length per model type when the config omits it. */
const DEFAULT_MAX_POSITIONS: Record<ModelConfig["modelType"], number> = {
  qwen2: 32768,
  qwen3: 32768,
  llama: 2048,
};

/** Qwen2Config / Qwen3Config defaults of the sliding-window fields. */
const DEFAULT_SLIDING_WINDOW = 4096;
const DEFAULT_MAX_WINDOW_LAYERS = 28;

type FieldError = (field: string, message: string) => Error;

/** rope_scaling (or rope_parameters) → RopeScaling; "default" and null are plain RoPE. */
function parseRopeScaling(
  raw: Record<string, unknown>,
  field: string,
  fail: FieldError,
): RopeScaling | undefined {
  const typeKey = raw.rope_type !== undefined ? "rope_type" : "type";
  const type = raw[typeKey] ?? "default";
  const num = (key: string, check: (x: number) => boolean = (x) => x > 0): number => {
    const v = raw[key];
    if (typeof v !== "number" || !check(v)) {
      throw fail(
        `${field}.${key}`,
        `must be a positive number for rope type "${type}", got ${JSON.stringify(v)}`,
      );
    }
    return v;
  };
  switch (type) {
    case "default":
      return undefined;
    case "linear":
      return { type: "linear", factor: num("factor") };
    case "llama3": {
      const scaling: RopeScaling = {
        type: "llama3",
        factor: num("factor"),
        lowFreqFactor: num("low_freq_factor"),
        highFreqFactor: num("high_freq_factor"),
        originalMaxPositionEmbeddings: num(
          "original_max_position_embeddings",
          (x) => Number.isInteger(x) && x > 0,
        ),
      };
      if (scaling.highFreqFactor <= scaling.lowFreqFactor) {
        throw fail(
          `${field}.high_freq_factor`,
          `${scaling.highFreqFactor} must exceed low_freq_factor ${scaling.lowFreqFactor}`,
        );
      }
      return scaling;
    }
    default:
      throw fail(
        `${field}.${typeKey}`,
        `rope scaling type ${JSON.stringify(type)} is not supported (supported: default, linear, llama3)`,
      );
  }
}

/** Which layers attend through a sliding window (transformers' Qwen2Config.layer_types); undefined = none. */
function parseSlidingWindow(c: HfConfig, fail: FieldError): ModelConfig["slidingWindow"] {
  if (c.model_type === "llama") {
    if (c.use_sliding_window)
      throw fail("use_sliding_window", "Llama models have no sliding-window attention");
    return undefined;
  }
  // Qwen2Config: sliding_window = sliding_window if use_sliding_window else None
  if (!c.use_sliding_window) return undefined;
  const size = c.sliding_window === undefined ? DEFAULT_SLIDING_WINDOW : c.sliding_window;
  if (size === null) return undefined;
  let layers: number[];
  if (c.layer_types) {
    if (c.layer_types.length !== c.num_hidden_layers) {
      throw fail("layer_types", `has ${c.layer_types.length} entries for ${c.num_hidden_layers} layers`);
    }
    layers = c.layer_types.flatMap((t, i) => (t === "sliding_attention" ? [i] : []));
  } else {
    // the first max_window_layers layers attend fully, the rest through the window
    const first = c.max_window_layers ?? DEFAULT_MAX_WINDOW_LAYERS;
    layers = Array.from({ length: c.num_hidden_layers }, (_, i) => i).filter((i) => i >= first);
  }
  return layers.length > 0 ? { size, layers } : undefined;
}

/** Validates a parsed config.json; errors name `file` and the offending field. */
export function parseHfConfig(json: unknown, file: string): ModelConfig {
  const parsed = HfConfigSchema.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const field = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
      return `field "${field}": ${issue.message}`;
    });
    throw new Error(`${file}: invalid model config: ${lines.join("; ")}`);
  }
  const c = parsed.data;
  const numKeyValueHeads = c.num_key_value_heads ?? c.num_attention_heads;
  const fieldError: FieldError = (field, message) => new Error(`${file}: field "${field}": ${message}`);
  if (c.num_attention_heads % numKeyValueHeads !== 0) {
    throw fieldError(
      "num_key_value_heads",
      `${numKeyValueHeads} does not divide num_attention_heads ${c.num_attention_heads}`,
    );
  }
  // Qwen3Config's head_dim defaults to 128; the others' to hidden_size / num_attention_heads
  const defaultHeadDim = c.model_type === "qwen3" ? 128 : undefined;
  if (c.head_dim == null && defaultHeadDim === undefined && c.hidden_size % c.num_attention_heads !== 0) {
    throw fieldError(
      "num_attention_heads",
      `${c.num_attention_heads} does not divide hidden_size ${c.hidden_size} (and no head_dim is given)`,
    );
  }
  const headDim = c.head_dim ?? defaultHeadDim ?? c.hidden_size / c.num_attention_heads;
  if (headDim % 2 !== 0) throw fieldError("head_dim", `${headDim} must be even for rotary embeddings`);
  if (c.rope_scaling && c.rope_parameters) {
    throw fieldError("rope_parameters", "give either rope_scaling or rope_parameters, not both");
  }
  let ropeTheta = c.rope_theta ?? 10000;
  let ropeScaling: RopeScaling | undefined;
  if (c.rope_parameters) {
    const theta = c.rope_parameters.rope_theta;
    if (theta !== undefined) {
      if (typeof theta !== "number" || !(theta > 0))
        throw fieldError(
          "rope_parameters.rope_theta",
          `must be a positive number, got ${JSON.stringify(theta)}`,
        );
      ropeTheta = theta;
    }
    ropeScaling = parseRopeScaling(c.rope_parameters, "rope_parameters", fieldError);
  } else if (c.rope_scaling) {
    ropeScaling = parseRopeScaling(c.rope_scaling, "rope_scaling", fieldError);
  }
  const slidingWindow = parseSlidingWindow(c, fieldError);
  const cfg: ModelConfig = {
    vocabSize: c.vocab_size,
    hiddenSize: c.hidden_size,
    intermediateSize: c.intermediate_size,
    numHiddenLayers: c.num_hidden_layers,
    numAttentionHeads: c.num_attention_heads,
    numKeyValueHeads,
    headDim,
    rmsNormEps: c.rms_norm_eps ?? 1e-6,
    ropeTheta,
    maxPositionEmbeddings: c.max_position_embeddings ?? DEFAULT_MAX_POSITIONS[c.model_type],
    tieWordEmbeddings: c.tie_word_embeddings ?? false,
    attentionBias: c.model_type === "qwen2" ? true : (c.attention_bias ?? false),
    modelType: c.model_type,
  };
  if (c.model_type === "qwen3") cfg.qkNorm = true;
  if (ropeScaling) cfg.ropeScaling = ropeScaling;
  if (slidingWindow) cfg.slidingWindow = slidingWindow;
  return cfg;
}

/** The Hugging Face config.json object for `cfg`, with weights stored as `torchDtype`. */
export function toHfConfig(
  cfg: ModelConfig,
  torchDtype: "float32" | "bfloat16" = "float32",
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    architectures: [ARCHITECTURES[cfg.modelType]],
    model_type: cfg.modelType,
    vocab_size: cfg.vocabSize,
    hidden_size: cfg.hiddenSize,
    intermediate_size: cfg.intermediateSize,
    num_hidden_layers: cfg.numHiddenLayers,
    num_attention_heads: cfg.numAttentionHeads,
    num_key_value_heads: cfg.numKeyValueHeads,
    rms_norm_eps: cfg.rmsNormEps,
    rope_theta: cfg.ropeTheta,
    max_position_embeddings: cfg.maxPositionEmbeddings,
    tie_word_embeddings: cfg.tieWordEmbeddings,
    hidden_act: "silu",
    torch_dtype: torchDtype,
  };
  // Written only when it differs from the default, which older transformers' Qwen2 ignores (Qwen3's
  // default is 128, so it is always written there).
  if (cfg.modelType === "qwen3" || cfg.headDim !== cfg.hiddenSize / cfg.numAttentionHeads) {
    out.head_dim = cfg.headDim;
  }
  if (cfg.modelType === "qwen2") {
    if (!cfg.attentionBias) throw new Error("toHfConfig: a qwen2 model always has attention bias");
  } else out.attention_bias = cfg.attentionBias;
  if ((cfg.qkNorm ?? false) !== (cfg.modelType === "qwen3")) {
    throw new Error(`toHfConfig: q/k norms come with qwen3 and only there (model type ${cfg.modelType})`);
  }
  const rs = cfg.ropeScaling;
  if (rs?.type === "linear") out.rope_scaling = { rope_type: "linear", factor: rs.factor };
  else if (rs?.type === "llama3") {
    out.rope_scaling = {
      rope_type: "llama3",
      factor: rs.factor,
      low_freq_factor: rs.lowFreqFactor,
      high_freq_factor: rs.highFreqFactor,
      original_max_position_embeddings: rs.originalMaxPositionEmbeddings,
    };
  }
  const sw = cfg.slidingWindow;
  if (sw) {
    if (cfg.modelType === "llama") throw new Error("toHfConfig: a llama model has no sliding window");
    out.use_sliding_window = true;
    out.sliding_window = sw.size;
    out.layer_types = Array.from({ length: cfg.numHiddenLayers }, (_, i) =>
      sw.layers.includes(i) ? "sliding_attention" : "full_attention",
    );
    // what older transformers read instead of layer_types: exact when the window layers are the last ones
    const first = Math.min(...sw.layers);
    if (sw.layers.length === cfg.numHiddenLayers - first) out.max_window_layers = first;
  }
  return out;
}

/** Reads and validates `dir/config.json`. */
export function loadModelConfig(dir: string): ModelConfig {
  const file = join(dir, "config.json");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`${file}: cannot read model config (${(err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  return parseHfConfig(json, file);
}

/** Whether layer `l` attends through the sliding window. */
export function usesSlidingWindow(cfg: ModelConfig, l: number): boolean {
  return cfg.slidingWindow?.layers.includes(l) ?? false;
}
