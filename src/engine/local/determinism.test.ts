// Same inputs, same gradients, bit for bit, with several threads: what makes a seeded run reproducible.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../core/rng.js";
import type { Datum } from "../types.js";
import { LocalEngine } from "./localEngine.js";
import type { ModelConfig } from "./modelConfig.js";

const CONFIG: ModelConfig = {
  modelType: "qwen2",
  vocabSize: 100,
  hiddenSize: 64,
  intermediateSize: 128,
  numHiddenLayers: 1,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  headDim: 16,
  rmsNormEps: 1e-6,
  ropeTheta: 10000,
  maxPositionEmbeddings: 128,
  tieWordEmbeddings: true,
  attentionBias: true,
};

function batch(): Datum[] {
  const rng = new Rng(1);
  return Array.from({ length: 64 }, () => {
    const seq = Array.from({ length: 80 }, () => rng.int(0, 99));
    const n = seq.length - 1;
    return {
      inputTokens: seq.slice(0, -1),
      targetTokens: seq.slice(1),
      weights: new Array(n).fill(1 / (64 * n)),
      samplingLogprobs: new Array(n).fill(-4.6),
      advantages: Array.from({ length: n }, () => rng.normal()),
    };
  });
}

async function gradients(): Promise<Float32Array[]> {
  const engine = LocalEngine.fromConfig(CONFIG, 7, { intraOpNumThreads: 2 });
  await engine.forwardBackward(batch(), { kind: "ppo", clipLow: 0.8, clipHigh: 1.2 });
  const grads = [...engine.accumulatedGradients()!.values()].map((g) => g.slice());
  await engine.close();
  return grads;
}

test("forwardBackward is bitwise reproducible with two threads (embedding gradient included)", async () => {
  const a = await gradients();
  const b = await gradients();
  assert.equal(a.length, b.length);
  for (const [i, g] of a.entries()) assert.deepEqual(g, b[i], `gradient ${i} differs between identical runs`);
});
