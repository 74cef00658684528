import assert from "node:assert/strict";
import { test } from "node:test";
import type { AdamParams } from "../types.js";
import { AdamW } from "./optimizer.js";

const close = (actual: ArrayLike<number>, expected: number[], tol: number, what: string) => {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
};

const HP: AdamParams = {
  learningRate: 0.1,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0.01,
  gradClipNorm: 0,
};

test("two AdamW steps on a 3-element parameter match the hand computation", async () => {
  const w = Float32Array.from([1, -2, 0.5]);
  const opt = new AdamW(new Map([["w", w]]));

  // Step 1, g = [0.1, −0.2, 0]. Decay: w·(1 − 0.1·0.01) = w·0.999 = [0.999, −1.998, 0.4995].
  // m = 0.1·g = [0.01, −0.02, 0], v = 0.001·g² = [1e-5, 4e-5, 0];
  // m̂ = m/0.1 = g, v̂ = v/0.001 = g², so the update is lr·g/|g| = ±0.1 (0 where g = 0).
  // w = [0.899, −1.898, 0.4995].
  let r = await opt.step(new Map([["w", Float32Array.from([0.1, -0.2, 0])]]), HP);
  close(w, [0.899, -1.898, 0.4995], 1e-6, "w after step 1");
  assert.equal(opt.stepCount, 1);
  assert.ok(Math.abs(r.gradNorm - Math.sqrt(0.05)) < 1e-7);
  assert.equal(r.clipped, false);

  // Step 2, g = [0.3, 0.1, −0.4]. Decay: [0.898101, −1.896102, 0.4990005].
  // m = 0.9·[0.01, −0.02, 0] + 0.1·g = [0.039, −0.008, −0.04]
  // v = 0.999·[1e-5, 4e-5, 0] + 0.001·g² = [9.999e-5, 4.996e-5, 1.6e-4]
  // bias corrections: 1 − 0.9² = 0.19, 1 − 0.999² = 0.001999
  // m̂ = [0.2052632, −0.0421053, −0.2105263], √v̂ = [0.2236515, 0.1580901, 0.2829134]
  // update = 0.1·m̂/√v̂ = [0.0917781, −0.0266337, −0.0744137]
  // w = [0.8063229, −1.8694683, 0.5734142]
  r = await opt.step(new Map([["w", Float32Array.from([0.3, 0.1, -0.4])]]), HP);
  close(w, [0.8063229, -1.8694683, 0.5734142], 2e-6, "w after step 2");
  const s = opt.state();
  assert.equal(s.step, 2);
  close(s.m.get("w")!, [0.039, -0.008, -0.04], 1e-7, "m");
  close(s.v.get("w")!, [9.999e-5, 4.996e-5, 1.6e-4], 1e-10, "v");
});

test("global-norm clipping scales the gradients before the moments; gradNorm is the norm before clipping", async () => {
  const w = new Float32Array(2);
  const opt = new AdamW(new Map([["w", w]]));
  const hp = { ...HP, weightDecay: 0, gradClipNorm: 1 };
  // ‖[3, 4]‖ = 5 > 1, so g becomes [3, 4]·1/(5 + 1e-6) ≈ [0.6, 0.8] and m = 0.1·g = [0.06, 0.08].
  const g = Float32Array.from([3, 4]);
  const r = await opt.step(new Map([["w", g]]), hp);
  assert.equal(r.gradNorm, 5);
  assert.equal(r.clipped, true);
  close(opt.state().m.get("w")!, [0.06, 0.08], 1e-7, "m after a clipped step");
  close(opt.state().v.get("w")!, [0.00036, 0.00064], 1e-9, "v after a clipped step");
  assert.deepEqual([...g], [3, 4], "the caller's gradients are not modified");
  // Step 2: ‖[0, −1]‖ = 1 is not above the limit, so it is used as is:
  // m = 0.9·[0.06, 0.08] + 0.1·[0, −1] = [0.054, −0.028].
  const r2 = await opt.step(new Map([["w", Float32Array.from([0, -1])]]), hp);
  assert.equal(r2.clipped, false);
  close(opt.state().m.get("w")!, [0.054, -0.028], 1e-7, "m after an unclipped step");

  // The same gradient with clipping off leaves m = 0.1·[3, 4].
  const free = new AdamW(new Map([["w", new Float32Array(2)]]));
  assert.equal((await free.step(new Map([["w", g]]), { ...hp, gradClipNorm: 0 })).clipped, false);
  close(free.state().m.get("w")!, [0.3, 0.4], 1e-7, "m without clipping");
});

test("the norm is global over all parameters", async () => {
  const grads = new Map([
    ["a", Float32Array.from([3])],
    ["b", Float32Array.from([0, 4])],
  ]);
  const opt = new AdamW(
    new Map([
      ["a", new Float32Array(1)],
      ["b", new Float32Array(2)],
    ]),
  );
  const r = await opt.step(grads, { ...HP, gradClipNorm: 2.5 });
  assert.equal(r.clipped, true);
  close(opt.state().m.get("b")!, [0, 0.2], 1e-7, "b's moment uses the global scale 2.5/5: 0.1·4·0.5");
});

test("state and loadState resume the same trajectory", async () => {
  const grads = [
    [0.5, -1, 2],
    [0.1, 0.2, -0.3],
    [-1, 0, 1],
  ].map((g) => new Map([["w", Float32Array.from(g)]]));
  const straight = Float32Array.from([1, 2, 3]);
  const a = new AdamW(new Map([["w", straight]]));
  for (const g of grads) await a.step(g, HP);

  const resumed = Float32Array.from([1, 2, 3]);
  const b = new AdamW(new Map([["w", resumed]]));
  await b.step(grads[0], HP);
  const saved = b.state();
  const weights = resumed.slice();
  const c = new AdamW(new Map([["w", weights]]));
  c.loadState(saved);
  assert.equal(c.stepCount, 1);
  await c.step(grads[1], HP);
  await c.step(grads[2], HP);
  assert.deepEqual(weights, straight);
  // state() is a copy: mutating it does not touch the optimizer.
  saved.m.get("w")!.fill(99);
  assert.notEqual(b.state().m.get("w")![0], 99);
});

test("bad inputs are rejected with the parameter named", async () => {
  const opt = new AdamW(new Map([["w", new Float32Array(2)]]));
  await assert.rejects(opt.step(new Map([["x", new Float32Array(2)]]), HP), /unknown parameter "x"/);
  await assert.rejects(opt.step(new Map([["w", new Float32Array(3)]]), HP), /"w" has 3 values/);
  await assert.rejects(opt.step(new Map(), { ...HP, beta1: 1 }), /beta1/);
  assert.throws(() => opt.loadState({ step: 1, m: new Map(), v: new Map() }), /missing parameter "w"/);
  assert.throws(
    () =>
      opt.loadState({
        step: 1,
        m: new Map([["w", new Float32Array(1)]]),
        v: new Map([["w", new Float32Array(2)]]),
      }),
    /m "w" has 1 values/,
  );
});

test("a parameter without a gradient is left untouched", async () => {
  const a = Float32Array.from([1]);
  const b = Float32Array.from([1]);
  const opt = new AdamW(
    new Map([
      ["a", a],
      ["b", b],
    ]),
  );
  await opt.step(new Map([["a", Float32Array.from([1])]]), HP);
  assert.ok(Math.abs(a[0] - (0.999 - 0.1)) < 1e-6);
  assert.equal(b[0], 1);
});

test("non-finite gradients are not applied: weights, moments and step count stay, skipped is reported", async () => {
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
    const w = Float32Array.from([1, 2]);
    const opt = new AdamW(new Map([["w", w]]));
    await opt.step(new Map([["w", Float32Array.from([0.1, 0.1])]]), HP);
    const before = { w: w.slice(), m: opt.state().m.get("w")!.slice(), t: opt.stepCount };
    const r = await opt.step(new Map([["w", Float32Array.from([bad, 0.1])]]), HP);
    assert.equal(r.skipped, true);
    assert.ok(!Number.isFinite(r.gradNorm));
    assert.deepEqual(w, before.w);
    assert.deepEqual(opt.state().m.get("w"), before.m);
    assert.equal(opt.stepCount, before.t);
    assert.equal((await opt.step(new Map([["w", Float32Array.from([0.1, 0.1])]]), HP)).skipped, false);
  }
});

test("liveMoments are the optimizer's own arrays; restoring them in place with setStepCount resumes exactly", async () => {
  const run = () => {
    const w = Float32Array.from([1, -2, 0.5]);
    return { w, opt: new AdamW(new Map([["w", w]])) };
  };
  const a = run();
  const g = new Map([["w", Float32Array.from([0.3, -0.1, 0.2])]]);
  await a.opt.step(g, HP);
  // m after one step = (1 − β1)·g = 0.1·g
  close(a.opt.liveMoments().m.get("w")!, [0.03, -0.01, 0.02], 1e-7, "m");
  const b = run();
  b.w.set(a.w);
  b.opt.liveMoments().m.get("w")!.set(a.opt.liveMoments().m.get("w")!);
  b.opt.liveMoments().v.get("w")!.set(a.opt.liveMoments().v.get("w")!);
  b.opt.setStepCount(1);
  await a.opt.step(g, HP);
  await b.opt.step(g, HP);
  assert.deepEqual(b.w, a.w);
  assert.throws(() => b.opt.setStepCount(-1), /non-negative integer/);
  // moments are allocated at a parameter's first update; liveMoments allocates the rest (zeros)
  const lazy = new AdamW(
    new Map([
      ["w", Float32Array.from([1, 2])],
      ["u", Float32Array.from([3])],
    ]),
  );
  await lazy.step(new Map([["w", Float32Array.from([0.5, -0.5])]]), HP);
  assert.deepEqual(lazy.liveMoments().v.get("u"), new Float32Array(1), "never updated: zeros");
});

test("worker threads compute exactly the single thread's steps, clipping and norm included", async () => {
  // blocks of 7 elements split the 20- and 9-element parameters unevenly between the two workers
  const sizes = { a: 20, b: 9, c: 1 };
  const init = (seed: number) =>
    new Map(
      Object.entries(sizes).map(([k, n]) => [
        k,
        Float32Array.from({ length: n }, (_, i) => Math.sin(seed + i)),
      ]),
    );
  const one = init(1);
  const two = init(1);
  const single = new AdamW(one, { blockElements: 7 });
  const threaded = new AdamW(two, { threads: 2, parallelMinElements: 0, blockElements: 7 });
  try {
    for (let step = 0; step < 3; step++) {
      const grads = init(10 + step);
      const hp = { ...HP, gradClipNorm: step === 1 ? 0.5 : 0 };
      const [r1, r2] = [await single.step(grads, hp), await threaded.step(grads, hp)];
      assert.deepEqual(r2, r1);
      assert.equal(r1.clipped, step === 1);
    }
    for (const k of Object.keys(sizes)) {
      assert.deepEqual(two.get(k), one.get(k), `parameter ${k}`);
      assert.deepEqual(threaded.state().v.get(k), single.state().v.get(k), `v of ${k}`);
    }
  } finally {
    await threaded.close();
  }
});

test("a worker thread that exits is replaced at the next step", async () => {
  const w = Float32Array.from({ length: 40 }, (_, i) => Math.cos(i));
  const opt = new AdamW(new Map([["w", w]]), { threads: 2, parallelMinElements: 0, blockElements: 8 });
  const grads = new Map([["w", Float32Array.from({ length: 40 }, (_, i) => Math.sin(i))]]);
  try {
    await opt.step(grads, HP);
    // the workers are private: reach one to stop it as a crash would
    const workers = (opt as unknown as { threads: { workers: { terminate(): Promise<number> }[] } }).threads
      .workers;
    await workers[0].terminate();
    const r = await opt.step(grads, HP);
    assert.equal(r.skipped, false);
    assert.equal(opt.stepCount, 2);
  } finally {
    await opt.close();
  }
});
