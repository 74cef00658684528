import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rational } from "./rational.js";
import {
  type Bound,
  complement,
  difference,
  EMPTY,
  intersection,
  interval,
  point,
  REALS,
  type RealSet,
  sameSet,
  union,
} from "./realSet.js";

const n = (k: number): Bound => ({ kind: "finite", value: rational(BigInt(k)), exact: true });
const inf = (sign: 1 | -1): Bound => ({ kind: "infinite", sign });
const closed = (a: number, b: number): RealSet => interval(n(a), n(b), true, true);
const open = (a: number, b: number): RealSet => interval(n(a), n(b), false, false);

describe("realSet", () => {
  it("merges overlapping and touching intervals", () => {
    assert.ok(sameSet(union(closed(1, 4), closed(3, 6)), closed(1, 6))); // [1,4] ∪ [3,6] = [1,6]
    assert.ok(sameSet(union(interval(n(0), n(2), true, false), closed(2, 5)), closed(0, 5))); // [0,2) ∪ [2,5]
    assert.ok(!sameSet(union(open(0, 1), open(1, 2)), open(0, 2))); // 1 is missing
  });
  it("intersects and subtracts", () => {
    assert.ok(sameSet(intersection(closed(0, 3), closed(2, 6)), closed(2, 3)));
    const minus = difference(closed(0, 5), point(rational(2n), true)); // [0,5] \ {2} = [0,2) ∪ (2,5]
    assert.ok(sameSet(minus, union(interval(n(0), n(2), true, false), interval(n(2), n(5), false, true))));
    assert.ok(sameSet(intersection(point(rational(1n), true), point(rational(2n), true)), EMPTY));
  });
  it("complements within the reals; ∞ ends are open", () => {
    assert.ok(sameSet(complement(EMPTY), REALS));
    assert.ok(sameSet(interval(inf(-1), inf(1), true, true), REALS));
    const notZero = complement(point(rational(0n), true));
    assert.ok(
      sameSet(notZero, union(interval(inf(-1), n(0), false, false), interval(n(0), inf(1), false, false))),
    );
  });
  it("an empty or reversed interval is empty", () => {
    assert.ok(sameSet(open(2, 2), EMPTY));
    assert.ok(sameSet(closed(3, 1), EMPTY));
    assert.ok(sameSet(closed(2, 2), point(rational(2n), true)));
  });
});
