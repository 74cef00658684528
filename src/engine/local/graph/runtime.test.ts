import assert from "node:assert/strict";
import { test } from "node:test";
import { Graph } from "./graph.js";
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
