import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { Rng } from "../../core/rng.js";
import type { Datum, LossSpec } from "../types.js";
import { gradCheck, namedGradientError } from "./graph/gradcheck.js";
import { CompiledGraph, type FeedArray } from "./graph/runtime.js";
import { trainingGraph } from "./localEngine.js";
import {
  causalAttention,
  causalMask,
  decoderHidden,
  initParameters,
  lmHead,
  loadCheckpoint,
  parameterShapes,
  ropeConstants,
  ropeInverseFrequencies,
  saveCheckpoint,
} from "./model.js";
import type { ModelConfig } from "./modelConfig.js";
import { packDatums, packedFeeds } from "./prefixPacking.js";
import { tinyModelConfig } from "./tinyModelConfig.js";
import { float64BatchFeeds, float64Parameters } from "./float64Feeds.js";

const tiny = tinyModelConfig();

const tmp = mkdtempSync(join(tmpdir(), "rlvr-model-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

test("parameter names follow Hugging Face; lm_head only when untied", () => {
  const names = [...parameterShapes(tiny).keys()];
  assert.ok(names.includes("model.layers.1.self_attn.q_proj.bias"));
  assert.deepEqual(parameterShapes(tiny).get("model.layers.0.self_attn.k_proj.weight"), [8, 8]);
  assert.deepEqual(parameterShapes(tiny).get("model.layers.0.mlp.down_proj.weight"), [8, 12]);
  assert.ok(!names.includes("lm_head.weight"));
  assert.ok([...parameterShapes({ ...tiny, tieWordEmbeddings: false }).keys()].includes("lm_head.weight"));
  assert.ok(![...parameterShapes({ ...tiny, attentionBias: false }).keys()].some((n) => n.endsWith(".bias")));
});

test("init: weights ~ N(0, 0.02²) from the seed, norms 1, biases 0", () => {
  const big = { ...tiny, hiddenSize: 64, intermediateSize: 128, headDim: 16 };
  const a = initParameters(big, 5);
  const w = a.get("model.layers.0.mlp.up_proj.weight")!;
  const mean = w.reduce((s, x) => s + x, 0) / w.length;
  const std = Math.sqrt(w.reduce((s, x) => s + (x - mean) ** 2, 0) / w.length);
  assert.ok(Math.abs(std - 0.02) < 0.001, `std ${std}`);
  assert.ok(Math.abs(mean) < 0.001);
  assert.ok(a.get("model.norm.weight")!.every((x) => x === 1));
  assert.ok(a.get("model.layers.0.self_attn.q_proj.bias")!.every((x) => x === 0));
  assert.deepEqual(
    initParameters(big, 5).get("model.embed_tokens.weight"),
    a.get("model.embed_tokens.weight"),
  );
  assert.notDeepEqual(
    initParameters(big, 6).get("model.embed_tokens.weight"),
    a.get("model.embed_tokens.weight"),
  );
});

test("checkpoints round-trip; a missing or misshapen tensor is named", () => {
  const params = initParameters(tiny, 1);
  saveCheckpoint(tmp, tiny, params);
  const back = loadCheckpoint(tmp);
  assert.deepEqual(back.config, tiny);
  for (const [k, v] of params) assert.deepEqual(back.params.get(k), v);
  params.delete("model.norm.weight");
  assert.throws(() => saveCheckpoint(tmp, tiny, params), /missing parameter "model.norm.weight"/);
});

test("whole-model gradient (policy loss: PPO clip + k3 KL + entropy, tied head, GQA, bias) over a packed row matches finite differences in float64", async () => {
  const rng = new Rng(2);
  const spec: LossSpec = {
    kind: "policy",
    policy: "ppo",
    clipLow: 0.8,
    clipHigh: 1.2,
    klCoef: 0.3,
    klEstimator: "k3",
    entropyCoef: 0.05,
  };
  // two datums sharing an unweighted prefix of 3 tokens (one packed row of 3 + 2 + 3 tokens), and one alone
  const tokens = (n: number) => Array.from({ length: n }, () => rng.int(0, tiny.vocabSize - 1));
  const prefix = tokens(3);
  const datum = (input: number[], shared: number): Datum => ({
    inputTokens: input,
    targetTokens: tokens(input.length),
    weights: input.map((_, t) => (t < shared ? 0 : 0.25 + 0.1 * (t % 3))),
  });
  const a = datum([...prefix, ...tokens(2)], 3);
  const datums = [
    a,
    { ...datum([...prefix, ...tokens(3)], 3), targetTokens: [...a.targetTokens.slice(0, 3), ...tokens(3)] },
    datum(tokens(5), 1),
  ];
  const rows = packDatums(datums, 64);
  assert.deepEqual(
    rows.map((r) => [r.members, r.prefixLength, r.length]),
    [
      [[0, 1], 3, 8],
      [[2], 5, 5],
    ],
  );
  const B = 2;
  const T = 8;
  const g = trainingGraph(tiny, spec, B, T, true, { dtype: "float64" });
  const compiled = await CompiledGraph.compile(g);
  // a wider init than 0.02 so that every path carries a gradient well above rounding
  const params = initParameters(tiny, 9, 0.5);
  const packed = packedFeeds(tiny, datums, rows, B, T, []);
  const feeds: Record<string, FeedArray> = {
    ...float64BatchFeeds(packed),
  };
  Object.assign(feeds, float64Parameters(params));
  feeds.advantages = Float64Array.from({ length: B * T }, (_, i) => (i % 2 === 0 ? 1.3 : -0.7));
  feeds.refLogprobs = Float64Array.from({ length: B * T }, () => -2 - rng.next());
  // sampler logprobs = current logprobs + δ, δ ∈ {−0.4, 0, 0.4}: ratios 1.49, 1, 0.67, away from the clip bounds
  feeds.samplingLogprobs = new Float64Array(B * T);
  const lp0 = (await compiled.run(feeds)).logprobs as Float64Array;
  feeds.samplingLogprobs = Float64Array.from(lp0, (x, i) => x + [-0.4, 0, 0.4][i % 3]);
  const base = await compiled.run(feeds);
  const r = await namedGradientError(compiled, feeds, base, params.keys(), (_n, x) =>
    rng.shuffle([...x.keys()]).slice(0, 4),
  );
  assert.ok(r.maxError < 1e-5, `worst relative error ${r.maxError} at ${r.worst}`);
  await compiled.release();
});

test("rotary inverse frequencies: θ^(−2i/d), linear scaling, and Llama 3's three bands", () => {
  const cfg8 = { ...tiny, headDim: 8, ropeTheta: 10000 };
  const f = (xs: number[]) => xs.map(Math.fround);
  assert.deepEqual([...ropeInverseFrequencies(cfg8)], f([1, 0.1, 0.01, 0.001]));
  assert.deepEqual(
    [...ropeInverseFrequencies({ ...cfg8, ropeScaling: { type: "linear", factor: 4 } })],
    f([0.25, 0.025, 0.0025, 0.00025]),
  );
  // L = 2000, low 1, high 4, factor 8: wavelengths 2π/f = 6.28, 62.8 (< L/4 = 500: kept), 628 (between:
  // s = (2000/628.3 − 1)/3 = 0.72770, (1 − s)·0.01/8 + s·0.01 = 0.0076174), 6283 (> L/1: divided by 8)
  const llama3 = ropeInverseFrequencies({
    ...cfg8,
    ropeScaling: {
      type: "llama3",
      factor: 8,
      lowFreqFactor: 1,
      highFreqFactor: 4,
      originalMaxPositionEmbeddings: 2000,
    },
  });
  assert.deepEqual([llama3[0], llama3[1], llama3[3]], f([1, 0.1, 0.000125]));
  assert.ok(Math.abs(llama3[2] - 0.0076173717) < 1e-8, `${llama3[2]}`);
});

test("causal mask, and with a sliding window of 2 (each query sees itself and one before)", () => {
  const I = Number.NEGATIVE_INFINITY;
  assert.deepEqual([...causalMask(3)], [0, I, I, 0, 0, I, 0, 0, 0]);
  assert.deepEqual([...causalMask(4, 2)], [0, I, I, I, 0, 0, I, I, I, 0, 0, I, I, I, 0, 0]);
});

const qwen3Tiny: ModelConfig = {
  ...tiny,
  modelType: "qwen3",
  qkNorm: true,
  attentionBias: true,
  numHiddenLayers: 2,
  slidingWindow: { size: 2, layers: [1] },
};

test("qwen3 and llama parameters: q_norm/k_norm [headDim] (init 1), o_proj bias with attention_bias", () => {
  const shapes = parameterShapes(qwen3Tiny);
  assert.deepEqual(shapes.get("model.layers.1.self_attn.q_norm.weight"), [4]);
  assert.deepEqual(shapes.get("model.layers.1.self_attn.k_norm.weight"), [4]);
  assert.deepEqual(shapes.get("model.layers.0.self_attn.o_proj.bias"), [8]);
  assert.ok(!parameterShapes(tiny).has("model.layers.0.self_attn.o_proj.bias"), "qwen2: q/k/v biases only");
  assert.ok(!parameterShapes(tiny).has("model.layers.0.self_attn.q_norm.weight"));
  assert.ok(
    initParameters(qwen3Tiny, 1)
      .get("model.layers.0.self_attn.k_norm.weight")!
      .every((x) => x === 1),
  );
});

test("the q/k norm weights, q/k projections and o_proj bias of Qwen3 with a sliding window: gradients match finite differences", async () => {
  const cfg = qwen3Tiny;
  const trained = [
    "model.layers.0.self_attn.q_norm.weight",
    "model.layers.1.self_attn.k_norm.weight",
    "model.layers.1.self_attn.q_proj.weight",
    "model.layers.0.self_attn.k_proj.weight",
    "model.layers.1.self_attn.o_proj.bias",
  ];
  const values = initParameters(cfg, 4, 0.5);
  const T = 5;
  const tokens = Int32Array.from([3, 1, 4, 1, 5, 9, 2, 6, 5, 3]);
  const r = await gradCheck(
    (xs) => {
      const g = xs[0].graph;
      const params = new Map(
        [...parameterShapes(cfg)].map(([name, shape]) => {
          const at = trained.indexOf(name);
          return [name, at >= 0 ? xs[at] : g.constant(Float64Array.from(values.get(name)!), shape)];
        }),
      );
      const { cos, sin } = ropeConstants(g, cfg, T, "float64");
      const inp = { tokens: g.constant(tokens, [2, T]), cos, sin, attention: causalAttention(cfg) };
      return lmHead(cfg, params, decoderHidden(cfg, params, inp));
    },
    trained.map((name) => ({
      shape: parameterShapes(cfg).get(name)!,
      data: Float64Array.from(values.get(name)!, (x, i) =>
        name.includes("norm") ? 1 + 0.2 * Math.sin(i) : x,
      ),
    })),
    { maxElements: 12 },
  );
  assert.ok(r.ops.has("RMSNorm"));
  assert.ok(r.maxError < 1e-6, `max error ${r.maxError} at ${r.worst}`);
});

test("checkpoints: bfloat16 storage (config says so, values rounded) and sharded weights load back", () => {
  const params = initParameters(qwen3Tiny, 2);
  const bf16Dir = join(tmp, "bf16");
  saveCheckpoint(bf16Dir, qwen3Tiny, params, { dtype: "bfloat16" });
  const back = loadCheckpoint(bf16Dir);
  assert.deepEqual(back.config, qwen3Tiny);
  const w = params.get("model.layers.0.mlp.up_proj.weight")!;
  const r = back.params.get("model.layers.0.mlp.up_proj.weight")!;
  for (let i = 0; i < w.length; i++)
    assert.ok(Math.abs(r[i] - w[i]) <= Math.abs(w[i]) * 2 ** -8, `${r[i]} vs ${w[i]}`);
  assert.notDeepEqual(r, w);

  const shardDir = join(tmp, "sharded");
  saveCheckpoint(shardDir, qwen3Tiny, params, { maxShardBytes: 400 });
  const index = JSON.parse(readFileSync(join(shardDir, "model.safetensors.index.json"), "utf8"));
  assert.ok(new Set(Object.values(index.weight_map)).size > 2, "several shards");
  assert.deepEqual(loadCheckpoint(shardDir).params, params);
});
