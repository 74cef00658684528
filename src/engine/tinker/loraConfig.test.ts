import assert from "node:assert/strict";
import { test } from "node:test";
import { LORA_TARGET_MODULES } from "../../core/choices.js";
import { loraTargetModules, tinkerLoraConfig } from "./loraConfig.js";

test("whole attention and MLP groups map to train_attn / train_mlp and back; never the unembedding", () => {
  assert.deepEqual(tinkerLoraConfig(8, LORA_TARGET_MODULES, 5), {
    rank: 8,
    seed: 5,
    train_attn: true,
    train_mlp: true,
    train_unembed: false,
  });
  const mlpOnly = tinkerLoraConfig(4, ["down_proj", "gate_proj", "up_proj"]);
  assert.deepEqual(mlpOnly, { rank: 4, train_attn: false, train_mlp: true, train_unembed: false });
  assert.deepEqual(loraTargetModules(mlpOnly), ["gate_proj", "up_proj", "down_proj"]);
  // the SDK's defaults (absent = true)
  assert.deepEqual(loraTargetModules({}), [...LORA_TARGET_MODULES]);
});

test("a part of a group cannot be asked of a Tinker server", () => {
  assert.throws(() => tinkerLoraConfig(8, ["q_proj", "v_proj"]), /whole groups/);
  assert.throws(() => tinkerLoraConfig(8, []), /whole groups/);
});
