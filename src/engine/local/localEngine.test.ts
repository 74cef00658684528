import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { checkpointProblem, writeManifest } from "../../run/checkpointManifest.js";
import { DEFAULT_ADAM, type Datum, type LossSpec } from "../types.js";
import { Graph } from "./graph/graph.js";
import { peakLiveBytes } from "./graph/executionOrder.js";
import { CompiledGraph } from "./graph/runtime.js";
import { addRows, EMBED_ROWS_OUTPUT, HEAD_ROWS_OUTPUT, LocalEngine, trainingGraph } from "./localEngine.js";
import { causalAttention, declareParameters, decoderHidden, lmHead, ropeConstants } from "./model.js";
import type { ModelConfig } from "./modelConfig.js";
import { packDatums, packedFeeds } from "./prefixPacking.js";
import { readSafetensors } from "./safetensors.js";
import { tinyModelConfig } from "./tinyModelConfig.js";

const FIXTURE = fileURLToPath(new URL("../../../test-data/tiny-qwen2/", import.meta.url));

interface Golden {
  input_ids: number[][];
  loss_mask: number[][];
  sampling_logprobs: number[][];
  ref_logprobs: number[][];
  advantages: number[];
  clip_low: number;
  clip_high: number;
  kl_beta: number;
  entropy_coef: number;
  logits: number[][][];
  target_logprobs: number[][];
  entropy: number[][];
  loss: number;
}

const golden = JSON.parse(readFileSync(join(FIXTURE, "golden.json"), "utf8")) as Golden;
const tmp = mkdtempSync(join(tmpdir(), "rlvr-local-engine-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** ‖a − b‖ / ‖b‖ */
function relErrByNorm(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
}

/** The fixture's GRPO-style loss as datums: weights = mask / (count · #sequences). */
function goldenDatums(): Datum[] {
  const S = golden.input_ids.length;
  return golden.input_ids.map((ids, s) => {
    const mask = golden.loss_mask[s];
    const count = mask.reduce((a, b) => a + b, 0);
    return {
      inputTokens: ids.slice(0, -1),
      targetTokens: ids.slice(1),
      weights: mask.map((m) => m / (count * S)),
      samplingLogprobs: golden.sampling_logprobs[s],
      advantages: mask.map(() => golden.advantages[s]),
      refLogprobs: golden.ref_logprobs[s],
    };
  });
}

const goldenLoss: LossSpec = {
  kind: "policy",
  policy: "ppo",
  clipLow: golden.clip_low,
  clipHigh: golden.clip_high,
  klCoef: golden.kl_beta,
  klEstimator: "k3",
  entropyCoef: golden.entropy_coef,
};

test("golden parity with PyTorch: logits, logprobs, entropy, loss and every gradient", async () => {
  const engine = LocalEngine.fromDirectory(FIXTURE, { intraOpNumThreads: 1 });
  const cfg = engine.config;
  // logits over all 16 positions, from the model graph directly
  const [S, T] = [golden.input_ids.length, golden.input_ids[0].length];
  const g = new Graph();
  const params = declareParameters(g, cfg);
  const tokens = g.input("tokens", [S, T], "int32");
  const { cos, sin } = ropeConstants(g, cfg, T, "float32");
  g.output(
    "logits",
    lmHead(cfg, params, decoderHidden(cfg, params, { tokens, cos, sin, attention: causalAttention(cfg) })),
  );
  const compiled = await CompiledGraph.compile(g);
  const logits = (
    await compiled.run({
      ...Object.fromEntries(engine.parameters()),
      tokens: Int32Array.from(golden.input_ids.flat()),
    })
  ).logits as Float32Array;
  const logitErr = maxAbsDiff(logits, golden.logits.flat(2));
  assert.ok(logitErr < 1e-4, `logits max abs error ${logitErr}`);

  const out = await engine.forwardBackward(goldenDatums(), goldenLoss);
  const lpErr = maxAbsDiff(out.logprobs.flat(), golden.target_logprobs.flat());
  assert.ok(lpErr < 1e-4, `logprobs max abs error ${lpErr}`);
  const lossErr = Math.abs(out.metrics["loss:sum"] - golden.loss) / Math.abs(golden.loss);
  assert.ok(lossErr < 1e-4, `loss ${out.metrics["loss:sum"]} vs ${golden.loss}`);
  const meanEntropy =
    golden.entropy.flat().reduce((a, e, i) => a + e * golden.loss_mask.flat()[i], 0) /
    golden.loss_mask.flat().reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(out.metrics["entropy:mean"] - meanEntropy) < 1e-4);

  // kl:mean = mean k3 over the masked tokens; clip_frac:mean counts tokens where the PPO clip is active
  let k3Sum = 0;
  let clippedCount = 0;
  let count = 0;
  golden.loss_mask.forEach((mask, s) => {
    mask.forEach((m, t) => {
      if (m === 0) return;
      const x = golden.target_logprobs[s][t] - golden.ref_logprobs[s][t];
      k3Sum += Math.exp(-x) + x - 1;
      const r = Math.exp(golden.target_logprobs[s][t] - golden.sampling_logprobs[s][t]);
      const A = golden.advantages[s];
      if ((A > 0 && r > golden.clip_high) || (A < 0 && r < golden.clip_low)) clippedCount++;
      count++;
    });
  });
  assert.ok(Math.abs(out.metrics["kl:mean"] - k3Sum / count) < 1e-5, `kl:mean ${out.metrics["kl:mean"]}`);
  assert.equal(out.metrics["clip_frac:mean"], clippedCount / count);

  const expected = readSafetensors(join(FIXTURE, "golden_grads.safetensors"));
  const grads = engine.accumulatedGradients()!;
  assert.equal(grads.size, expected.size);
  for (const [name, t] of expected) {
    const got = grads.get(name);
    assert.ok(got, `no gradient for ${name}`);
    const err = relErrByNorm(got, t.data);
    assert.ok(err < 1e-4, `gradient ${name}: relative error by norm ${err}`);
  }
  await compiled.release();
  await engine.close();
});

test("computeLogprobs matches the golden next-token logprobs", async () => {
  const engine = LocalEngine.fromDirectory(FIXTURE, { intraOpNumThreads: 1 });
  const lp = await engine.computeLogprobs(golden.input_ids);
  assert.ok(maxAbsDiff(lp.flat(), golden.target_logprobs.flat()) < 1e-4);
  await engine.close();
});

test("gradients accumulate across calls and optimStep clears them", async () => {
  const engine = LocalEngine.fromDirectory(FIXTURE, { intraOpNumThreads: 1 });
  const datums = goldenDatums();
  await engine.forwardBackward(datums.slice(0, 1), goldenLoss);
  await engine.forwardBackward(datums.slice(1), goldenLoss);
  const split = new Map([...engine.accumulatedGradients()!].map(([k, v]) => [k, v.slice()]));
  await engine.optimStep(DEFAULT_ADAM);
  assert.equal(engine.accumulatedGradients(), null);
  await assert.rejects(engine.optimStep(DEFAULT_ADAM), /no gradients accumulated/);
  const expected = readSafetensors(join(FIXTURE, "golden_grads.safetensors"));
  for (const [name, t] of expected) {
    const err = relErrByNorm(split.get(name)!, t.data);
    assert.ok(err < 1e-4, `accumulated gradient ${name}: ${err}`);
  }
  await engine.close();
});

test("micro-batches (one datum each) give the same loss and gradients as one batch", async () => {
  const engine = LocalEngine.fromDirectory(FIXTURE, { intraOpNumThreads: 1, microBatchTokens: 16 });
  const out = await engine.forwardBackward(goldenDatums(), goldenLoss);
  assert.ok(Math.abs(out.metrics["loss:sum"] - golden.loss) < 1e-4 * Math.abs(golden.loss));
  const expected = readSafetensors(join(FIXTURE, "golden_grads.safetensors"));
  for (const [name, t] of expected) {
    const err = relErrByNorm(engine.accumulatedGradients()!.get(name)!, t.data);
    assert.ok(err < 1e-4, `gradient ${name}: ${err}`);
  }
  await engine.close();
});

test("variable-length datums pad to one bucket and match per-datum results", async () => {
  const engine = LocalEngine.fromDirectory(FIXTURE, { intraOpNumThreads: 1 });
  const full = goldenDatums();
  const short: Datum = {
    inputTokens: full[0].inputTokens.slice(0, 7),
    targetTokens: full[0].targetTokens.slice(0, 7),
    weights: full[0].weights.slice(0, 7),
  };
  const together = await engine.forward([short, full[1]], { kind: "cross_entropy" });
  const alone = await engine.forward([short], { kind: "cross_entropy" });
  assert.equal(together.logprobs[0].length, 7);
  assert.ok(maxAbsDiff(together.logprobs[0], alone.logprobs[0]) < 1e-5);
  assert.ok(maxAbsDiff(together.logprobs[1], golden.target_logprobs[1]) < 1e-4);
  await engine.close();
});

test("Tinker losses: loss:sum equals Σ w·ℓ computed from the returned logprobs", async () => {
  const engine = LocalEngine.fromDirectory(FIXTURE, { intraOpNumThreads: 1 });
  const datums = goldenDatums();
  const specs: LossSpec[] = [
    { kind: "cross_entropy" },
    { kind: "importance_sampling" },
    { kind: "ppo", clipLow: 0.8, clipHigh: 1.2 },
    { kind: "cispo", clipLow: 0.8, clipHigh: 1.2 },
    {
      kind: "policy",
      policy: "importance_sampling",
      clipLow: 0.8,
      clipHigh: 1.2,
      klCoef: 0.1,
      klEstimator: "k1",
      entropyCoef: 0,
    },
    {
      kind: "policy",
      policy: "cispo",
      clipLow: 0.8,
      clipHigh: 1.2,
      klCoef: 0.1,
      klEstimator: "k2",
      entropyCoef: 0,
    },
  ];
  for (const spec of specs) {
    const out = await engine.forward(datums, spec);
    let expected = 0;
    datums.forEach((d, b) => {
      d.weights.forEach((w, t) => {
        const lp = out.logprobs[b][t];
        const q = d.samplingLogprobs![t];
        const A = d.advantages![t];
        const r = Math.exp(lp - q);
        const clipped = Math.min(Math.max(r, 0.8), 1.2);
        const x = lp - d.refLogprobs![t];
        let l: number;
        const policy = spec.kind === "policy" ? spec.policy : spec.kind;
        if (policy === "cross_entropy") l = -lp;
        else if (policy === "importance_sampling") l = -r * A;
        else if (policy === "ppo") l = -Math.min(r * A, clipped * A);
        else l = -clipped * A * lp;
        if (spec.kind === "policy") l += spec.klCoef * (spec.klEstimator === "k1" ? x : 0.5 * x * x);
        expected += w * l;
      });
    });
    const got = out.metrics["loss:sum"];
    assert.ok(
      Math.abs(got - expected) < 1e-5 * Math.max(1, Math.abs(expected)),
      `${JSON.stringify(spec)}: ${got} vs ${expected}`,
    );
  }
  await engine.close();
});

test("saveState / loadState round-trip weights, moments and step; saveWeights writes HF layout", async () => {
  const cfg: ModelConfig = {
    vocabSize: 32,
    hiddenSize: 16,
    intermediateSize: 32,
    numHiddenLayers: 1,
    numAttentionHeads: 2,
    numKeyValueHeads: 1,
    headDim: 8,
    rmsNormEps: 1e-6,
    ropeTheta: 10000,
    maxPositionEmbeddings: 32,
    tieWordEmbeddings: true,
    attentionBias: false,
    modelType: "llama",
  };
  const a = LocalEngine.fromConfig(cfg, 7, { intraOpNumThreads: 1 });
  const datum: Datum = { inputTokens: [1, 2, 3, 4], targetTokens: [2, 3, 4, 5], weights: [1, 1, 1, 1] };
  await a.forwardBackward([datum], { kind: "cross_entropy" });
  await a.optimStep({ ...DEFAULT_ADAM, learningRate: 1e-2 });
  await a.saveState(join(tmp, "state"));
  await a.saveWeights(join(tmp, "weights"));
  const b = LocalEngine.fromConfig(cfg, 8, { intraOpNumThreads: 1 });
  await b.loadState(join(tmp, "state"));
  for (const [name, w] of a.parameters()) assert.deepEqual(b.parameters().get(name), w, name);
  // one more identical step on both: same moments and step count → same weights
  for (const e of [a, b]) {
    await e.forwardBackward([datum], { kind: "cross_entropy" });
    await e.optimStep({ ...DEFAULT_ADAM, learningRate: 1e-2 });
  }
  for (const [name, w] of a.parameters()) assert.deepEqual(b.parameters().get(name), w, name);
  const c = LocalEngine.fromDirectory(join(tmp, "weights"));
  assert.equal(c.config.tieWordEmbeddings, true);
  assert.ok(!readSafetensors(join(tmp, "weights", "model.safetensors")).has("lm_head.weight"));
  for (const e of [a, b, c]) await e.close();
});

test("sharded saveState (weights and AdamW moments) verifies against its manifest and resumes exactly; saveDtype bfloat16 halves the weights", async () => {
  const cfg: ModelConfig = {
    vocabSize: 32,
    hiddenSize: 16,
    intermediateSize: 32,
    numHiddenLayers: 2,
    numAttentionHeads: 2,
    numKeyValueHeads: 1,
    headDim: 8,
    rmsNormEps: 1e-6,
    ropeTheta: 10000,
    maxPositionEmbeddings: 32,
    tieWordEmbeddings: false,
    attentionBias: false,
    modelType: "qwen3",
    qkNorm: true,
  };
  // 2 KiB per file: the 2 KiB embedding and LM head each get a shard, so do their moments
  const options = { intraOpNumThreads: 1, maxShardBytes: 2048 };
  const a = LocalEngine.fromConfig(cfg, 7, options);
  const datum: Datum = { inputTokens: [1, 2, 3, 4], targetTokens: [2, 3, 4, 5], weights: [1, 1, 1, 1] };
  const step = async (e: LocalEngine) => {
    await e.forwardBackward([datum], { kind: "cross_entropy" });
    await e.optimStep({ ...DEFAULT_ADAM, learningRate: 1e-2 });
  };
  await step(a);
  const dir = join(tmp, "sharded-state");
  await a.saveState(dir);
  writeManifest(dir);
  const files = readdirSync(dir).sort();
  assert.ok(
    files.includes("model.safetensors.index.json") && files.includes("optimizer.safetensors.index.json"),
  );
  const shards = (base: string) => files.filter((f) => f.startsWith(`${base}-`)).length;
  assert.ok(shards("model") >= 3 && shards("optimizer") >= 5, files.join(", "));
  for (const f of files) {
    if (f.endsWith(".safetensors"))
      assert.ok(statSync(join(dir, f)).size <= 2048 + 512, `${f} is larger than a shard`);
  }
  assert.equal(checkpointProblem(dir), null);
  const b = LocalEngine.fromConfig(cfg, 8, options);
  await b.loadState(dir);
  await step(a);
  await step(b);
  for (const [name, w] of a.parameters()) assert.deepEqual(b.parameters().get(name), w, name);
  // a checkpoint that lacks a moment is refused before anything is overwritten
  const index = join(dir, "optimizer.safetensors.index.json");
  const original = readFileSync(index, "utf8");
  const lacking = JSON.parse(original);
  delete lacking.weight_map["v.model.norm.weight"];
  writeFileSync(index, JSON.stringify(lacking));
  const before = new Map([...b.parameters()].map(([k, w]) => [k, w.slice()]));
  await assert.rejects(b.loadState(dir), /lacks the second moment of "model\.norm\.weight"/);
  for (const [name, w] of b.parameters()) assert.deepEqual(w, before.get(name), name);
  writeFileSync(index, original);
  // a corrupted shard is named by the manifest check
  const shard = join(dir, files.find((f) => f.startsWith("optimizer-"))!);
  const bytes = readFileSync(shard);
  bytes[bytes.length - 1] ^= 1;
  writeFileSync(shard, bytes);
  assert.match(
    checkpointProblem(dir) ?? "",
    /optimizer-0000\d-of-\d+\.safetensors does not match its sha256/,
  );

  const half = LocalEngine.fromConfig(cfg, 7, { intraOpNumThreads: 1, saveDtype: "bfloat16" });
  const full = LocalEngine.fromConfig(cfg, 7, { intraOpNumThreads: 1 });
  await half.saveWeights(join(tmp, "bf16"));
  await full.saveWeights(join(tmp, "f32"));
  const size = (d: string) => statSync(join(tmp, d, "model.safetensors")).size;
  assert.ok(size("bf16") < 0.55 * size("f32"), `${size("bf16")} vs ${size("f32")}`);
  assert.equal(JSON.parse(readFileSync(join(tmp, "bf16", "config.json"), "utf8")).torch_dtype, "bfloat16");
  for (const e of [a, b, half, full]) await e.close();
});

test("datums sharing a prompt are packed into one row and give the logprobs, loss and gradients of unpacked rows", async () => {
  const golden0 = golden.input_ids[0];
  const prompt = golden0.slice(0, 6);
  const tails = golden.input_ids.map((ids, s) => ids.slice(6, 6 + 4 + 2 * s));
  const datums: Datum[] = tails.map((tail, s) => {
    const ids = [...prompt, ...tail];
    const n = ids.length - 1;
    return {
      inputTokens: ids.slice(0, -1),
      targetTokens: ids.slice(1),
      // the completion's tokens are weighted; the last prompt position predicts the first of them
      weights: Array.from({ length: n }, (_, t) => (t < prompt.length - 1 ? 0 : 0.1 + 0.05 * s)),
      samplingLogprobs: Array.from({ length: n }, (_, t) => -2 - 0.1 * (t % 4)),
      advantages: Array.from({ length: n }, () => (s % 2 === 0 ? 0.8 : -1.1)),
      refLogprobs: Array.from({ length: n }, (_, t) => -2.2 + 0.05 * (t % 3)),
    };
  });
  // plus one datum that shares nothing with them, between the others
  datums.splice(1, 0, goldenDatums()[1]);
  const rows = packDatums(datums, 1024);
  assert.ok(
    rows.length < datums.length,
    `expected packing, got ${rows.length} rows for ${datums.length} datums`,
  );

  const packed = LocalEngine.fromDirectory(FIXTURE, { intraOpNumThreads: 1 });
  const apart = LocalEngine.fromDirectory(FIXTURE, { intraOpNumThreads: 1, maxPackTokens: 0 });
  const a = await packed.forwardBackward(datums, goldenLoss);
  const b = await apart.forwardBackward(datums, goldenLoss);
  assert.deepEqual(
    a.logprobs.map((x) => x.length),
    datums.map((d) => d.inputTokens.length),
  );
  assert.ok(maxAbsDiff(a.logprobs.flat(), b.logprobs.flat()) < 1e-5);
  assert.ok(Math.abs(a.metrics["loss:sum"] - b.metrics["loss:sum"]) < 1e-5 * Math.abs(b.metrics["loss:sum"]));
  for (const [name, g] of apart.accumulatedGradients()!) {
    const err = relErrByNorm(packed.accumulatedGradients()!.get(name)!, g);
    assert.ok(err < 1e-5, `gradient ${name}: ${err}`);
  }
  const lpA = await packed.computeLogprobs(datums.map((d) => [d.inputTokens[0], ...d.targetTokens]));
  const lpB = await apart.computeLogprobs(datums.map((d) => [d.inputTokens[0], ...d.targetTokens]));
  assert.ok(maxAbsDiff(lpA.flat(), lpB.flat()) < 1e-5);
  await packed.close();
  await apart.close();
});

test("addRows adds each row into the table at its token's row, repeats summed", () => {
  const table = new Float32Array(3 * 2).fill(1);
  addRows(table, Float32Array.from([1, 2, 10, 20, 100, 200]), Int32Array.from([2, 0, 2]), 2);
  assert.deepEqual([...table], [11, 21, 1, 1, 102, 203]);
});

for (const tied of [true, false]) {
  test(`accumulated gradients over a large vocabulary (embedding rows, vocabulary-sliced head) equal the graph's own (${tied ? "tied" : "untied"} embeddings)`, async () => {
    const cfg = tinyModelConfig({ tieWordEmbeddings: tied });
    // any table counts as large; slices of 4 rows for a micro-batch of 16 tokens (11 = 4 + 4 + 3)
    const largeVocabulary = { minValues: 0, sliceValues: 64 };
    const engine = LocalEngine.fromConfig(cfg, 5, {
      intraOpNumThreads: 1,
      microBatchTokens: 8,
      maxPackTokens: 0,
      largeVocabulary,
    });
    const outputs = (large?: typeof largeVocabulary) =>
      trainingGraph(cfg, { kind: "cross_entropy" }, 1, 16, true, {
        accumulate: true,
        largeVocabulary: large,
      }).outputs.map((o) => o.name);
    const head = tied ? "model.embed_tokens.weight" : "lm_head.weight";
    assert.deepEqual(
      outputs(largeVocabulary).filter((n) => n.startsWith("rows:") || n.startsWith(`grad:${head}`)),
      [`grad:${head}[0:4]`, `grad:${head}[4:8]`, `grad:${head}[8:11]`, HEAD_ROWS_OUTPUT, EMBED_ROWS_OUTPUT],
    );
    assert.ok(!outputs().some((n) => n.startsWith("rows:") || n.includes("[")));
    // vocabulary 11: tokens repeat within and across micro-batches
    const datums: Datum[] = [
      [1, 4, 4, 7, 2, 9, 4, 1],
      [3, 4, 10, 0, 1, 4, 6, 3],
    ].map((s) => ({
      inputTokens: s.slice(0, -1),
      targetTokens: s.slice(1),
      weights: s.slice(1).map((_, t) => 0.1 * (t + 1)),
    }));
    const loss: LossSpec = { kind: "cross_entropy" };
    const fb = await engine.forwardBackward(datums, loss);
    const accumulated = engine.accumulatedGradients()!;
    assert.ok(accumulated.has("model.embed_tokens.weight") && accumulated.has(head));
    // the same batch in one graph without accumulation: the table's gradient comes from its [V, D] scatter there
    const g = trainingGraph(cfg, loss, 2, 7, true);
    assert.ok(!g.outputs.some((o) => o.name === EMBED_ROWS_OUTPUT));
    const compiled = await CompiledGraph.compile(g, { intraOpNumThreads: 1 });
    const packed = packedFeeds(cfg, datums, packDatums(datums, 0), 2, 7, []);
    const out = await compiled.run({
      ...Object.fromEntries(engine.parameters()),
      tokens: packed.tokens,
      targets: packed.targets,
      weights: packed.weights,
      mask: packed.mask,
      cos: packed.cos,
      sin: packed.sin,
    });
    for (const name of engine.parameters().keys()) {
      const err = relErrByNorm(accumulated.get(name)!, out[`grad:${name}`] as Float32Array);
      assert.ok(err < 1e-5, `gradient ${name}: ${err}`);
    }
    const lp = out.logprobs as Float32Array;
    assert.ok(maxAbsDiff(fb.logprobs.flat(), [...lp]) < 1e-5);
    // the forward-only graph (scoring) takes the sliced head too
    const sequences = datums.map((d) => [d.inputTokens[0], ...d.targetTokens]);
    assert.ok(maxAbsDiff((await engine.computeLogprobs(sequences)).flat(), [...lp]) < 1e-5);
    await compiled.release();
    await engine.close();
  });
}

test("a full fine-tuning graph's backward pass frees each layer's upstream gradients (predicted onnxruntime order)", () => {
  // a Qwen-like shape, 64 tokens; the large-vocabulary path (sliced head, rows) as at real sizes
  const cfg = tinyModelConfig({ hiddenSize: 64, intermediateSize: 256, headDim: 16, vocabSize: 300 });
  const peak = (layers: number) =>
    peakLiveBytes(
      trainingGraph({ ...cfg, numHiddenLayers: layers }, { kind: "cross_entropy" }, 1, 64, true, {
        accumulate: true,
        largeVocabulary: { minValues: 0, sliceValues: 64 * 64 },
      }),
    ).bytes;
  const [N, D, I, H, KV, d] = [64, 64, 256, 4, 2, 16];
  // what the backward pass reads of a layer's forward pass: gate and up, the attention probabilities, the
  // layer's input, its two norms' outputs, the residual after attention, q, k, v and the attention output
  const kept = 4 * (2 * N * I + H * N * N + 5 * N * D + N * H * d + 2 * N * KV * d);
  const perLayer = (peak(6) - peak(2)) / 4;
  assert.ok(perLayer <= 1.05 * kept, `${perLayer} bytes a layer, the forward pass keeps ${kept}`);
});
