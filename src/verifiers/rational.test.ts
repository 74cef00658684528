import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  add,
  bitLength,
  compare,
  div,
  exactIntegerRoot,
  fromDecimalString,
  fromNumber,
  mul,
  pow,
  rational,
  sub,
  toNumber,
  rationalToString as str,
} from "./rational.js";

describe("rational", () => {
  it("keeps values reduced with a positive denominator", () => {
    assert.deepEqual(rational(6n, -4n), { num: -3n, den: 2n }); // 6/−4 = −3/2
    assert.equal(str(add(rational(1n, 6n), rational(1n, 3n))), "1/2"); // 1/6 + 2/6 = 3/6
    assert.equal(str(mul(rational(2n, 3n), rational(9n, 4n))), "3/2"); // 18/12
    assert.equal(div(rational(1n), rational(0n)), undefined);
  });
  it("tells apart integers beyond 2^53 and beyond 50 digits", () => {
    const big = 10n ** 20n;
    assert.equal(compare(rational(big), rational(big + 1n)), -1);
    const r = sub(rational(2n ** 200n + 1n), rational(2n ** 200n));
    assert.equal(str(r), "1");
  });
  it("reads decimal strings exactly, with exponents", () => {
    assert.equal(str(fromDecimalString("1e+20")!), "100000000000000000000");
    assert.equal(str(fromDecimalString("15511210043330985984e+6")!), "15511210043330985984000000");
    assert.equal(str(fromDecimalString("-0.125")!), "-1/8");
    assert.equal(str(fromDecimalString(".5")!), "1/2");
    assert.equal(fromDecimalString("1e999999"), undefined); // refused, not computed
    assert.equal(fromDecimalString("abc"), undefined);
    assert.equal(str(fromNumber(0.1)!), "1/10"); // the decimal it prints as, not the double
  });
  it("powers and exact roots", () => {
    assert.equal(str(pow(rational(2n, 3n), -2n)!), "9/4");
    assert.equal(pow(rational(0n), -1n), undefined);
    assert.equal(exactIntegerRoot(144n, 2n), 12n);
    assert.equal(exactIntegerRoot(145n, 2n), undefined);
    assert.equal(exactIntegerRoot(3n ** 90n, 3n), 3n ** 30n);
  });
  it("sizes and approximations", () => {
    assert.equal(bitLength(rational(255n)), 8);
    assert.equal(toNumber(rational(1n, 4n)), 0.25);
    assert.ok(Math.abs(toNumber(rational(10n ** 400n + 1n, 10n ** 399n)) - 10) < 1e-9);
  });
});
