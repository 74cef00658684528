import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { parseGenerationConfig, readGenerationConfig, samplingDefaults } from "./generationConfig.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-gencfg-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

// Qwen2.5-7B-Instruct's generation_config.json
const QWEN_INSTRUCT = {
  bos_token_id: 151643,
  pad_token_id: 151643,
  do_sample: true,
  eos_token_id: [151645, 151643],
  repetition_penalty: 1.05,
  temperature: 0.7,
  top_p: 0.8,
  top_k: 20,
  transformers_version: "4.37.0",
};

test("an instruct model's sampling defaults and eos ids; a base model (no do_sample) is greedy", () => {
  const gen = parseGenerationConfig(QWEN_INSTRUCT, "g.json");
  assert.deepEqual(gen, {
    doSample: true,
    temperature: 0.7,
    topP: 0.8,
    topK: 20,
    eosTokenIds: [151645, 151643],
  });
  assert.deepEqual(samplingDefaults(gen), { temperature: 0.7, topK: 20, topP: 0.8 });
  // Qwen2.5-7B (base): {"bos_token_id": 151643, "do_sample": false, "eos_token_id": 151643, "max_new_tokens": 2048}
  const base = parseGenerationConfig(
    { do_sample: false, eos_token_id: 151643, max_new_tokens: 2048 },
    "g.json",
  );
  assert.deepEqual(base.eosTokenIds, [151643]);
  assert.deepEqual(samplingDefaults(base), { temperature: 0, topK: -1, topP: 1 });
  assert.deepEqual(samplingDefaults(null), { temperature: 0, topK: -1, topP: 1 });
  // do_sample alone: transformers' defaults temperature 1, top_k 50, top_p 1
  assert.deepEqual(samplingDefaults(parseGenerationConfig({ do_sample: true }, "g")), {
    temperature: 1,
    topK: 50,
    topP: 1,
  });
});

test("read from a model directory when present; bad values name the file and field", () => {
  assert.equal(readGenerationConfig(tmp), null);
  writeFileSync(join(tmp, "generation_config.json"), JSON.stringify(QWEN_INSTRUCT));
  assert.deepEqual(readGenerationConfig(tmp)?.eosTokenIds, [151645, 151643]);
  writeFileSync(join(tmp, "generation_config.json"), JSON.stringify({ top_p: 1.5 }));
  assert.throws(
    () => readGenerationConfig(tmp),
    /generation_config\.json: invalid generation config: field "top_p"/,
  );
  writeFileSync(join(tmp, "generation_config.json"), JSON.stringify({ eos_token_id: ["x"] }));
  assert.throws(() => readGenerationConfig(tmp), /field "eos_token_id/);
  writeFileSync(join(tmp, "generation_config.json"), "{");
  assert.throws(() => readGenerationConfig(tmp), /generation_config\.json: not valid JSON/);
});
