// The value head and its clipped loss against finite differences (the op alone, then the whole model in
// float64 over packed rows) and against PyTorch goldens (bench/value_head_goldens.py), and the engine's
// value loss: values out, the critic learns, state round-trips.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { LORA_TARGET_MODULES } from "../../core/choices.js";
import { Rng } from "../../core/rng.js";
import { DEFAULT_ADAM, type Datum } from "../types.js";
import { gradCheck, namedGradientError } from "./graph/gradcheck.js";
import { CompiledGraph, type FeedArray } from "./graph/runtime.js";
import { LocalEngine, trainingGraph } from "./localEngine.js";
import { initAdapters, type LoraSpec } from "./lora.js";
import { initParameters } from "./model.js";
import { packDatums, packedFeeds } from "./prefixPacking.js";
import {
  clippedValueLoss,
  VALUE_HEAD_BIAS,
  VALUE_HEAD_WEIGHT,
  headValues,
  VALUE_HEAD_FILE,
  valueTrainingGraph,
} from "./valueHead.js";
import { tinyModelConfig } from "./tinyModelConfig.js";
import { float64BatchFeeds, float64Parameters } from "./float64Feeds.js";

const tiny = tinyModelConfig({ tieWordEmbeddings: false });
/** PPO's policy loss with the critic's term, for the finite-difference checks. */
const PPO_WITH_CRITIC = {
  kind: "policy" as const,
  policy: "ppo" as const,
  clipLow: 0.8,
  clipHigh: 1.2,
  klCoef: 0,
  klEstimator: "k3" as const,
  entropyCoef: 0.05,
  valueCoef: 0.7,
  valueClip: 0.2,
  valueScale: 3,
};

const tmp = mkdtempSync(join(tmpdir(), "rlvr-value-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Every element of the value head's tensors, two drawn from `rng` of every other input. */
const headWholeTrunkSampled = (rng: Rng) => (name: string, x: Float64Array) =>
  name.startsWith("value_head") ? [...x.keys()] : rng.shuffle([...x.keys()]).slice(0, 2);

test("value head v = h·w + b and its clipped loss: gradients of h, w, b match finite differences", async () => {
  const N = 6;
  const D = 4;
  // returns and old values are constants of the graph; ε = 0.3 clips some tokens and not others
  const R = Float64Array.from([1, 0, 1, 0, 0.5, 1]);
  const Vold = Float64Array.from([0.2, -0.4, 0.9, 0.1, -0.8, 0.6]);
  for (const clipRange of [0, 0.3]) {
    const r = await gradCheck(
      ([h, w, b]) => {
        const g = h.graph;
        return clippedValueLoss(
          headValues(h, w, b, 2.5),
          g.constant(R, [N]),
          g.constant(Vold, [N]),
          clipRange,
        );
      },
      [{ shape: [N, D] }, { shape: [D] }, { shape: [1] }],
    );
    assert.ok(r.maxError < 1e-6, `ε = ${clipRange}: ${r.worst}`);
    assert.equal(r.checked, N * D + D + 1);
  }
});

test("clippedValueLoss by hand: ½·max((V−R)², (V_old + clip(V−V_old, ±ε) − R)²)", async () => {
  // V = h·w + b with D = 1, w = 1, b = 0: V = h
  const V = Float64Array.from([0.9, 0.9, 0.1]);
  const R = [1, 0, 1];
  const Vold = [0.5, 0.5, 0.05];
  // token 0: (−0.1)² = 0.01 vs clipped V = 0.5 + 0.2 = 0.7 → (−0.3)² = 0.09 → ½·0.09 = 0.045
  // token 1: 0.81 vs (0.7)² = 0.49 → ½·0.81 = 0.405
  // token 2: |V − V_old| = 0.05 < 0.2, unclipped: ½·0.81 = 0.405
  const { Graph } = await import("./graph/graph.js");
  const g = new Graph();
  const h = g.input("h", [3, 1], "float64");
  const out = clippedValueLoss(
    headValues(h, g.constant(Float64Array.from([1]), [1]), g.constant(Float64Array.from([0]), [1])),
    g.constant(Float64Array.from(R), [3]),
    g.constant(Float64Array.from(Vold), [3]),
    0.2,
  );
  g.output("loss", out);
  const c = await CompiledGraph.compile(g);
  const got = (await c.run({ h: V })).loss as Float64Array;
  for (const [i, e] of [0.045, 0.405, 0.405].entries())
    assert.ok(Math.abs(got[i] - e) < 1e-12, `${i}: ${got[i]}`);
  await c.release();
});

test("whole-model value loss over packed rows: value head and trunk gradients match finite differences (float64)", async () => {
  const rng = new Rng(4);
  const tokens = (n: number) => Array.from({ length: n }, () => rng.int(0, tiny.vocabSize - 1));
  const prefix = tokens(3);
  const datum = (input: number[], shared: number): Datum => ({
    inputTokens: input,
    targetTokens: tokens(input.length),
    weights: input.map((_, t) => (t < shared ? 0 : 0.2 + 0.1 * (t % 3))),
    returns: input.map((_, t) => (t % 2 === 0 ? 1 : -0.5)),
    oldValues: input.map((_, t) => 0.3 * Math.sin(t)),
  });
  const a = datum([...prefix, ...tokens(2)], 3);
  const b = datum([...prefix, ...tokens(3)], 3);
  // the second shares the first's prefix tokens and targets, so the two pack into one row
  const datums = [
    a,
    { ...b, targetTokens: [...a.targetTokens.slice(0, 3), ...b.targetTokens.slice(3)] },
    datum(tokens(5), 1),
  ];
  const rows = packDatums(datums, 64);
  assert.equal(rows.length, 2);
  const B = 2;
  const T = 8;
  const spec = { kind: "value" as const, clipRange: 0.2, coef: 0.7, scale: 3 };
  const compiled = await CompiledGraph.compile(valueTrainingGraph(tiny, spec, B, T, true, "float64"));
  const packed = packedFeeds(tiny, datums, rows, B, T, ["returns", "oldValues"]);
  const feeds: Record<string, FeedArray> = {
    ...float64BatchFeeds(packed),
    [VALUE_HEAD_WEIGHT]: Float64Array.from({ length: tiny.hiddenSize }, () => rng.next() * 2 - 1),
    [VALUE_HEAD_BIAS]: Float64Array.from([0.1]),
  };
  const params = initParameters(tiny, 9, 0.5);
  Object.assign(feeds, float64Parameters(params));
  const base = await compiled.run(feeds);
  const names = [
    VALUE_HEAD_WEIGHT,
    VALUE_HEAD_BIAS,
    ...[...params.keys()].filter((n) => n !== "lm_head.weight"),
  ];
  const r = await namedGradientError(compiled, feeds, base, names, headWholeTrunkSampled(rng));
  assert.ok(r.maxError < 1e-5, `worst relative error ${r.maxError} at ${r.worst}`);
  // the LM head is not on the value's path
  assert.equal(base["grad:lm_head.weight"], undefined);
  await compiled.release();
});

test("engine value loss: values out, the critic fits its targets, saveState/loadState keep the head", async () => {
  const engine = LocalEngine.fromConfig(tiny, 5, { valueHead: true, intraOpNumThreads: 1 });
  const seq = [1, 2, 3, 4, 5, 6];
  const datum: Datum = {
    inputTokens: seq.slice(0, -1),
    targetTokens: seq.slice(1),
    weights: [0, 0, 1 / 3, 1 / 3, 1 / 3],
    returns: [0, 0, 1, 1, 1],
    oldValues: [0, 0, 0, 0, 0],
  };
  const spec = { kind: "value" as const, clipRange: 0, coef: 1 };
  const first = await engine.forward([datum], spec);
  // a fresh head: w = 0, b = 0
  assert.deepEqual(first.values, [[0, 0, 0, 0, 0]]);
  assert.deepEqual(first.logprobs, [[]]);
  // loss = Σ w·½(0 − 1)² = 0.5
  assert.ok(Math.abs(first.metrics["loss:sum"] - 0.5) < 1e-6);
  const adam = { learningRate: 0.05, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0, gradClipNorm: 0 };
  for (let i = 0; i < 20; i++) {
    await engine.forwardBackward([datum], spec);
    await engine.optimStep(adam);
  }
  const after_ = await engine.forward([datum], spec);
  assert.ok(after_.metrics["loss:sum"] < 0.05, `value loss ${after_.metrics["loss:sum"]}`);
  const dir = join(tmp, "state");
  await engine.saveState(dir);
  const other = LocalEngine.fromConfig(tiny, 6, { valueHead: true, intraOpNumThreads: 1 });
  await other.loadState(dir);
  assert.deepEqual((await other.forward([datum], spec)).values, after_.values);
  // a policy loss after a value loss: gradients of both accumulate into one step
  await other.forwardBackward([datum], spec);
  await other.forwardBackward([{ ...datum, returns: undefined, oldValues: undefined }], {
    kind: "cross_entropy",
  });
  await other.optimStep(adam);
  const plain = LocalEngine.fromConfig(tiny, 5, { intraOpNumThreads: 1 });
  await assert.rejects(plain.forward([datum], spec), /value head/);
  await Promise.all([engine.close(), other.close(), plain.close()]);
});

test("policy loss with the critic in the same pass: value head and trunk gradients match finite differences (float64)", async () => {
  const rng = new Rng(6);
  const B = 1;
  const T = 6;
  const spec = PPO_WITH_CRITIC;
  const g = trainingGraph(tiny, spec, B, T, true, { dtype: "float64" });
  const compiled = await CompiledGraph.compile(g);
  const input = Array.from({ length: T }, () => rng.int(0, tiny.vocabSize - 1));
  const datum: Datum = {
    inputTokens: input,
    targetTokens: Array.from({ length: T }, () => rng.int(0, tiny.vocabSize - 1)),
    weights: input.map((_, t) => (t < 2 ? 0 : 0.25)),
  };
  const rows = packDatums([datum], 64);
  const packed = packedFeeds(tiny, [datum], rows, B, T, []);
  const feeds: Record<string, FeedArray> = {
    ...float64BatchFeeds(packed),
    advantages: Float64Array.from({ length: T }, (_, t) => (t % 2 ? 0.8 : -0.6)),
    returns: Float64Array.from({ length: T }, (_, t) => (t % 3 === 0 ? 1 : 0)),
    oldValues: Float64Array.from({ length: T }, (_, t) => 0.2 * Math.cos(t)),
    [VALUE_HEAD_WEIGHT]: Float64Array.from({ length: tiny.hiddenSize }, () => rng.next() * 2 - 1),
    [VALUE_HEAD_BIAS]: Float64Array.from([-0.1]),
  };
  const params = initParameters(tiny, 11, 0.5);
  Object.assign(feeds, float64Parameters(params));
  feeds.samplingLogprobs = new Float64Array(T);
  const lp0 = (await compiled.run(feeds)).logprobs as Float64Array;
  // ratios 1.49, 1, 0.67: away from the clip bounds
  feeds.samplingLogprobs = Float64Array.from(lp0, (x, i) => x + [-0.4, 0, 0.4][i % 3]);
  const base = await compiled.run(feeds);
  assert.equal((base.values as Float64Array).length, B * T);
  const names = [VALUE_HEAD_WEIGHT, VALUE_HEAD_BIAS, ...params.keys()];
  const r = await namedGradientError(compiled, feeds, base, names, headWholeTrunkSampled(rng));
  assert.ok(r.maxError < 1e-5, `worst relative error ${r.maxError} at ${r.worst}`);
  await compiled.release();
});

interface ValueGolden {
  scale: number;
  clip_range: number;
  coef: number;
  value_head: { weight: number[]; bias: number[] };
  datums: { input_tokens: number[]; weights: number[]; returns: number[]; old_values: number[] }[];
  values: number[][];
  took_clipped: boolean[][];
  loss: number;
  grads: Record<string, number[]>;
  grad_norms: Record<string, number>;
}

const QWEN2 = fileURLToPath(new URL("../../../test-data/tiny-qwen2/", import.meta.url));

/** ‖a − b‖ / ‖b‖ */
function relErrByNorm(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - b[i]) ** 2;
    n += b[i] ** 2;
  }
  return Math.sqrt(d / n);
}

test("engine value loss on tiny-qwen2 matches PyTorch: values, clipped loss, head and trunk gradients", async () => {
  const golden = JSON.parse(readFileSync(join(QWEN2, "value_golden.json"), "utf8")) as ValueGolden;
  // both branches of the max occur among the weighted tokens, so the loss depends on the clip
  const weighted = golden.took_clipped.flatMap((row, s) =>
    row.filter((_, t) => golden.datums[s].weights[t] > 0),
  );
  assert.ok(weighted.includes(true) && weighted.includes(false));
  const engine = LocalEngine.fromDirectory(QWEN2, { valueHead: true, intraOpNumThreads: 1 });
  engine.parameters().get(VALUE_HEAD_WEIGHT)!.set(golden.value_head.weight);
  engine.parameters().get(VALUE_HEAD_BIAS)!.set(golden.value_head.bias);
  const datums: Datum[] = golden.datums.map((d) => ({
    inputTokens: d.input_tokens,
    targetTokens: d.input_tokens.map(() => 0),
    weights: d.weights,
    returns: d.returns,
    oldValues: d.old_values,
  }));
  const spec = {
    kind: "value" as const,
    clipRange: golden.clip_range,
    coef: golden.coef,
    scale: golden.scale,
  };
  const out = await engine.forwardBackward(datums, spec);
  const valueErr = Math.max(...out.values!.flat().map((v, i) => Math.abs(v - golden.values.flat()[i])));
  assert.ok(valueErr < 1e-4, `values max abs error ${valueErr}`);
  const lossErr = Math.abs(out.metrics["loss:sum"] - golden.loss) / golden.loss;
  assert.ok(lossErr < 1e-5, `loss ${out.metrics["loss:sum"]} vs ${golden.loss}`);
  const grads = engine.accumulatedGradients()!;
  for (const [name, expected] of Object.entries(golden.grads)) {
    const err = relErrByNorm(grads.get(name)!, expected);
    assert.ok(err < 1e-4, `gradient ${name}: relative error by norm ${err}`);
  }
  for (const [name, norm] of Object.entries(golden.grad_norms)) {
    const got = Math.hypot(...grads.get(name)!);
    assert.ok(Math.abs(got - norm) < 1e-4 * norm, `|grad ${name}| ${got} vs ${norm}`);
  }
  assert.equal(grads.get("lm_head.weight"), undefined);
  // the unclipped loss differs from the golden one: a value loss without the clip could not pass
  const unclipped = await engine.forward(datums, { ...spec, clipRange: 0 });
  assert.ok(Math.abs(unclipped.metrics["loss:sum"] - golden.loss) > 1e-2 * golden.loss);
  // PPO's policy pass with the critic term reads the same values
  const policy = await engine.forward(
    datums.map((d) => ({
      ...d,
      advantages: d.weights.map(() => 0),
      samplingLogprobs: d.weights.map(() => 0),
    })),
    {
      kind: "policy",
      policy: "ppo",
      clipLow: 0.8,
      clipHigh: 1.2,
      klCoef: 0,
      klEstimator: "k3",
      entropyCoef: 0,
      valueCoef: golden.coef,
      valueClip: golden.clip_range,
      valueScale: golden.scale,
    },
  );
  const policyErr = Math.max(...policy.values!.flat().map((v, i) => Math.abs(v - golden.values.flat()[i])));
  assert.ok(policyErr < 1e-4, `policy-pass values max abs error ${policyErr}`);
  await engine.close();
});

/** LoRA adapters on every linear layer with B ≠ 0 too (a trained adapter), so every path carries a gradient. */
function trainedAdapters(lora: LoraSpec, seed: number): Map<string, Float32Array> {
  const rng = new Rng(seed);
  const adapters = initAdapters(tiny, lora, seed);
  for (const [name, data] of adapters)
    if (name.includes("lora_B")) for (let i = 0; i < data.length; i++) data[i] = (rng.next() * 2 - 1) * 0.3;
  return adapters;
}

test("under LoRA the head and the adapters get their gradients in one pass (critic in the policy loss, value loss alone): finite differences (float64); the weights get none", async () => {
  const rng = new Rng(8);
  const lora: LoraSpec = { rank: 2, alpha: 6, targetModules: LORA_TARGET_MODULES };
  const B = 1;
  const T = 6;
  const input = Array.from({ length: T }, () => rng.int(0, tiny.vocabSize - 1));
  const datum: Datum = {
    inputTokens: input,
    targetTokens: Array.from({ length: T }, () => rng.int(0, tiny.vocabSize - 1)),
    weights: input.map((_, t) => (t < 2 ? 0 : 0.25)),
  };
  const packed = packedFeeds(tiny, [datum], packDatums([datum], 64), B, T, []);
  const adapters = trainedAdapters(lora, 3);
  const head = [VALUE_HEAD_WEIGHT, VALUE_HEAD_BIAS];
  const policy = PPO_WITH_CRITIC;
  const graphs = [
    trainingGraph(tiny, policy, B, T, true, { dtype: "float64", lora }),
    valueTrainingGraph(
      tiny,
      { kind: "value", clipRange: 0.2, coef: 0.7, scale: 3 },
      B,
      T,
      true,
      "float64",
      lora,
    ),
  ];
  for (const g of graphs) {
    const grads = g.outputs.filter((o) => o.name.startsWith("grad:")).map((o) => o.name.slice(5));
    assert.deepEqual(grads.sort(), [...adapters.keys(), ...head].sort());
    const compiled = await CompiledGraph.compile(g);
    const feeds: Record<string, FeedArray> = {
      ...float64BatchFeeds(packed),
      ...float64Parameters(initParameters(tiny, 11, 0.5)),
      ...Object.fromEntries([...adapters].map(([k, v]) => [k, Float64Array.from(v)])),
      advantages: Float64Array.from({ length: T }, (_, t) => (t % 2 ? 0.8 : -0.6)),
      returns: Float64Array.from({ length: T }, (_, t) => (t % 3 === 0 ? 1 : 0)),
      oldValues: Float64Array.from({ length: T }, (_, t) => 0.2 * Math.cos(t)),
      [VALUE_HEAD_WEIGHT]: Float64Array.from({ length: tiny.hiddenSize }, () => rng.next() * 2 - 1),
      [VALUE_HEAD_BIAS]: Float64Array.from([-0.1]),
      samplingLogprobs: new Float64Array(T),
    };
    if (g === graphs[0]) {
      const lp0 = (await compiled.run(feeds)).logprobs as Float64Array;
      // ratios 1.49, 1, 0.67: away from the clip bounds
      feeds.samplingLogprobs = Float64Array.from(lp0, (x, i) => x + [-0.4, 0, 0.4][i % 3]);
    }
    const base = await compiled.run(feeds);
    const names = [...head, ...adapters.keys()];
    const r = await namedGradientError(compiled, feeds, base, names, headWholeTrunkSampled(rng));
    assert.ok(r.maxError < 1e-5, `worst relative error ${r.maxError} at ${r.worst}`);
    await compiled.release();
  }
});

test("a LoRA engine with a value head trains head and adapters (base frozen); value_head.safetensors beside the adapter; loadState resumes exactly", async () => {
  const params = initParameters(tiny, 3, 0.3);
  const before = new Map([...params].map(([k, v]) => [k, v.slice()]));
  const lora = {
    rank: 2,
    alpha: 4,
    dropout: 0,
    targetModules: ["q_proj", "v_proj", "down_proj"] as LoraSpec["targetModules"],
  };
  const opts = { intraOpNumThreads: 1, seed: 11, valueHead: true, lora };
  const a = new LocalEngine(tiny, params, opts);
  const seq = [1, 2, 3, 4, 5, 6];
  const datum: Datum = {
    inputTokens: seq.slice(0, -1),
    targetTokens: seq.slice(1),
    weights: [0, 0.25, 0.25, 0.25, 0.25],
    advantages: [0, 1, 1, 1, 1],
    samplingLogprobs: [0, -3, -3, -3, -3],
    returns: [0, 1, 1, 1, 1],
    oldValues: [0, 0, 0, 0, 0],
  };
  const spec = {
    kind: "policy" as const,
    policy: "ppo" as const,
    clipLow: 0.8,
    clipHigh: 1.2,
    klCoef: 0,
    klEstimator: "k3" as const,
    entropyCoef: 0,
    valueCoef: 0.5,
    valueClip: 0,
  };
  const adam = { ...DEFAULT_ADAM, learningRate: 3e-2 };
  const step = async (e: LocalEngine) => {
    await e.forwardBackward([datum], spec);
    assert.deepEqual(
      [...e.accumulatedGradients()!.keys()].sort(),
      [...e.loraAdapters()!.adapters.keys(), VALUE_HEAD_BIAS, VALUE_HEAD_WEIGHT].sort(),
    );
    await e.optimStep(adam);
  };
  const v0 = (await a.forward([datum], spec)).values!;
  assert.deepEqual(v0, [[0, 0, 0, 0, 0]]);
  for (let i = 0; i < 5; i++) await step(a);
  const v5 = (await a.forward([datum], spec)).values![0];
  assert.ok(v5[4] > 0.1, `the critic moved toward its return 1: ${v5}`);
  for (const [k, v] of before) assert.deepEqual(params.get(k), v, `base weight ${k} changed`);
  // the reference (frozen base) shares the weights and leaves the head alone
  const ref = a.frozenBase();
  assert.deepEqual((await a.forward([datum], spec)).values![0], v5);
  const dir = join(tmp, "lora-critic");
  await a.saveState(dir);
  const files = readdirSync(dir);
  for (const f of ["adapter_config.json", "adapter_model.safetensors", VALUE_HEAD_FILE])
    assert.ok(files.includes(f), files.join());
  assert.ok(!files.includes("model.safetensors"));
  const b = new LocalEngine(tiny, initParameters(tiny, 3, 0.3), { ...opts, seed: 99 });
  await b.loadState(dir);
  assert.deepEqual((await b.forward([datum], spec)).values![0], v5);
  await step(a);
  await step(b);
  for (const [k, v] of a.loraAdapters()!.adapters) assert.deepEqual(b.loraAdapters()!.adapters.get(k), v, k);
  for (const k of [VALUE_HEAD_WEIGHT, VALUE_HEAD_BIAS])
    assert.deepEqual(b.parameters().get(k), a.parameters().get(k), k);
  for (const e of [a, b, ref]) await e.close();
});
