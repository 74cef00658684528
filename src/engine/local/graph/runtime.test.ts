import assert from "node:assert/strict";
import { test } from "node:test";
import { Graph, topologicalNodes } from "./graph.js";
import { accumulatingGemms } from "./onnxExport.js";
import * as op from "./ops.js";
import { availableParallelism } from "node:os";
import { CompiledGraph, defaultThreadCount, SessionCache } from "./runtime.js";

function affineGraph(n: number): Graph {
  const g = new Graph();
  const x = g.input("x", [2, n]);
  const w = g.input("w", [3, n]);
  // y = x·wᵀ + 1, then softmax over the last axis
  g.output("y", op.softmax(op.add(op.matmul(x, w, { transB: true }), 1)));
  g.output("x_again", x);
  return g;
}

test("a compiled graph runs with weights fed as inputs, and new weights need no recompile", async () => {
  const c = await CompiledGraph.compile(affineGraph(2), { intraOpNumThreads: 1 });
  const x = Float32Array.of(1, 0, 0, 1);
  const out1 = (await c.run({ x, w: new Float32Array(6) })).y;
  for (const v of out1) assert.ok(Math.abs(Number(v) - 1 / 3) < 1e-6);
  const out2 = await c.run({ x, w: Float32Array.of(0, 0, 0, 0, 10, 0) });
  assert.ok(out2.y[2] > 0.99, `row 0 should pick class 2, got ${[...out2.y]}`);
  assert.deepEqual([...out2.x_again], [...x]);
});

test("feeding a wrong size or dtype names the input and the expected shape", async () => {
  const c = await CompiledGraph.compile(affineGraph(2));
  await assert.rejects(
    c.run({ x: new Float32Array(3), w: new Float32Array(6) }),
    /input "x" needs float32\[2,2\]/,
  );
  await assert.rejects(c.run({ x: new Float64Array(4), w: new Float32Array(6) }), /input "x" needs float32/);
  await assert.rejects(c.run({ x: new Float32Array(4) }), /missing input "w"/);
});

test("the session cache builds each shape signature once", async () => {
  const cache = new SessionCache({ intraOpNumThreads: 1 });
  let builds = 0;
  const get = (n: number) =>
    cache.get(`n=${n}`, () => {
      builds++;
      return affineGraph(n);
    });
  const [a, b] = await Promise.all([get(2), get(2)]);
  assert.equal(a, b);
  await get(3);
  assert.equal(builds, 2);
  assert.equal(cache.size, 2);
  await cache.clear();
  assert.equal(cache.size, 0);
});

test("defaultThreadCount: RLVR_NUM_THREADS when set, all cores otherwise, a bad value is an error", () => {
  assert.equal(defaultThreadCount({ RLVR_NUM_THREADS: "3" }), 3);
  assert.equal(defaultThreadCount({}), availableParallelism());
  assert.throws(
    () => defaultThreadCount({ RLVR_NUM_THREADS: "two" }),
    /RLVR_NUM_THREADS must be a positive integer, got "two"/,
  );
  assert.throws(() => defaultThreadCount({ RLVR_NUM_THREADS: "0" }), /RLVR_NUM_THREADS/);
});

test("creating sessions leaves no empty /tmp/mat-debug-<pid>.log behind (onnxruntime's telemetry trace)", async () => {
  const { spawnSync } = await import("node:child_process");
  const { existsSync, rmSync } = await import("node:fs");
  const script = `
    import { Graph } from "./src/engine/local/graph/graph.js";
    import * as op from "./src/engine/local/graph/ops.js";
    import { CompiledGraph } from "./src/engine/local/graph/runtime.js";
    const g = new Graph();
    const x = g.input("x", [2]);
    g.output("y", op.add(x, x));
    await CompiledGraph.compile(g);
    process.stdout.write(String(process.pid) + " " + (process.env.TMPDIR ?? "unset"));
  `;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    encoding: "utf8",
    env: { ...process.env, TMPDIR: "/tmp" },
  });
  assert.equal(r.status, 0, r.stderr);
  const [pid, tmpdirAfter] = r.stdout.trim().split(" ");
  const log = `/tmp/mat-debug-${pid}.log`;
  const left = existsSync(log);
  rmSync(log, { force: true });
  assert.equal(left, false, `${log} was created`);
  assert.equal(tmpdirAfter, "/tmp", "TMPDIR is restored");
});

test("outputs are written into the given arrays and nothing is copied", async () => {
  // onnxruntime-node returned a copy of every output, also of one written into a given array: for a
  // model's gradients that was one more model in memory; the C API binding writes in place
  const n = 24 * 2 ** 20; // 96 MiB of float32
  const g = new Graph();
  const acc = g.input("acc", [n]);
  const x = g.input("x", [1]);
  g.output("sum", op.add(acc, x));
  g.output("x_twice", op.add(x, x));
  const c = await CompiledGraph.compile(g, { intraOpNumThreads: 1 });
  const buffer = new Float32Array(n);
  const before = process.memoryUsage().arrayBuffers;
  let out: Record<string, unknown> = {};
  for (let i = 0; i < 6; i++) out = await c.run({ acc: buffer, x: Float32Array.of(1) }, { sum: buffer });
  assert.equal(buffer[n - 1], 6);
  assert.equal(out.sum, buffer, "the output is the array given for it");
  assert.deepEqual([...(out.x_twice as Float32Array)], [2]);
  const grown = process.memoryUsage().arrayBuffers - before;
  assert.ok(grown < 2 ** 20, `array buffers grew by ${grown} bytes over 6 runs`);
  await c.release();
});

test("an output array of the wrong size is refused before the run", async () => {
  const c = await CompiledGraph.compile(affineGraph(2), { intraOpNumThreads: 1 });
  await assert.rejects(
    c.run({ x: new Float32Array(4), w: new Float32Array(6) }, { y: new Float32Array(5) }),
    /output "y" needs float32\[2,3\]/,
  );
});

test("acc + a 2-D product written into acc is one Gemm accumulating in place", async () => {
  for (const [transA, transB] of [
    [false, false],
    [true, false],
    [false, true],
  ]) {
    const g = new Graph();
    const acc = g.input("acc", [3, 2]);
    const a = g.input("a", transA ? [4, 3] : [3, 4]);
    const b = g.input("b", transB ? [2, 4] : [4, 2]);
    const product = op.matmul(a, b, { transA, transB });
    g.output("acc_out", op.add(acc, product));
    const nodes = topologicalNodes(g.outputs.map((o) => o.tensor));
    const fused = accumulatingGemms(nodes, new Map([[g.outputs[0].tensor.id, "acc_out"]]));
    assert.deepEqual([...fused.matmuls], [product.id]);
    const c = await CompiledGraph.compile(g, { intraOpNumThreads: 1 });
    const A = Float32Array.from({ length: 12 }, (_, i) => i - 5);
    const B = Float32Array.from({ length: 8 }, (_, i) => 0.5 * i - 1);
    const at = (M: Float32Array, t: boolean, rows: number, cols: number, i: number, j: number) =>
      t ? M[j * rows + i] : M[i * cols + j];
    const expected = Array.from({ length: 6 }, (_, ij) => {
      const [i, j] = [Math.floor(ij / 2), ij % 2];
      let s = 10 + ij;
      for (let k = 0; k < 4; k++) s += at(A, transA, 3, 4, i, k) * at(B, transB, 4, 2, k, j);
      return s;
    });
    const buffer = Float32Array.from({ length: 6 }, (_, i) => 10 + i);
    await c.run({ acc: buffer, a: A, b: B }, { acc_out: buffer });
    assert.deepEqual([...buffer], expected);
    await c.release();
  }
  // a product used elsewhere too stays a product of its own
  const g = new Graph();
  const acc = g.input("acc", [2, 2]);
  const product = op.matmul(g.input("a", [2, 2]), g.input("b", [2, 2]));
  g.output("acc_out", op.add(acc, product));
  g.output("product", op.mul(product, 2));
  const nodes = topologicalNodes(g.outputs.map((o) => o.tensor));
  assert.equal(accumulatingGemms(nodes, new Map([[g.outputs[0].tensor.id, "acc_out"]])).matmuls.size, 0);
});
