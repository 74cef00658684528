import assert from "node:assert/strict";
import { test } from "node:test";
import { meanPassAtK, passAtK, passAtKFromOutcomes } from "./passAtK.js";

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} ≠ ${b}`);

function binom(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let r = 1n;
  for (let i = 0; i < k; i++) r = (r * BigInt(n - i)) / BigInt(i + 1);
  return r;
}

test("hand-computed values", () => {
  // k = 1 is the plain accuracy c/n = 2/5
  close(passAtK(5, 2, 1), 0.4);
  // 1 − C(3,2)/C(5,2) = 1 − 3/10 = 0.7
  close(passAtK(5, 2, 2), 0.7);
  // no correct sample → 0; fewer than k failures (n − c = 1 < 2) → 1
  assert.equal(passAtK(10, 0, 3), 0);
  assert.equal(passAtK(4, 3, 2), 1);
  // k = n: 1 iff any correct
  assert.equal(passAtK(16, 1, 16), 1);
  // n=16, c=1, k=8: 1 − C(15,8)/C(16,8) = 1 − 6435/12870 = 0.5
  close(passAtK(16, 1, 8), 0.5);
});

test("formula check: the product equals 1 − C(n−c,k)/C(n,k) computed exactly with BigInt", () => {
  for (let n = 1; n <= 40; n += 3) {
    for (let c = 0; c <= n; c += 2) {
      for (let k = 1; k <= n; k += 4) {
        const ratio = Number((binom(n - c, k) * 10n ** 15n) / binom(n, k)) / 1e15;
        close(passAtK(n, c, k), 1 - ratio, 1e-12);
      }
    }
  }
  // large n stays finite where C(n, k) overflows doubles: n = 2000, c = 10, k = 100
  const v = passAtK(2000, 10, 100);
  assert.ok(Number.isFinite(v) && v > 0 && v < 1);
});

test("mean over problems", () => {
  // (0.7 + 0)/2 = 0.35
  close(
    meanPassAtK(
      [
        { n: 5, c: 2 },
        { n: 5, c: 0 },
      ],
      2,
    ),
    0.35,
  );
  // rows: 2 of 5 correct (0.7), 5 of 5 (1) → (0.7 + 1)/2 = 0.85
  close(
    passAtKFromOutcomes(
      [
        [true, false, true, false, false],
        [true, true, true, true, true],
      ],
      2,
    ),
    0.85,
  );
});

test("bad arguments are errors", () => {
  assert.throws(() => passAtK(4, 1, 5), /k must be an integer in \[1, n=4\]/);
  assert.throws(() => passAtK(4, 5, 1), /c must be/);
  assert.throws(() => meanPassAtK([], 1), /no problems/);
});
