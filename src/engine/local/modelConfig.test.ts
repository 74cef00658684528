import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadModelConfig, type ModelConfig, parseHfConfig, toHfConfig } from "./modelConfig.js";

const FIXTURE_DIR = new URL("../../../test-data/tiny-qwen2", import.meta.url).pathname;
const fixtureJson = () => JSON.parse(readFileSync(join(FIXTURE_DIR, "config.json"), "utf8"));

test("loads the tiny-qwen2 config", () => {
  const expected: ModelConfig = {
    vocabSize: 96,
    hiddenSize: 64,
    intermediateSize: 128,
    numHiddenLayers: 2,
    numAttentionHeads: 4,
    numKeyValueHeads: 2,
    headDim: 16,
    rmsNormEps: 1e-6,
    ropeTheta: 10000,
    maxPositionEmbeddings: 64,
    tieWordEmbeddings: false,
    attentionBias: true,
    modelType: "qwen2",
  };
  assert.deepEqual(loadModelConfig(FIXTURE_DIR), expected);
});

test("toHfConfig round-trips and writes the Hugging Face keys", () => {
  const cfg = loadModelConfig(FIXTURE_DIR);
  const hf = toHfConfig(cfg);
  assert.deepEqual(hf.architectures, ["Qwen2ForCausalLM"]);
  assert.equal(hf.torch_dtype, "float32");
  assert.equal(hf.num_key_value_heads, 2);
  assert.equal(hf.head_dim, undefined, "default head_dim is left implicit");
  assert.deepEqual(parseHfConfig(hf, "x"), cfg);
  // The fixture's own keys are reproduced.
  const original = fixtureJson();
  for (const [k, v] of Object.entries(original)) assert.deepEqual(hf[k], v, k);

  const llama: ModelConfig = {
    ...cfg,
    modelType: "llama",
    attentionBias: false,
    headDim: 32,
    tieWordEmbeddings: true,
  };
  const hfLlama = toHfConfig(llama);
  assert.deepEqual(hfLlama.architectures, ["LlamaForCausalLM"]);
  assert.equal(hfLlama.head_dim, 32);
  assert.equal(hfLlama.attention_bias, false);
  assert.deepEqual(parseHfConfig(hfLlama, "x"), llama);
});

test("llama: attention_bias defaults to false, head_dim and kv heads default from the other fields", () => {
  const base = {
    model_type: "llama",
    vocab_size: 100,
    hidden_size: 64,
    intermediate_size: 128,
    num_hidden_layers: 1,
    num_attention_heads: 8,
  };
  const cfg = parseHfConfig(base, "llama.json");
  assert.equal(cfg.attentionBias, false);
  assert.equal(cfg.headDim, 8);
  assert.equal(cfg.numKeyValueHeads, 8);
  assert.equal(cfg.maxPositionEmbeddings, 2048);
  assert.equal(cfg.tieWordEmbeddings, false);
  assert.equal(parseHfConfig({ ...base, attention_bias: true }, "l").attentionBias, true);
  assert.equal(parseHfConfig({ ...base, head_dim: 16 }, "l").headDim, 16);
  assert.equal(parseHfConfig({ ...base, head_dim: null }, "l").headDim, 8);
  // Qwen2 always has q/k/v bias, whatever attention_bias says.
  assert.equal(parseHfConfig({ ...fixtureJson(), attention_bias: false }, "q").attentionBias, true);
});

test("invalid configs name the file and the field", () => {
  const bad = (patch: Record<string, unknown>) => ({ ...fixtureJson(), ...patch });
  assert.throws(
    () => parseHfConfig(bad({ hidden_size: "64" }), "a/config.json"),
    /a\/config\.json.*"hidden_size"/,
  );
  assert.throws(() => parseHfConfig(bad({ vocab_size: -1 }), "c.json"), /c\.json.*"vocab_size"/);
  assert.throws(() => parseHfConfig(bad({ model_type: "gpt2" }), "c.json"), /c\.json.*"model_type"/);
  const missing = fixtureJson();
  delete missing.num_hidden_layers;
  assert.throws(() => parseHfConfig(missing, "c.json"), /c\.json.*"num_hidden_layers"/);
  assert.throws(
    () => parseHfConfig(bad({ num_key_value_heads: 3 }), "c.json"),
    /c\.json.*"num_key_value_heads"/,
  );
  assert.throws(
    () => parseHfConfig(bad({ num_attention_heads: 6 }), "c.json"),
    /c\.json.*"num_attention_heads"/,
  );
  assert.throws(() => parseHfConfig(bad({ hidden_act: "gelu" }), "c.json"), /"hidden_act".*silu/);
  assert.throws(
    () => parseHfConfig(bad({ rope_scaling: { type: "yarn" } }), "c.json"),
    /c\.json: field "rope_scaling\.type": rope scaling type "yarn" is not supported/,
  );
  assert.throws(() => parseHfConfig([], "c.json"), /c\.json/);
});

test("loadModelConfig reports a missing or malformed file by name", () => {
  const dir = mkdtempSync(join(tmpdir(), "cfg-"));
  try {
    assert.throws(() => loadModelConfig(dir), /config\.json.*cannot read/);
    writeFileSync(join(dir, "config.json"), "{ not json");
    assert.throws(() => loadModelConfig(dir), /config\.json.*not valid JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const QWEN3_BASE = {
  model_type: "qwen3",
  vocab_size: 100,
  hidden_size: 64,
  intermediate_size: 128,
  num_hidden_layers: 4,
  num_attention_heads: 8,
  num_key_value_heads: 4,
};

test("qwen3: q/k norms, head_dim (default 128), no attention bias unless asked; round-trips", () => {
  const cfg = parseHfConfig({ ...QWEN3_BASE, head_dim: 16 }, "q3.json");
  assert.equal(cfg.modelType, "qwen3");
  assert.equal(cfg.qkNorm, true);
  assert.equal(cfg.headDim, 16);
  assert.equal(cfg.attentionBias, false);
  assert.equal(cfg.maxPositionEmbeddings, 32768);
  assert.equal(parseHfConfig(QWEN3_BASE, "q3.json").headDim, 128, "Qwen3Config's default head_dim");
  assert.equal(parseHfConfig({ ...QWEN3_BASE, attention_bias: true }, "q3.json").attentionBias, true);
  const hf = toHfConfig(cfg);
  assert.deepEqual(hf.architectures, ["Qwen3ForCausalLM"]);
  assert.equal(hf.head_dim, 16);
  assert.equal(hf.attention_bias, false);
  assert.deepEqual(parseHfConfig(hf, "x"), cfg);
  assert.equal(toHfConfig(cfg, "bfloat16").torch_dtype, "bfloat16");
});

test("llama 3 rope_scaling (rope_type or type, or transformers 5's rope_parameters) is read; other types are refused by name", () => {
  // Llama-3.2-1B's config.json (the fields that matter here)
  const llama32 = {
    model_type: "llama",
    vocab_size: 128256,
    hidden_size: 2048,
    intermediate_size: 8192,
    num_hidden_layers: 16,
    num_attention_heads: 32,
    num_key_value_heads: 8,
    head_dim: 64,
    max_position_embeddings: 131072,
    rope_theta: 500000.0,
    rope_scaling: {
      factor: 32.0,
      high_freq_factor: 4.0,
      low_freq_factor: 1.0,
      original_max_position_embeddings: 8192,
      rope_type: "llama3",
    },
    tie_word_embeddings: true,
    attention_bias: false,
    mlp_bias: false,
  };
  const cfg = parseHfConfig(llama32, "l.json");
  const scaling = {
    type: "llama3",
    factor: 32,
    lowFreqFactor: 1,
    highFreqFactor: 4,
    originalMaxPositionEmbeddings: 8192,
  };
  assert.deepEqual(cfg.ropeScaling, scaling);
  assert.equal(cfg.ropeTheta, 500000);
  assert.deepEqual(parseHfConfig(toHfConfig(cfg), "x"), cfg);
  const { rope_type: _, ...withoutRopeType } = llama32.rope_scaling;
  assert.deepEqual(
    parseHfConfig({ ...llama32, rope_scaling: { ...withoutRopeType, type: "llama3" } }, "l").ropeScaling,
    scaling,
  );
  const { rope_theta: __, rope_scaling: ___, ...bare } = llama32;
  const v5 = parseHfConfig(
    { ...bare, rope_parameters: { ...llama32.rope_scaling, rope_theta: 500000 } },
    "l",
  );
  assert.deepEqual([v5.ropeScaling, v5.ropeTheta], [scaling, 500000]);
  assert.equal(
    parseHfConfig({ ...llama32, rope_scaling: { rope_type: "default" } }, "l").ropeScaling,
    undefined,
  );
  assert.deepEqual(
    parseHfConfig({ ...llama32, rope_scaling: { type: "linear", factor: 2 } }, "l").ropeScaling,
    {
      type: "linear",
      factor: 2,
    },
  );
  assert.throws(
    () => parseHfConfig({ ...llama32, rope_scaling: { rope_type: "yarn", factor: 4 } }, "l.json"),
    /l\.json: field "rope_scaling\.rope_type": rope scaling type "yarn" is not supported/,
  );
  assert.throws(
    () => parseHfConfig({ ...llama32, rope_scaling: { rope_type: "llama3", factor: 8 } }, "l.json"),
    /l\.json: field "rope_scaling\.low_freq_factor": must be a positive number/,
  );
  assert.throws(
    () => parseHfConfig({ ...llama32, mlp_bias: true }, "l.json"),
    /l\.json.*"mlp_bias".*not supported/,
  );
});

test("sliding window: only where use_sliding_window is on; layers from max_window_layers or layer_types", () => {
  assert.equal(
    parseHfConfig({ ...QWEN3_BASE, sliding_window: 8, max_window_layers: 1 }, "q").slidingWindow,
    undefined,
  );
  const on = parseHfConfig(
    { ...QWEN3_BASE, use_sliding_window: true, sliding_window: 8, max_window_layers: 1 },
    "q",
  );
  assert.deepEqual(on.slidingWindow, { size: 8, layers: [1, 2, 3] });
  assert.deepEqual(parseHfConfig(toHfConfig(on), "x"), on);
  // Qwen2Config's defaults: window 4096 from layer 28 on (none of these 4 layers)
  assert.equal(parseHfConfig({ ...QWEN3_BASE, use_sliding_window: true }, "q").slidingWindow, undefined);
  const typed = parseHfConfig(
    {
      ...QWEN3_BASE,
      use_sliding_window: true,
      sliding_window: 8,
      layer_types: ["sliding_attention", "full_attention", "sliding_attention", "full_attention"],
    },
    "q",
  );
  assert.deepEqual(typed.slidingWindow, { size: 8, layers: [0, 2] });
  assert.deepEqual(parseHfConfig(toHfConfig(typed), "x"), typed);
  assert.throws(
    () =>
      parseHfConfig({ ...QWEN3_BASE, use_sliding_window: true, layer_types: ["full_attention"] }, "q.json"),
    /q\.json: field "layer_types": has 1 entries for 4 layers/,
  );
  assert.throws(
    () => parseHfConfig({ ...QWEN3_BASE, model_type: "llama", use_sliding_window: true }, "l.json"),
    /l\.json: field "use_sliding_window"/,
  );
});
