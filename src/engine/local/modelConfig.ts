// The model's dimensions, read from and written to a Hugging Face `config.json` of the Qwen2 or
// Llama family (transformers' Qwen2Config / LlamaConfig keys and defaults).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

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
  /** Bias on the q/k/v projections (always on in Qwen2, `attention_bias` in Llama). */
  attentionBias: boolean;
  modelType: "qwen2" | "llama";
}

const positiveInt = z.number().int().positive();

// Unknown keys (token ids, transformers_version, …) are allowed and ignored.
const HfConfigSchema = z.object({
  model_type: z.enum(["qwen2", "llama"]),
  vocab_size: positiveInt,
  hidden_size: positiveInt,
  intermediate_size: positiveInt,
  num_hidden_layers: positiveInt,
  num_attention_heads: positiveInt,
  num_key_value_heads: positiveInt.optional(),
  head_dim: positiveInt.nullish(),
  rms_norm_eps: z.number().positive().optional(),
  rope_theta: z.number().positive().optional(),
  max_position_embeddings: positiveInt.optional(),
  tie_word_embeddings: z.boolean().optional(),
  attention_bias: z.boolean().optional(),
  hidden_act: z.literal("silu", { error: "only silu is supported" }).optional(),
  rope_scaling: z.null({ error: "rope scaling is not supported" }).optional(),
  use_sliding_window: z.literal(false, { error: "sliding-window attention is not supported" }).optional(),
});

const ARCHITECTURES: Record<ModelConfig["modelType"], string> = {
  qwen2: "Qwen2ForCausalLM",
  llama: "LlamaForCausalLM",
};

/** transformers' default context length per model type when the config omits it. */
const DEFAULT_MAX_POSITIONS: Record<ModelConfig["modelType"], number> = { qwen2: 32768, llama: 2048 };

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
  const fieldError = (field: string, message: string) => new Error(`${file}: field "${field}": ${message}`);
  if (c.num_attention_heads % numKeyValueHeads !== 0) {
    throw fieldError(
      "num_key_value_heads",
      `${numKeyValueHeads} does not divide num_attention_heads ${c.num_attention_heads}`,
    );
  }
  if (c.head_dim == null && c.hidden_size % c.num_attention_heads !== 0) {
    throw fieldError(
      "num_attention_heads",
      `${c.num_attention_heads} does not divide hidden_size ${c.hidden_size} (and no head_dim is given)`,
    );
  }
  const headDim = c.head_dim ?? c.hidden_size / c.num_attention_heads;
  if (headDim % 2 !== 0) throw fieldError("head_dim", `${headDim} must be even for rotary embeddings`);
  return {
    vocabSize: c.vocab_size,
    hiddenSize: c.hidden_size,
    intermediateSize: c.intermediate_size,
    numHiddenLayers: c.num_hidden_layers,
    numAttentionHeads: c.num_attention_heads,
    numKeyValueHeads,
    headDim,
    rmsNormEps: c.rms_norm_eps ?? 1e-6,
    ropeTheta: c.rope_theta ?? 10000,
    maxPositionEmbeddings: c.max_position_embeddings ?? DEFAULT_MAX_POSITIONS[c.model_type],
    tieWordEmbeddings: c.tie_word_embeddings ?? false,
    attentionBias: c.model_type === "qwen2" ? true : (c.attention_bias ?? false),
    modelType: c.model_type,
  };
}

/** The Hugging Face config.json object for `cfg` (float32 weights). */
export function toHfConfig(cfg: ModelConfig): Record<string, unknown> {
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
    torch_dtype: "float32",
  };
  // Written only when it differs from the default, which older transformers' Qwen2 ignores.
  if (cfg.headDim !== cfg.hiddenSize / cfg.numAttentionHeads) out.head_dim = cfg.headDim;
  if (cfg.modelType === "llama") out.attention_bias = cfg.attentionBias;
  else if (!cfg.attentionBias) throw new Error("toHfConfig: a qwen2 model always has attention bias");
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
