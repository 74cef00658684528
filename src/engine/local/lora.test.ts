import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync as readdir, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { LORA_TARGET_MODULES } from "../../core/choices.js";
import { Rng } from "../../core/rng.js";
import { DEFAULT_ADAM, type Datum, type LossSpec } from "../types.js";
import { namedGradientError } from "./graph/gradcheck.js";
import { CompiledGraph, type FeedArray, SessionCache } from "./graph/runtime.js";
import { LocalEngine, trainingGraph } from "./localEngine.js";
import {
  adapterShapes,
  drawDropoutMasks,
  dropoutMaskShapes,
  initAdapters,
  type LoraSpec,
  loadAdapter,
  loraScale,
  mergeAdapters,
  saveAdapter,
} from "./lora.js";
import { initParameters, loadCheckpoint } from "./model.js";
import type { ModelConfig } from "./modelConfig.js";
import { packDatums, packedFeeds } from "./prefixPacking.js";
import { readSafetensors } from "./safetensors.js";
import { tinyModelConfig } from "./tinyModelConfig.js";
import { float64BatchFeeds, float64Parameters } from "./float64Feeds.js";

const tiny = tinyModelConfig({ maxPositionEmbeddings: 32 });

const allLinear: LoraSpec = { rank: 2, alpha: 6, targetModules: LORA_TARGET_MODULES };
const tmp = mkdtempSync(join(tmpdir(), "rlvr-lora-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Adapters with B ≠ 0 too (a trained adapter), so that every path carries a gradient. */
function randomAdapters(cfg: ModelConfig, lora: LoraSpec, seed: number, std = 0.3) {
  const rng = new Rng(seed);
  const a = initAdapters(cfg, lora, seed);
  for (const [name, data] of a)
    if (name.includes("lora_B")) for (let i = 0; i < data.length; i++) data[i] = (rng.next() * 2 - 1) * std;
  return a;
}

const seqs = [
  [1, 4, 2, 9, 3, 3, 7],
  [5, 6, 0, 2, 10],
];

test("adapter names and shapes follow PEFT: lora_A [r, in], lora_B [out, r]; α/r scaling", () => {
  const shapes = adapterShapes(tiny, allLinear);
  assert.equal(shapes.size, 2 * 7 * 2);
  assert.deepEqual(shapes.get("model.layers.0.self_attn.q_proj.lora_A.weight"), [2, 8]);
  assert.deepEqual(shapes.get("model.layers.0.self_attn.k_proj.lora_B.weight"), [8, 2]);
  assert.deepEqual(shapes.get("model.layers.1.mlp.down_proj.lora_A.weight"), [2, 12]);
  assert.deepEqual(shapes.get("model.layers.1.mlp.down_proj.lora_B.weight"), [8, 2]);
  assert.equal(loraScale(allLinear), 3);
  const qv = adapterShapes(tiny, { rank: 4, alpha: 8, targetModules: ["q_proj", "v_proj"] });
  assert.deepEqual([...qv.keys()].slice(0, 4), [
    "model.layers.0.self_attn.q_proj.lora_A.weight",
    "model.layers.0.self_attn.q_proj.lora_B.weight",
    "model.layers.0.self_attn.v_proj.lora_A.weight",
    "model.layers.0.self_attn.v_proj.lora_B.weight",
  ]);
});

test("init: A ~ U(−1/√in, 1/√in) (kaiming-uniform, a=√5), B = 0, from the seed", () => {
  const big = { ...tiny, hiddenSize: 256, headDim: 64 };
  const a = initAdapters(big, allLinear, 3);
  const A = a.get("model.layers.0.self_attn.q_proj.lora_A.weight")!;
  const bound = 1 / Math.sqrt(256);
  assert.ok(A.every((x) => Math.abs(x) <= bound));
  const max = A.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  assert.ok(max > 0.95 * bound, `max |A| ${max} vs bound ${bound}`);
  const variance = A.reduce((s, x) => s + x * x, 0) / A.length;
  assert.ok(Math.abs(variance - bound ** 2 / 3) < 0.1 * bound ** 2, `variance ${variance}`);
  assert.ok(a.get("model.layers.1.mlp.up_proj.lora_B.weight")!.every((x) => x === 0));
  assert.deepEqual(initAdapters(big, allLinear, 3), a);
  assert.notDeepEqual(
    initAdapters(big, allLinear, 4).get("model.layers.0.self_attn.q_proj.lora_A.weight"),
    A,
  );
});

test("the adapters' gradient (policy loss, all seven linear layers, GQA, bias) matches finite differences in float64; the weights get none", async () => {
  const rng = new Rng(5);
  const spec: LossSpec = {
    kind: "policy",
    policy: "ppo",
    clipLow: 0.8,
    clipHigh: 1.2,
    klCoef: 0.2,
    klEstimator: "k3",
    entropyCoef: 0.05,
  };
  const datums: Datum[] = seqs.map((s) => ({
    inputTokens: s.slice(0, -1),
    targetTokens: s.slice(1),
    weights: s.slice(1).map((_, t) => 0.2 + 0.1 * (t % 3)),
  }));
  const rows = packDatums(datums, 0);
  const B = 2;
  const T = 8;
  const g = trainingGraph(tiny, spec, B, T, true, { dtype: "float64", lora: allLinear });
  const grads = g.outputs.filter((o) => o.name.startsWith("grad:")).map((o) => o.name.slice(5));
  assert.deepEqual(grads.sort(), [...adapterShapes(tiny, allLinear).keys()].sort());
  const compiled = await CompiledGraph.compile(g);
  const packed = packedFeeds(tiny, datums, rows, B, T, []);
  const feeds: Record<string, FeedArray> = {
    ...float64BatchFeeds(packed),
  };
  Object.assign(feeds, float64Parameters(initParameters(tiny, 9, 0.5)));
  const adapters = randomAdapters(tiny, allLinear, 4);
  for (const [k, v] of adapters) feeds[k] = Float64Array.from(v);
  feeds.advantages = Float64Array.from({ length: B * T }, (_, i) => (i % 2 === 0 ? 1.3 : -0.7));
  feeds.refLogprobs = Float64Array.from({ length: B * T }, () => -2 - rng.next());
  feeds.samplingLogprobs = new Float64Array(B * T);
  const lp0 = (await compiled.run(feeds)).logprobs as Float64Array;
  feeds.samplingLogprobs = Float64Array.from(lp0, (x, i) => x + [-0.4, 0, 0.4][i % 3]);
  const base = await compiled.run(feeds);
  const r = await namedGradientError(compiled, feeds, base, adapters.keys(), (_n, x) =>
    rng.shuffle([...x.keys()]).slice(0, 3),
  );
  assert.equal(r.checked, 28 * 3);
  assert.ok(r.maxError < 1e-5, `worst relative error ${r.maxError} at ${r.worst}`);
  await compiled.release();
});

test("LoRA with B = 0 gives exactly the base model's logprobs; merged weights give base + adapter's", async () => {
  const params = initParameters(tiny, 2, 0.3);
  const base = new LocalEngine(tiny, params, { intraOpNumThreads: 1 });
  const fresh = new LocalEngine(tiny, params, {
    intraOpNumThreads: 1,
    seed: 1,
    lora: { ...allLinear, dropout: 0 },
  });
  const lpBase = await base.computeLogprobs(seqs);
  assert.deepEqual(await fresh.computeLogprobs(seqs), lpBase);

  const adapters = randomAdapters(tiny, allLinear, 6);
  const adapted = new LocalEngine(tiny, params, {
    intraOpNumThreads: 1,
    lora: { ...allLinear, dropout: 0, adapters },
  });
  const lpAdapted = (await adapted.computeLogprobs(seqs)).flat();
  const moved = Math.max(...lpAdapted.map((x, i) => Math.abs(x - lpBase.flat()[i])));
  assert.ok(moved > 0.05, `the adapter moves the logprobs (by ${moved})`);
  const merged = new LocalEngine(tiny, mergeAdapters(tiny, params, allLinear, adapters), {
    intraOpNumThreads: 1,
  });
  const lpMerged = (await merged.computeLogprobs(seqs)).flat();
  const diff = Math.max(...lpMerged.map((x, i) => Math.abs(x - lpAdapted[i])));
  assert.ok(diff < 1e-5, `merged vs base + adapter: max |Δ logprob| ${diff}`);
  // saveWeights merges; the base arrays are untouched
  await adapted.saveWeights(join(tmp, "merged"));
  const back = loadCheckpoint(join(tmp, "merged")).params;
  assert.deepEqual(
    back.get("model.layers.1.mlp.down_proj.weight"),
    merged.parameters().get("model.layers.1.mlp.down_proj.weight"),
  );
  assert.notDeepEqual(
    back.get("model.layers.1.mlp.down_proj.weight"),
    params.get("model.layers.1.mlp.down_proj.weight"),
  );
  assert.deepEqual(
    adapted.parameters().get("model.layers.1.mlp.down_proj.weight"),
    initParameters(tiny, 2, 0.3).get("model.layers.1.mlp.down_proj.weight"),
  );
  // sampling runs the adapters too: its logprobs are the scored ones
  const [sampled] = await adapted.sample([1, 4, 2], 1, {
    temperature: 1,
    topK: -1,
    topP: 1,
    maxTokens: 6,
    seed: 3,
  });
  const scored = await adapted.computeLogprobs([[1, 4, 2, ...sampled.tokens]]);
  const gap = Math.max(...sampled.logprobs.map((x, i) => Math.abs(x - scored[0][2 + i])));
  assert.ok(gap < 1e-4, `sampled vs scored logprobs under LoRA: ${gap}`);
  for (const e of [base, fresh, adapted, merged]) await e.close();
});

test("PEFT layout: adapter_config.json fields and adapter_model.safetensors keys; save/load round trip; unsupported options are named", () => {
  const lora = { rank: 2, alpha: 4, dropout: 0.05, targetModules: ["q_proj", "v_proj"] as const };
  const adapters = randomAdapters(tiny, { ...lora, targetModules: [...lora.targetModules] }, 8);
  const dir = join(tmp, "peft");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  saveAdapter(dir, tiny, { ...lora, targetModules: [...lora.targetModules] }, adapters, "Qwen/Qwen2.5-0.5B");
  const cfg = JSON.parse(readFileSync(join(dir, "adapter_config.json"), "utf8"));
  assert.equal(cfg.peft_type, "LORA");
  assert.equal(cfg.r, 2);
  assert.equal(cfg.lora_alpha, 4);
  assert.equal(cfg.lora_dropout, 0.05);
  assert.deepEqual(cfg.target_modules, ["q_proj", "v_proj"]);
  assert.equal(cfg.base_model_name_or_path, "Qwen/Qwen2.5-0.5B");
  const keys = [...readSafetensors(join(dir, "adapter_model.safetensors")).keys()];
  assert.ok(keys.includes("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"), keys.join());
  assert.ok(keys.includes("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight"));
  assert.equal(keys.length, 8);
  const back = loadAdapter(dir, tiny);
  assert.deepEqual(back.lora, { rank: 2, alpha: 4, dropout: 0.05, targetModules: ["q_proj", "v_proj"] });
  assert.equal(back.baseModel, "Qwen/Qwen2.5-0.5B");
  for (const [k, v] of adapters) assert.deepEqual(back.adapters.get(k), v, k);
  writeFileSync(join(dir, "adapter_config.json"), JSON.stringify({ ...cfg, use_rslora: true }));
  assert.throws(() => loadAdapter(dir, tiny), /adapter_config\.json: use_rslora = true: not supported/);
  writeFileSync(
    join(dir, "adapter_config.json"),
    JSON.stringify({ ...cfg, target_modules: ["q_proj", "lm_head"] }),
  );
  assert.throws(() => loadAdapter(dir, tiny), /target_modules .*"lm_head" is not one of/);
  writeFileSync(join(dir, "adapter_config.json"), JSON.stringify({ ...cfg, r: 3 }));
  assert.throws(() => loadAdapter(dir, tiny), /has shape \[2,8\], expected \[3,8\]/);
});

test("a LoRA engine trains only the adapters; saveState/loadState round-trip adapters, moments and step (resume)", async () => {
  const params = initParameters(tiny, 3, 0.3);
  const before = new Map([...params].map(([k, v]) => [k, v.slice()]));
  const lora = { rank: 2, alpha: 4, dropout: 0, targetModules: ["q_proj", "v_proj", "down_proj"] as const };
  const opts = { intraOpNumThreads: 1, seed: 11, lora: { ...lora, targetModules: [...lora.targetModules] } };
  const a = new LocalEngine(tiny, params, opts);
  const datum: Datum = { inputTokens: [1, 2, 3, 4], targetTokens: [2, 3, 4, 5], weights: [1, 1, 1, 1] };
  const step = async (e: LocalEngine) => {
    const out = await e.forwardBackward([datum], { kind: "cross_entropy" });
    assert.deepEqual(
      [...e.accumulatedGradients()!.keys()].sort(),
      [...e.loraAdapters()!.adapters.keys()].sort(),
    );
    await e.optimStep({ ...DEFAULT_ADAM, learningRate: 3e-2 });
    return out.metrics["loss:sum"];
  };
  const l0 = await step(a);
  await step(a);
  const l2 = (await a.forward([datum], { kind: "cross_entropy" })).metrics["loss:sum"];
  assert.ok(l2 < l0 - 1e-3, `loss ${l0} → ${l2}`);
  for (const [k, v] of params) assert.deepEqual(v, before.get(k), `base weight ${k} changed`);
  await a.saveState(join(tmp, "lora-state"));
  assert.ok(
    !readdir(join(tmp, "lora-state")).includes("model.safetensors"),
    "a LoRA checkpoint holds no base weights",
  );
  const opt = readSafetensors(join(tmp, "lora-state", "optimizer.safetensors"));
  assert.equal(opt.size, 2 * 2 * 3 * 2);
  const b = new LocalEngine(tiny, initParameters(tiny, 3, 0.3), { ...opts, seed: 99 });
  await b.loadState(join(tmp, "lora-state"));
  for (const [k, v] of a.loraAdapters()!.adapters) assert.deepEqual(b.loraAdapters()!.adapters.get(k), v, k);
  await step(a);
  await step(b);
  for (const [k, v] of a.loraAdapters()!.adapters) assert.deepEqual(b.loraAdapters()!.adapters.get(k), v, k);
  // the frozen base shares the weight arrays and scores without the adapters
  const ref = a.frozenBase();
  assert.equal(ref.parameters().get("model.embed_tokens.weight"), params.get("model.embed_tokens.weight"));
  const plain = new LocalEngine(tiny, params, { intraOpNumThreads: 1 });
  assert.deepEqual(await ref.computeLogprobs(seqs), await plain.computeLogprobs(seqs));
  // a mismatched adapter, a full checkpoint, dropout
  const other = new LocalEngine(tiny, params, { ...opts, lora: { ...opts.lora, rank: 3 } });
  await assert.rejects(other.loadState(join(tmp, "lora-state")), /differs from this engine's LoRA \(r 3/);
  await assert.rejects(plain.loadState(join(tmp, "lora-state")), /holds a LoRA adapter/);
  await plain.saveState(join(tmp, "full-state"));
  await assert.rejects(a.loadState(join(tmp, "full-state")), /no adapter_config\.json/);
  assert.throws(
    () => LocalEngine.fromDirectory(join(tmp, "lora-state")),
    /holds a LoRA adapter \(adapter_config\.json\), not a model/,
  );
  assert.throws(
    () => new LocalEngine(tiny, params, { ...opts, lora: { ...opts.lora, dropout: 1 } }),
    /LoRA dropout must be in \[0, 1\), got 1/,
  );
  for (const e of [a, b, ref, plain, other]) await e.close();
});

// ---- dropout ----

test("dropout masks: one [N, in] per target, kept with probability 1 − p, the same from the same seed", () => {
  const lora: LoraSpec = { rank: 2, alpha: 4, targetModules: ["q_proj", "down_proj"] };
  const shapes = dropoutMaskShapes(tiny, lora, 5);
  assert.deepEqual(
    [...shapes],
    [
      ["dropout:model.layers.0.self_attn.q_proj", [5, 8]],
      ["dropout:model.layers.0.mlp.down_proj", [5, 12]],
      ["dropout:model.layers.1.self_attn.q_proj", [5, 8]],
      ["dropout:model.layers.1.mlp.down_proj", [5, 12]],
    ],
  );
  const a = drawDropoutMasks(tiny, lora, 5, 0.25, Rng.derive(7, 0, 0));
  assert.deepEqual(a, drawDropoutMasks(tiny, lora, 5, 0.25, Rng.derive(7, 0, 0)));
  assert.notDeepEqual(a, drawDropoutMasks(tiny, lora, 5, 0.25, Rng.derive(7, 0, 1)));
  const big = drawDropoutMasks(tiny, lora, 2000, 0.25, new Rng(3));
  const all = [...big.values()].flatMap((m) => [...m]);
  const kept = all.reduce((n, k) => n + k, 0) / all.length;
  assert.ok(Math.abs(kept - 0.75) < 0.005, `kept fraction ${kept}`);
  assert.ok(
    [...drawDropoutMasks(tiny, lora, 50, 0, new Rng(3)).values()].every((m) => m.every((k) => k === 1)),
  );
});

test("with dropout, the adapters' gradient (fixed masks) matches finite differences in float64", async () => {
  const rng = new Rng(21);
  const lora = { ...allLinear, dropout: 0.3 };
  const spec: LossSpec = { kind: "importance_sampling" };
  const datums: Datum[] = seqs.map((s) => ({
    inputTokens: s.slice(0, -1),
    targetTokens: s.slice(1),
    weights: s.slice(1).map((_, t) => 0.2 + 0.1 * (t % 3)),
  }));
  const B = 2;
  const T = 8;
  const g = trainingGraph(tiny, spec, B, T, true, { dtype: "float64", lora });
  const compiled = await CompiledGraph.compile(g);
  const feeds: Record<string, FeedArray> = {
    ...float64BatchFeeds(packedFeeds(tiny, datums, packDatums(datums, 0), B, T, [])),
  };
  Object.assign(feeds, float64Parameters(initParameters(tiny, 9, 0.5)));
  const adapters = randomAdapters(tiny, allLinear, 4);
  for (const [k, v] of adapters) feeds[k] = Float64Array.from(v);
  feeds.advantages = Float64Array.from({ length: B * T }, (_, i) => (i % 2 === 0 ? 1.3 : -0.7));
  feeds.samplingLogprobs = Float64Array.from({ length: B * T }, () => -2 - rng.next());
  const masks = drawDropoutMasks(tiny, lora, B * T, lora.dropout, new Rng(5));
  for (const [k, v] of masks) feeds[k] = v;
  const base = await compiled.run(feeds);
  // the masks act: all kept (scaled by 1/(1 − p)) gives other logprobs
  const allKept = await compiled.run({
    ...feeds,
    ...Object.fromEntries([...masks].map(([k, v]) => [k, new Uint8Array(v.length).fill(1)])),
  });
  assert.ok(Math.abs((allKept.logprobs as Float64Array)[3] - (base.logprobs as Float64Array)[3]) > 1e-4);
  const r = await namedGradientError(compiled, feeds, base, adapters.keys(), (_n, x) =>
    rng.shuffle([...x.keys()]).slice(0, 3),
  );
  assert.ok(r.maxError < 1e-5, `worst relative error ${r.maxError} at ${r.worst}`);
  await compiled.release();
});

test("dropout 0 builds the graph without masks; dropout acts in forwardBackward only, reproducibly, and resumes exactly", async () => {
  const spec: LossSpec = { kind: "cross_entropy" };
  const noDropout = trainingGraph(tiny, spec, 1, 8, true, { lora: { ...allLinear, dropout: 0 } });
  assert.ok(!noDropout.inputs.some((t) => t.source.kind === "input" && t.source.name.startsWith("dropout:")));
  const params = initParameters(tiny, 3, 0.3);
  const adapters = randomAdapters(tiny, allLinear, 6);
  const engine = (dropout: number, seed: number) =>
    new LocalEngine(tiny, params, {
      intraOpNumThreads: 1,
      seed,
      lora: { ...allLinear, targetModules: [...LORA_TARGET_MODULES], dropout, adapters: copy(adapters) },
    });
  const copy = (m: ReadonlyMap<string, Float32Array>) => new Map([...m].map(([k, v]) => [k, v.slice()]));
  const datums: Datum[] = seqs.map((s) => ({
    inputTokens: s.slice(0, -1),
    targetTokens: s.slice(1),
    weights: s.slice(1).map(() => 1),
  }));
  const plain = engine(0, 1);
  const a = engine(0.4, 1);
  // no dropout when scoring, evaluating or sampling
  assert.deepEqual(await a.computeLogprobs(seqs), await plain.computeLogprobs(seqs));
  assert.deepEqual((await a.forward(datums, spec)).logprobs, (await plain.forward(datums, spec)).logprobs);
  const sampling = { maxTokens: 4, temperature: 1, topK: -1, topP: 1, seed: 5 };
  assert.deepEqual(await a.sample([1, 2], 2, sampling), await plain.sample([1, 2], 2, sampling));
  // in training: other logprobs than without dropout; the same from the same seed, others from another
  const trained = await a.forwardBackward(datums, spec);
  const same = engine(0.4, 1);
  const again = await same.forwardBackward(datums, spec);
  assert.notDeepEqual(trained.logprobs, (await plain.forwardBackward(datums, spec)).logprobs);
  assert.deepEqual(again.logprobs, trained.logprobs);
  assert.deepEqual(copy(same.accumulatedGradients()!), copy(a.accumulatedGradients()!));
  const other = engine(0.4, 2);
  assert.notDeepEqual((await other.forwardBackward(datums, spec)).logprobs, trained.logprobs);
  // each micro-batch call of a step draws new masks
  assert.notDeepEqual((await a.forwardBackward(datums, spec)).logprobs, trained.logprobs);
  // resume: a checkpoint restores the dropout seed, and the next step draws what the uninterrupted run draws
  await a.optimStep({ ...DEFAULT_ADAM, learningRate: 1e-2 });
  await a.saveState(join(tmp, "dropout-state"));
  const resumed = engine(0.4, 99);
  await resumed.loadState(join(tmp, "dropout-state"));
  const next = await a.forwardBackward(datums, spec);
  assert.deepEqual((await resumed.forwardBackward(datums, spec)).logprobs, next.logprobs);
  assert.deepEqual(copy(resumed.accumulatedGradients()!), copy(a.accumulatedGradients()!));
  for (const e of [plain, a, same, other, resumed]) await e.close();
});

test("the LM head in chunks (LoRA): logprobs, entropy and loss equal the whole head's, adapter gradients equal across chunkings", async () => {
  const spec: LossSpec = {
    kind: "policy",
    policy: "ppo",
    clipLow: 0.8,
    clipHigh: 1.2,
    klCoef: 0,
    klEstimator: "k3",
    entropyCoef: 0.05,
  };
  const datums: Datum[] = seqs.map((s) => ({
    inputTokens: s.slice(0, -1),
    targetTokens: s.slice(1),
    weights: s.slice(1).map((_, t) => 0.2 + 0.1 * (t % 3)),
  }));
  const B = 2;
  const T = 8;
  const feeds: Record<string, FeedArray> = {
    ...float64BatchFeeds(packedFeeds(tiny, datums, packDatums(datums, 0), B, T, [])),
  };
  Object.assign(feeds, float64Parameters(initParameters(tiny, 9, 0.5)));
  const adapters = randomAdapters(tiny, allLinear, 4);
  for (const [k, v] of adapters) feeds[k] = Float64Array.from(v);
  feeds.advantages = Float64Array.from({ length: B * T }, (_, i) => (i % 2 === 0 ? 1.3 : -0.7));
  feeds.samplingLogprobs = Float64Array.from({ length: B * T }, (_, i) => -2 - 0.1 * (i % 5));
  const run = async (withGrad: boolean, dtype: "float32" | "float64", chunk?: number) => {
    const c = await CompiledGraph.compile(
      trainingGraph(tiny, spec, B, T, withGrad, { dtype, lora: allLinear, headChunkTokens: chunk }),
    );
    const f32 = (x: FeedArray) => (x instanceof Float64Array ? Float32Array.from(x) : x);
    const out = await c.run(
      dtype === "float64" ? feeds : Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, f32(v)])),
    );
    await c.release();
    return out;
  };
  const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) => {
    for (let i = 0; i < a.length; i++)
      assert.ok(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
  };
  // the forward graph has the head whole: log-softmax, gather and entropy over [16, V] (float32: onnxruntime
  // fuses its x·σ(x) into a float-only kernel)
  const whole = await run(false, "float32");
  for (const chunk of [64, 5]) {
    const out = await run(true, "float32", chunk);
    for (const key of ["logprobs", "entropy", "loss"])
      close(out[key] as Float32Array, whole[key] as Float32Array, 1e-6, `${key}, chunks of ${chunk}`);
  }
  // 16 tokens in chunks of 5, 5, 5, 1 against one chunk, in float64
  const oneChunk = await run(true, "float64", 64);
  const chunks = await run(true, "float64", 5);
  for (const key of ["logprobs", "entropy", "loss"])
    close(chunks[key] as Float64Array, oneChunk[key] as Float64Array, 1e-12, key);
  for (const name of adapters.keys())
    close(chunks[`grad:${name}`] as Float64Array, oneChunk[`grad:${name}`] as Float64Array, 1e-12, name);
});

test("engines with and without LoRA, and of two ranks, share one graph cache and each gets its own graphs", async () => {
  const params = initParameters(tiny, 2, 0.3);
  const shapes = [null, { ...allLinear, adapters: randomAdapters(tiny, allLinear, 6) }] as const;
  const rank3 = { ...allLinear, rank: 3 };
  const engines = (sessions?: SessionCache) => [
    new LocalEngine(tiny, params, { intraOpNumThreads: 1, sessions }),
    new LocalEngine(tiny, params, { intraOpNumThreads: 1, sessions, lora: { ...shapes[1], dropout: 0 } }),
    new LocalEngine(tiny, params, {
      intraOpNumThreads: 1,
      sessions,
      lora: { ...rank3, dropout: 0, adapters: randomAdapters(tiny, rank3, 7) },
    }),
  ];
  const shared = new SessionCache({ intraOpNumThreads: 1 });
  const sampling = { temperature: 1, topK: -1, topP: 1, maxTokens: 4, seed: 3 };
  for (const [a, b] of engines(shared).map((e, i) => [e, engines()[i]] as const)) {
    assert.deepEqual(await a.computeLogprobs(seqs), await b.computeLogprobs(seqs));
    assert.deepEqual(await a.sample([1, 4, 2], 2, sampling), await b.sample([1, 4, 2], 2, sampling));
    await b.close();
  }
  await shared.clear();
});
