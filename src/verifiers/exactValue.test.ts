import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { MathJson } from "./answerStructure.js";
import { exactValue } from "./exactValue.js";
import { rationalToString as str } from "./rational.js";

function value(json: MathJson): string {
  const r = exactValue(json);
  return r.kind === "exact" ? str(r.value) : r.kind;
}

describe("exactValue", () => {
  it("integers and rationals at any size", () => {
    assert.equal(value(["Add", ["Power", 10, 20], 1]), "100000000000000000001");
    assert.equal(value({ num: "1e+20" }), "100000000000000000000");
    assert.equal(value(["Divide", ["Power", 2, 70], 3]), `${2n ** 70n}/3`);
    assert.equal(value(["Negate", ["Power", 2, 63]]), "-9223372036854775808");
    assert.equal(value(["Rational", 6, 8]), "3/4");
  });
  it("factorials, binomials, gcd, lcm, mod", () => {
    assert.equal(value(["Factorial", 20]), "2432902008176640000"); // 20! by hand: 2432902008176640000
    assert.equal(value(["Binomial", 10, 3]), "120"); // 10·9·8/6
    assert.equal(value(["GCD", 84, 36]), "12");
    assert.equal(value(["LCM", 4, 6, 10]), "60");
    assert.equal(value(["Mod", -7, 3]), "2");
  });
  it("roots only when they are exact", () => {
    assert.equal(value(["Sqrt", 144]), "12");
    assert.equal(value(["Sqrt", ["Rational", 9, 4]]), "3/2");
    assert.equal(value(["Power", 8, ["Rational", 2, 3]]), "4"); // (8^{1/3})² = 4
    assert.equal(value(["Sqrt", 2]), "not-exact");
    assert.equal(value(["Root", 27, 3]), "3");
  });
  it("π, variables and unknown functions are not exact", () => {
    assert.equal(value(["Multiply", 2, "Pi"]), "not-exact");
    assert.equal(value(["Add", "x", 1]), "not-exact");
    assert.equal(value(["Sin", 0]), "not-exact");
  });
  it("refuses values too large to compute, without computing them", () => {
    const started = performance.now();
    assert.equal(value(["Factorial", 100000]), "too-large");
    assert.equal(value(["Power", 9, ["Power", 9, 9]]), "too-large");
    assert.equal(value(["Power", 10, ["Power", 10, 10]]), "too-large");
    assert.equal(value(["Binomial", 10 ** 9, 5 * 10 ** 8]), "too-large");
    assert.ok(performance.now() - started < 200);
  });
  it("marks decimals", () => {
    const r = exactValue(["Multiply", 1.5, 2]);
    assert.equal(r.kind === "exact" && r.hasDecimal, true);
    assert.equal(value(["Multiply", 1.5, 2]), "3");
  });
});
