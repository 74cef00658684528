import assert from "node:assert/strict";
import { after, test } from "node:test";
import { Rng } from "../../core/rng.js";
import type { SamplingParams } from "../types.js";
import { Graph } from "./graph/graph.js";
import { CompiledGraph } from "./graph/runtime.js";
import { LocalEngine } from "./localEngine.js";
import {
  causalAttention,
  declareParameters,
  decoderHidden,
  initParameters,
  lmHead,
  ropeConstants,
} from "./model.js";
import type { ModelConfig } from "./modelConfig.js";

const cfg: ModelConfig = {
  vocabSize: 48,
  hiddenSize: 32,
  intermediateSize: 64,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  headDim: 8,
  rmsNormEps: 1e-6,
  ropeTheta: 10000,
  maxPositionEmbeddings: 96,
  tieWordEmbeddings: false,
  attentionBias: true,
  modelType: "qwen2",
};
// A wider init than HF's 0.02 so that logits are far from ties and argmax is well defined.
const engine = new LocalEngine(cfg, initParameters(cfg, 3, 0.3), { intraOpNumThreads: 1 });
after(() => engine.close());

const base: SamplingParams = { maxTokens: 64, temperature: 1, topK: -1, topP: 1, seed: 11 };

/** Greedy decoding without a cache: the full causal forward of the sequence so far, every step. */
async function greedyWithoutCache(prompt: number[], steps: number): Promise<number[]> {
  const T = prompt.length + steps;
  const g = new Graph();
  const params = declareParameters(g, cfg);
  const tokens = g.input("tokens", [1, T], "int32");
  const { cos, sin } = ropeConstants(g, cfg, T, "float32");
  g.output(
    "logits",
    lmHead(cfg, params, decoderHidden(cfg, params, { tokens, cos, sin, attention: causalAttention(cfg) })),
  );
  const compiled = await CompiledGraph.compile(g);
  const seq = Int32Array.from({ length: T }, (_, i) => prompt[i] ?? 0);
  const out: number[] = [];
  for (let len = prompt.length; len < T; len++) {
    // causal attention: positions ≥ len (still 0) do not affect position len − 1
    const logits = (await compiled.run({ ...Object.fromEntries(engine.parameters()), tokens: seq }))
      .logits as Float32Array;
    const row = logits.subarray((len - 1) * cfg.vocabSize, len * cfg.vocabSize);
    let best = 0;
    for (let v = 1; v < row.length; v++) if (row[v] > row[best]) best = v;
    seq[len] = best;
    out.push(best);
  }
  await compiled.release();
  return out;
}

test("temperature 0: 64 sampled tokens equal greedy argmax decoding without the cache", async () => {
  const prompts = [
    [5, 9, 1, 33, 2],
    [7, 7, 40, 12, 3, 8, 20, 1, 0, 44, 19, 6, 2, 30, 31, 9, 17],
  ];
  const sampled = await engine.sampleMany(prompts, 2, { ...base, temperature: 0 });
  for (const [p, prompt] of prompts.entries()) {
    const expected = await greedyWithoutCache(prompt, 64);
    for (const s of sampled[p]) {
      assert.deepEqual(s.tokens, expected, `prompt ${p}`);
      assert.equal(s.stopReason, "length");
      assert.equal(s.logprobs.length, 64);
      assert.ok(s.logprobs.every((x) => x <= 0 && Number.isFinite(x)));
    }
  }
});

test("sampling is reproducible under a seed and does not depend on batching", async () => {
  const prompts = [[1, 2, 3], [4, 5, 6, 7, 8], [9]];
  const params = { ...base, maxTokens: 12, topK: 20, topP: 0.9 };
  const together = await engine.sampleMany(prompts, 3, params);
  const again = await engine.sampleMany(prompts, 3, params);
  assert.deepEqual(together, again);
  const first = await engine.sample(prompts[0], 3, params);
  assert.deepEqual(
    first.map((s) => s.tokens),
    together[0].map((s) => s.tokens),
  );
  const other = await engine.sampleMany(prompts, 3, { ...params, seed: 12 });
  assert.notDeepEqual(
    other.map((r) => r.map((s) => s.tokens)),
    together.map((r) => r.map((s) => s.tokens)),
  );
  // different samples of one prompt use different streams
  assert.notDeepEqual(together[1][0].tokens, together[1][1].tokens);
});

test("sampled logprobs are the model's logprobs at the sampling temperature (T = 1)", async () => {
  const prompt = [3, 14, 15, 9];
  const [s] = await engine.sample(prompt, 1, { ...base, maxTokens: 10, topK: 5 });
  const lp = await engine.computeLogprobs([[...prompt, ...s.tokens]]);
  const tail = lp[0].slice(prompt.length - 1);
  for (let i = 0; i < s.tokens.length; i++) assert.ok(Math.abs(tail[i] - s.logprobs[i]) < 1e-4, `token ${i}`);
});

test("a stop token ends a sequence (and is included); maxTokens gives stopReason length", async () => {
  const greedy = await engine.sample([2, 4, 6], 1, { ...base, temperature: 0, maxTokens: 20 });
  const stopAt = greedy[0].tokens[5];
  const firstIndex = greedy[0].tokens.indexOf(stopAt);
  const [s] = await engine.sample([2, 4, 6], 1, {
    ...base,
    temperature: 0,
    maxTokens: 20,
    stopTokens: [stopAt],
  });
  assert.equal(s.stopReason, "stop");
  assert.deepEqual(s.tokens, greedy[0].tokens.slice(0, firstIndex + 1));
  await assert.rejects(
    engine.sample([1], 1, { ...base, maxTokens: 200 }),
    /exceeds the model's 96 positions/,
  );
  await assert.rejects(engine.sample([99], 1, base), /token 99 outside/);
});

test("sampleSeeded: each prompt alone with Rng.promptSeed draws what it draws in a batch", async () => {
  const prompts = [[1, 2, 3], [4, 5, 6, 7, 8], [9]];
  const params = { ...base, maxTokens: 10 };
  const together = await engine.sampleMany(prompts, 2, params);
  // the prompts in another order, each with the seed of its place in the batch above
  const order = [2, 0, 1];
  const seeded = await engine.sampleSeeded(
    order.map((p) => prompts[p]),
    2,
    params,
    order.map((p) => Rng.promptSeed(params.seed!, p)),
  );
  order.forEach((p, i) => {
    assert.deepEqual(seeded[i], together[p]);
  });
});

test("onToken hears each row's tokens as they are decoded, step by step across the batch", async () => {
  const prompts = [
    [1, 2, 3],
    [4, 5],
  ];
  const params = { ...base, maxTokens: 8 };
  const heard: string[] = [];
  const perRow = new Map<string, { tokens: number[]; logprobs: number[] }>();
  const out = await engine.sampleSeeded(prompts, 2, params, [5, 6], (p, j, token, logprob) => {
    heard.push(`${p}.${j}`);
    const r = perRow.get(`${p}.${j}`) ?? { tokens: [], logprobs: [] };
    r.tokens.push(token);
    r.logprobs.push(logprob);
    perRow.set(`${p}.${j}`, r);
  });
  out.forEach((seqs, p) => {
    seqs.forEach((s, j) => {
      assert.deepEqual(perRow.get(`${p}.${j}`), { tokens: s.tokens, logprobs: s.logprobs });
    });
  });
  // one token of every row per decode step (none stops early at maxTokens 8 without stop tokens)
  assert.deepEqual(heard.slice(0, 8), ["0.0", "0.1", "1.0", "1.1", "0.0", "0.1", "1.0", "1.1"]);
  // the same draws as without the callback
  assert.deepEqual(await engine.sampleSeeded(prompts, 2, params, [5, 6]), out);
});
