// Every op's VJP against central finite differences in float64 (h = 1e-6; the truncation and
// rounding error of a central difference is then ~1e-9, so 1e-6 relative is a strict bound).
import assert from "node:assert/strict";
import { test } from "node:test";
import { differentiableOps, gradients } from "./autodiff.js";
import { Graph, type Tensor, topologicalNodes } from "./graph.js";
import { type GradCheckInput, gradCheck } from "./gradcheck.js";
import * as op from "./ops.js";
import { CompiledGraph } from "./runtime.js";

interface Case {
  name: string;
  inputs: GradCheckInput[];
  build: (xs: Tensor[]) => Tensor;
}

const positive = (shape: number[]) => ({
  shape,
  data: Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => 0.5 + ((i * 7) % 11) / 10),
});
/** Values spread out so that no two are within 0.05 of each other or of the clip bounds used below. */
const spread = (shape: number[]) => ({
  shape,
  data: Float64Array.from(
    { length: shape.reduce((a, b) => a * b, 1) },
    (_, i) => -1.13 + ((i * 5) % 13) * 0.17,
  ),
});
const idx = (xs: Tensor[], values: number[], shape: number[]) =>
  xs[0].graph.constant(Int32Array.from(values), shape);

const cases: Case[] = [
  { name: "add broadcast", inputs: [{ shape: [2, 3] }, { shape: [3] }], build: ([a, b]) => op.add(a, b) },
  {
    name: "add keepdim broadcast",
    inputs: [{ shape: [2, 1, 4] }, { shape: [3, 1] }],
    build: ([a, b]) => op.add(a, b),
  },
  { name: "sub broadcast", inputs: [{ shape: [2, 3] }, { shape: [2, 1] }], build: ([a, b]) => op.sub(a, b) },
  { name: "mul broadcast", inputs: [{ shape: [2, 3] }, { shape: [1, 3] }], build: ([a, b]) => op.mul(a, b) },
  { name: "mul by number", inputs: [{ shape: [4] }], build: ([a]) => op.mul(a, 3) },
  { name: "div broadcast", inputs: [{ shape: [2, 3] }, positive([3])], build: ([a, b]) => op.div(a, b) },
  {
    name: "min",
    inputs: [spread([2, 3]), { shape: [2, 3], data: new Float64Array(6).fill(0.01) }],
    build: ([a, b]) => op.minimum(a, b),
  },
  {
    name: "max broadcast",
    inputs: [spread([2, 3]), { shape: [1], data: Float64Array.of(0.04) }],
    build: ([a, b]) => op.maximum(a, b),
  },
  { name: "neg", inputs: [{ shape: [5] }], build: ([a]) => op.neg(a) },
  { name: "exp", inputs: [{ shape: [5] }], build: ([a]) => op.exp(a) },
  { name: "log", inputs: [positive([5])], build: ([a]) => op.log(a) },
  { name: "sqrt", inputs: [positive([5])], build: ([a]) => op.sqrt(a) },
  { name: "reciprocal", inputs: [positive([5])], build: ([a]) => op.reciprocal(a) },
  { name: "sigmoid", inputs: [{ shape: [5] }], build: ([a]) => op.sigmoid(a) },
  { name: "clip", inputs: [spread([3, 4])], build: ([a]) => op.clip(a, -0.53, 0.48) },
  {
    name: "where",
    inputs: [{ shape: [2, 3] }, { shape: [3] }],
    build: ([a, b]) => op.where(op.less(a, 0), a, op.mul(b, 2)),
  },
  { name: "matmul", inputs: [{ shape: [3, 4] }, { shape: [4, 2] }], build: ([a, b]) => op.matmul(a, b) },
  {
    name: "matmul transA",
    inputs: [{ shape: [4, 3] }, { shape: [4, 2] }],
    build: ([a, b]) => op.matmul(a, b, { transA: true }),
  },
  {
    name: "matmul transB",
    inputs: [{ shape: [3, 4] }, { shape: [2, 4] }],
    build: ([a, b]) => op.matmul(a, b, { transB: true }),
  },
  {
    name: "matmul transA transB batched",
    inputs: [{ shape: [2, 4, 3] }, { shape: [2, 2, 4] }],
    build: ([a, b]) => op.matmul(a, b, { transA: true, transB: true }),
  },
  {
    name: "matmul batch broadcast",
    inputs: [{ shape: [2, 1, 3, 4] }, { shape: [3, 4, 2] }],
    build: ([a, b]) => op.matmul(a, b),
  },
  { name: "reshape", inputs: [{ shape: [2, 6] }], build: ([a]) => op.mul(op.reshape(a, [3, -1]), 2) },
  { name: "transpose", inputs: [{ shape: [2, 3, 4] }], build: ([a]) => op.transpose(a, [2, 0, 1]) },
  { name: "expand", inputs: [{ shape: [3, 1] }], build: ([a]) => op.expand(a, [2, 3, 4]) },
  {
    name: "concat",
    inputs: [{ shape: [2, 3] }, { shape: [2, 2] }],
    build: ([a, b]) => op.concat([a, op.exp(b)], 1),
  },
  { name: "slice", inputs: [{ shape: [3, 5] }], build: ([a]) => op.slice(a, 1, 1, 4) },
  { name: "pad", inputs: [{ shape: [3, 2] }], build: ([a]) => op.pad(a, 0, 1, 2) },
  {
    name: "reduceSum keepdims",
    inputs: [{ shape: [2, 3, 4] }],
    build: ([a]) => op.reduceSum(a, [0, 2], true),
  },
  { name: "reduceSum", inputs: [{ shape: [2, 3, 4] }], build: ([a]) => op.reduceSum(a, [1]) },
  { name: "reduceMean", inputs: [{ shape: [2, 3, 4] }], build: ([a]) => op.reduceMean(a, [-1], true) },
  {
    name: "rmsNorm",
    inputs: [{ shape: [3, 4] }, { shape: [4] }],
    build: ([x, w]) => op.rmsNorm(x, w, 1e-6),
  },
  { name: "softmax", inputs: [{ shape: [2, 5] }], build: ([a]) => op.softmax(op.mul(a, 3)) },
  { name: "logSoftmax", inputs: [{ shape: [2, 5] }], build: ([a]) => op.logSoftmax(op.mul(a, 3)) },
  {
    name: "gather (repeated rows)",
    inputs: [{ shape: [5, 3] }],
    build: (xs) => op.gather(xs[0], idx(xs, [0, 4, 4, 1, 0, 2], [2, 3])),
  },
  {
    name: "gatherLast",
    inputs: [{ shape: [2, 3, 5] }],
    build: (xs) => op.gatherLast(xs[0], idx(xs, [0, 4, 2, 2, 1, 3], [2, 3, 1])),
  },
  {
    name: "scatterAddRows",
    inputs: [{ shape: [2, 2, 3] }],
    build: (xs) => op.scatterAddRows(xs[0], idx(xs, [1, 3, 1, 0], [2, 2]), 4),
  },
  {
    name: "scatterLast",
    inputs: [{ shape: [2, 3, 1] }],
    build: (xs) => op.scatterLast(xs[0], idx(xs, [0, 4, 2, 2, 1, 3], [2, 3, 1]), 5),
  },
  {
    name: "swiglu",
    inputs: [{ shape: [2, 3] }, { shape: [2, 3] }],
    build: ([a, b]) => op.swiglu(op.mul(a, 2), b),
  },
  {
    name: "targetLogprobEntropy (both outputs weighted)",
    inputs: [{ shape: [3, 5] }],
    build: (xs) =>
      op.mul(
        op.targetLogprobEntropy(op.mul(xs[0], 3), idx(xs, [4, 0, 2], [3, 1])),
        xs[0].graph.constant(Float64Array.of(0.7, -1.3, 1.1, 0.4, -0.2, 2), [3, 2]),
      ),
  },
  {
    name: "after (b is only waited for)",
    inputs: [{ shape: [2, 3] }, { shape: [4, 2] }],
    build: ([a, b]) => op.after(op.mul(a, 2), [op.mul(b, b)]),
  },
  {
    name: "cast round trip (float64→float64)",
    inputs: [{ shape: [3] }],
    build: ([a]) => op.cast(op.mul(a, a), "float64"),
  },
];

test("every op's VJP matches central finite differences (float64)", async () => {
  const covered = new Set<string>();
  for (const c of cases) {
    const r = await gradCheck(c.build, c.inputs);
    for (const o of r.ops) covered.add(o);
    assert.ok(r.maxError < 1e-6, `${c.name}: max error ${r.maxError} at ${r.worst}`);
    assert.ok(r.checked > 0, `${c.name}: nothing checked`);
  }
  // StopGradient's rule is "no gradient", which finite differences cannot see; tested below.
  const untested = differentiableOps.filter((o) => !covered.has(o) && o !== "StopGradient");
  assert.deepEqual(untested, [], `ops without a finite-difference test: ${untested.join(", ")}`);
});

test("stopGradient blocks exactly its path", async () => {
  const g = new Graph();
  const a = g.input("a", [4], "float64");
  // d/da Σ sg(eᵃ)·a = eᵃ (the path through eᵃ is cut)
  const [grad] = gradients(op.sumAll(op.mul(op.stopGradient(op.exp(a)), a)), [a]);
  g.output("grad", grad);
  const compiled = await CompiledGraph.compile(g);
  const x = Float64Array.of(-1, 0, 0.5, 2);
  const out = (await compiled.run({ a: x })).grad as Float64Array;
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(out[i] - Math.exp(x[i])) < 1e-12, `element ${i}: ${out[i]}`);
});

test("nothing computed from a stopGradient's output is differentiated (reduceMax has no rule)", async () => {
  const g = new Graph();
  const a = g.input("a", [2, 3], "float64");
  // d/da Σ a·max_row(sg(a)) = max_row(a), broadcast over the row
  const [grad] = gradients(op.sumAll(op.mul(a, op.reduceMax(op.stopGradient(a), [1], true))), [a]);
  g.output("grad", grad);
  const compiled = await CompiledGraph.compile(g);
  const out = (await compiled.run({ a: Float64Array.of(1, 5, -2, 0, -3, 4) })).grad as Float64Array;
  assert.deepEqual([...out], [5, 5, 5, 4, 4, 4]);
});

test("a matmul's weight gradient recomputes a SwiGLU input instead of keeping the forward pass's", () => {
  const g = new Graph();
  const [a, b] = [g.input("a", [4, 6]), g.input("b", [4, 6])];
  const w = g.input("w", [3, 6]);
  const s = op.swiglu(a, b);
  const [gw] = gradients(op.sumAll(op.matmul(s, w, { transB: true })), [w]);
  const readers = topologicalNodes([gw]).filter((n) => n.inputs.includes(s));
  assert.deepEqual(readers, []);
});

test("float32 casts pass gradients back (FD with a wide step, float32 rounding)", async () => {
  const r = await gradCheck(([a]) => op.cast(op.mul(op.cast(a, "float32"), 2), "float64"), [{ shape: [4] }], {
    h: 1e-2,
  });
  assert.ok(r.maxError < 1e-4, `max error ${r.maxError} at ${r.worst}`);
});

test("float32 transposed matmuls (FusedMatMul) agree with finite differences", async () => {
  for (const [transA, transB] of [
    [true, false],
    [false, true],
    [true, true],
  ]) {
    const r = await gradCheck(
      ([a, b]) => op.matmul(a, b, { transA, transB }),
      [{ shape: transA ? [2, 4, 3] : [2, 3, 4] }, { shape: transB ? [5, 4] : [4, 5] }],
      { dtype: "float32", h: 1e-2 },
    );
    assert.ok(r.maxError < 2e-3, `transA=${transA} transB=${transB}: ${r.maxError} at ${r.worst}`);
  }
});

test("a composite (RMSNorm-like) gradient matches finite differences", async () => {
  const r = await gradCheck(
    ([x, w]) => {
      const inv = op.reciprocal(op.sqrt(op.add(op.reduceMean(op.mul(x, x), [-1], true), 1e-6)));
      return op.mul(op.mul(x, inv), w);
    },
    [{ shape: [3, 4] }, { shape: [4] }],
  );
  assert.ok(r.maxError < 1e-6, `max error ${r.maxError} at ${r.worst}`);
});

test("shape errors name the op and the shapes", () => {
  const gr = new Graph();
  const a = gr.input("a", [2, 3]);
  const b = gr.input("b", [4, 5]);
  assert.throws(() => op.matmul(a, b), /MatMul: inner dimensions differ \(3 vs 4\)/);
  assert.throws(() => op.add(a, b), /Add: shapes \[2,3\] and \[4,5\] do not broadcast/);
  assert.throws(() => op.reshape(a, [4, 2]), /Reshape: cannot reshape/);
});
