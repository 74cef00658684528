import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../core/rng.js";
import { gradients } from "./graph/autodiff.js";
import { Graph } from "./graph/graph.js";
import * as op from "./graph/ops.js";
import { CompiledGraph } from "./graph/runtime.js";
import { parseRowSlice, rowSliceName, vocabSlicedHead, vocabSlices } from "./vocabSlicedHead.js";

test("vocabSlices covers the vocabulary in near-equal slices within the value budget", () => {
  assert.deepEqual(vocabSlices(11, 2, 8), [
    { start: 0, end: 4 },
    { start: 4, end: 8 },
    { start: 8, end: 11 },
  ]);
  const qwen = vocabSlices(151_936, 256, 2 ** 22);
  assert.equal(qwen.length, 10);
  assert.ok(qwen.every((s) => (s.end - s.start) * 256 <= 2 ** 22));
  assert.equal(qwen.at(-1)!.end, 151_936);
  assert.deepEqual(
    vocabSlices(5, 100, 10),
    [0, 1, 2, 3, 4].map((v) => ({ start: v, end: v + 1 })),
  );
});

test("rowSliceName and parseRowSlice round-trip; other names are not slices", () => {
  const name = rowSliceName("model.embed_tokens.weight", { start: 3, end: 17 });
  assert.equal(name, "model.embed_tokens.weight[3:17]");
  assert.deepEqual(parseRowSlice(name), { name: "model.embed_tokens.weight", start: 3, end: 17 });
  assert.equal(parseRowSlice("model.norm.weight"), null);
});

// In float64 the sliced head must equal the whole-vocabulary one (log-softmax, its gather and entropy, and
// autodiff's gradients of them) to rounding: values, ∂/∂h, and ∂/∂W assembled as the engine does (each
// slice's rows, plus the target rows added at their tokens). The slices are fed as views of one W.
test("the vocabulary-sliced head equals the whole-vocabulary head and its autodiff gradients (float64)", async () => {
  const [N, D, V] = [6, 5, 11];
  const slices = vocabSlices(V, N, 24); // rows of 4, 4, 3
  assert.equal(slices.length, 3);
  const rng = new Rng(7);
  const data = (n: number, scale: number) => Float64Array.from({ length: n }, () => rng.normal() * scale);
  const hData = data(N * D, 1.5);
  const wData = data(V * D, 1.5);
  // targets repeat (rows 1 and 4), so the target rows of one token add up
  const targets = Int32Array.from([3, 9, 0, 10, 9, 5]);
  const aData = data(N, 1);
  const bData = data(N, 1);

  const g = new Graph();
  const h = g.input("h", [N, D], "float64");
  const w = g.input("w", [V, D], "float64");
  const t = g.input("targets", [N, 1], "int32");
  const a = g.input("a", [N, 1], "float64");
  const b = g.input("b", [N, 1], "float64");
  // reference: the whole [N, V] logits, differentiated by autodiff
  const ref = op.targetLogprobEntropy(op.matmul(h, w, { transB: true }), t);
  const objective = op.sumAll(op.add(op.mul(op.slice(ref, 1, 0, 1), a), op.mul(op.slice(ref, 1, 1, 2), b)));
  const [refDh, refDw] = gradients(objective, [h, w]);
  // without an entropy term (b = null): ∂/∂h of Σ a·lp alone
  const [refDhNoEntropy] = gradients(op.sumAll(op.mul(op.slice(ref, 1, 0, 1), a)), [h]);
  g.output("ref_dh_no_entropy", refDhNoEntropy);
  g.output("ref", ref);
  g.output("ref_dh", refDh);
  g.output("ref_dw", refDw);
  const wSlices = slices.map((s) => g.input(rowSliceName("w", s), [s.end - s.start, D], "float64"));
  const accs = slices.map((s) => g.input(`acc:${rowSliceName("w", s)}`, [s.end - s.start, D], "float64"));
  const head = vocabSlicedHead(h, w, wSlices, t);
  const back = head.backward(a, b, accs);
  g.output("lp", head.logprobs_N1);
  g.output("entropy", head.entropy_N1);
  g.output("dh", back.hidden_ND);
  g.output("target_rows", back.targetRows_ND);
  const noEntropy = head.backward(a, null, accs);
  g.output("dh_no_entropy", noEntropy.hidden_ND);
  for (const [k, dw] of back.weightSlices.entries()) g.output(`grad:${rowSliceName("w", slices[k])}`, dw);

  const compiled = await CompiledGraph.compile(g, { intraOpNumThreads: 1 });
  // the accumulators start at 1: the slices' outputs are acc + gradient, written into acc itself
  const dW = new Float64Array(V * D).fill(1);
  const feeds: Record<string, Float64Array | Int32Array> = {
    h: hData,
    w: wData,
    targets,
    a: aData,
    b: bData,
  };
  const into: Record<string, Float64Array> = {};
  for (const s of slices) {
    feeds[rowSliceName("w", s)] = wData.subarray(s.start * D, s.end * D);
    feeds[`acc:${rowSliceName("w", s)}`] = dW.subarray(s.start * D, s.end * D);
    into[`grad:${rowSliceName("w", s)}`] = dW.subarray(s.start * D, s.end * D);
  }
  const out = await compiled.run(feeds, into);
  const refOut = out.ref as Float64Array;
  const close = (x: number, y: number) => Math.abs(x - y) <= 1e-12 * (1 + Math.abs(y));
  for (let n = 0; n < N; n++) {
    assert.ok(close((out.lp as Float64Array)[n], refOut[2 * n]), `logprob ${n}`);
    assert.ok(close((out.entropy as Float64Array)[n], refOut[2 * n + 1]), `entropy ${n}`);
  }
  const [dh, dhRef] = [out.dh as Float64Array, out.ref_dh as Float64Array];
  for (let i = 0; i < dh.length; i++) assert.ok(close(dh[i], dhRef[i]), `dh ${i}`);
  const [dh0, dh0Ref] = [out.dh_no_entropy as Float64Array, out.ref_dh_no_entropy as Float64Array];
  for (let i = 0; i < dh0.length; i++) assert.ok(close(dh0[i], dh0Ref[i]), `dh without entropy ${i}`);
  const rows = out.target_rows as Float64Array;
  for (let n = 0; n < N; n++) for (let d = 0; d < D; d++) dW[targets[n] * D + d] += rows[n * D + d];
  const refDW = out.ref_dw as Float64Array;
  for (let i = 0; i < dW.length; i++)
    assert.ok(close(dW[i] - 1, refDW[i]), `dW ${i}: ${dW[i] - 1} vs ${refDW[i]}`);
  await compiled.release();
});
