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
