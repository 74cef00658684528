import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "./rng.js";

test("same seed gives the same stream; a restored state continues it", () => {
  const a = new Rng(42);
  const b = new Rng(42);
  for (let i = 0; i < 10; i++) assert.equal(a.nextU32(), b.nextU32());
  const saved = a.state();
  const expected = [a.next(), a.next(), a.next()];
  const c = new Rng(saved);
  assert.deepEqual([c.next(), c.next(), c.next()], expected);
  assert.notEqual(new Rng(1).nextU32(), new Rng(2).nextU32());
});

test("uniform draws are in range and roughly uniform", () => {
  const r = new Rng(7);
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 40000; i++) {
    const x = r.next();
    assert.ok(x >= 0 && x < 1);
    counts[r.int(0, 3)]++;
  }
  for (const c of counts) assert.ok(Math.abs(c - 10000) < 400, `bucket count ${c}`);
});

test("derived streams are independent of each other and deterministic", () => {
  assert.equal(Rng.derive(5, 1).nextU32(), Rng.derive(5, 1).nextU32());
  assert.notEqual(Rng.derive(5, 1).nextU32(), Rng.derive(5, 2).nextU32());
  assert.deepEqual(new Rng(3).shuffle([1, 2, 3, 4, 5]).sort(), [1, 2, 3, 4, 5]);
});

test("promptSeed(seed, p) alone draws what prompt p of a batch with seed draws", () => {
  for (const [seed, p, j] of [
    [0, 0, 0],
    [7, 3, 1],
    [0xffffffff, 17, 5],
  ]) {
    const a = Rng.derive(Rng.promptSeed(seed, p), 0, j);
    const b = Rng.derive(seed, p, j);
    assert.deepEqual([a.nextU32(), a.nextU32()], [b.nextU32(), b.nextU32()]);
  }
  assert.notEqual(Rng.promptSeed(7, 1), Rng.promptSeed(7, 2));
});
