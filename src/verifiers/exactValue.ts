/**
 * Exact evaluation of a MathJSON expression that is an integer or a rational: `10^{20}+1`, `25!`,
 * `\binom{60}{30}`, `\frac{2^{70}}{3}`, `\sqrt{144}`, `\gcd(12,18)`. The algebra system evaluates
 * with 50 significant digits, which cannot tell `10^{20}` from `10^{20}+1`; this evaluates with
 * BigInt rationals at any size, up to a bound on the size of the numbers (so that `9^{9^{9}}` is
 * refused at once instead of being computed).
 *
 * Three outcomes: an exact value; "too large" (the expression is made only of exact operations but
 * its value would exceed the bound: it cannot be compared exactly, so the caller rejects it rather
 * than fall back to a rounded comparison); or "not exact" (it involves π, √2, a variable, a
 * function this does not know: the caller evaluates it numerically).
 */

import { argsOf, headOf, type MathJson } from "./answerStructure.js";
import {
  abs,
  add,
  bitLength,
  div,
  exactIntegerRoot,
  fromDecimalString,
  fromNumber,
  integer,
  isInteger,
  mul,
  neg,
  pow,
  type Rational,
  rational,
  sub,
} from "./rational.js";

/** Largest value computed exactly, in bits (about 20,000 decimal digits: 5000! has 16,326). */
export const MAX_EXACT_BITS = 70_000;

export type ExactOutcome =
  | { kind: "exact"; value: Rational; hasDecimal: boolean }
  | { kind: "too-large" }
  | { kind: "not-exact" };

const NOT_EXACT: ExactOutcome = { kind: "not-exact" };
const TOO_LARGE: ExactOutcome = { kind: "too-large" };

class TooLarge extends Error {}

interface State {
  hasDecimal: boolean;
}

function checked(r: Rational): Rational {
  if (bitLength(r) > MAX_EXACT_BITS) throw new TooLarge();
  return r;
}

function literal(json: MathJson, state: State): Rational | undefined {
  if (typeof json === "number") {
    if (Number.isInteger(json) && !Number.isSafeInteger(json)) return undefined; // already rounded
    if (!Number.isInteger(json)) state.hasDecimal = true;
    return fromNumber(json);
  }
  if (typeof json === "object" && json !== null && !Array.isArray(json) && "num" in json) {
    // CE writes exact big integers as digit strings, sometimes with an exponent (`15511210043330985984e+6`).
    if (/\./.test(json.num)) state.hasDecimal = true;
    const r = fromDecimalString(json.num);
    return r === undefined ? undefined : checked(r);
  }
  if (json === "Half") return rational(1n, 2n);
  return undefined;
}

function toBigIntegerArg(r: Rational | undefined): bigint | undefined {
  return r !== undefined && isInteger(r) ? r.num : undefined;
}

function factorial(n: bigint): Rational {
  if (n < 0n) throw new RangeError("negative factorial");
  // log2(n!) ≤ n·log2(n): refuse before computing.
  if (n > 2n && Number(n) * Math.log2(Number(n)) > MAX_EXACT_BITS) throw new TooLarge();
  let x = 1n;
  for (let i = 2n; i <= n; i++) x *= i;
  return integer(x);
}

function binomial(n: bigint, k: bigint): Rational | undefined {
  if (n < 0n || k < 0n) return undefined;
  if (k > n) return integer(0n);
  if (k > n - k) k = n - k;
  // C(n, k) ≤ 2^n: bound the work by the smaller of n and k·log2(n).
  if (Number(k) * Math.log2(Math.max(2, Number(n))) > MAX_EXACT_BITS) throw new TooLarge();
  let x = 1n;
  for (let i = 1n; i <= k; i++) x = (x * (n - k + i)) / i;
  return integer(x);
}

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** p^(a/b) exactly when it is rational: the b-th root of p's numerator and denominator must be exact. */
function rationalPower(base: Rational, exponent: Rational): Rational | undefined {
  if (isInteger(exponent)) {
    const k = exponent.num;
    const absK = k < 0n ? -k : k;
    // bits(base^k) ≈ k · bits(base): refuse before computing.
    if (absK > 1n && Number(absK) * bitLength(base) > MAX_EXACT_BITS) throw new TooLarge();
    return pow(base, k);
  }
  if (base.num < 0n) return undefined; // (−8)^{1/3}: leave the branch question to the algebra system
  const rootNum = exactIntegerRoot(base.num, exponent.den);
  const rootDen = exactIntegerRoot(base.den, exponent.den);
  if (rootNum === undefined || rootDen === undefined) return undefined;
  return rationalPower(rational(rootNum, rootDen), integer(exponent.num));
}

function evaluate(json: MathJson, state: State, depth: number): Rational | undefined {
  if (depth > 200) return undefined;
  const lit = literal(json, state);
  if (lit !== undefined) return lit;
  const head = headOf(json);
  if (head === undefined) return undefined;
  const args = argsOf(json);
  const values: (Rational | undefined)[] = [];
  for (const a of args) {
    const v = evaluate(a, state, depth + 1);
    if (v === undefined) return undefined;
    values.push(v);
  }
  const [a, b] = values;
  switch (head) {
    case "Delimiter":
      return values.length === 1 ? a : undefined;
    case "Negate":
      return a && values.length === 1 ? neg(a) : undefined;
    case "Add":
      return checked(values.reduce<Rational>((s, v) => add(s, v!), integer(0n)));
    case "Subtract":
      return a && b && values.length === 2 ? checked(sub(a, b)) : undefined;
    case "Multiply":
      return checked(values.reduce<Rational>((s, v) => mul(s, v!), integer(1n)));
    case "Divide":
    case "Rational":
      return a && b && values.length === 2 ? div(a, b) : undefined;
    case "Power":
      return a && b && values.length === 2 ? rationalPower(a, b) : undefined;
    case "Square":
      return a ? checked(mul(a, a)) : undefined;
    case "Sqrt":
      return a && values.length === 1 ? rationalPower(a, rational(1n, 2n)) : undefined;
    case "Root": {
      const k = toBigIntegerArg(b);
      return a && k !== undefined && k > 0n ? rationalPower(a, rational(1n, k)) : undefined;
    }
    case "Abs":
      return a && values.length === 1 ? abs(a) : undefined;
    case "Factorial": {
      const n = toBigIntegerArg(a);
      return n !== undefined && n >= 0n && values.length === 1 ? factorial(n) : undefined;
    }
    case "Binomial": {
      const n = toBigIntegerArg(a);
      const k = toBigIntegerArg(b);
      return n !== undefined && k !== undefined ? binomial(n, k) : undefined;
    }
    case "GCD":
    case "LCM": {
      const ints = values.map(toBigIntegerArg);
      if (ints.length < 2 || ints.some((n) => n === undefined)) return undefined;
      let acc = ints[0]!;
      for (const n of ints.slice(1) as bigint[]) {
        if (head === "GCD") acc = gcd(acc, n);
        else {
          const g = gcd(acc, n);
          acc = g === 0n ? 0n : (acc / g) * n;
          if (acc < 0n) acc = -acc;
        }
      }
      return checked(integer(acc));
    }
    case "Mod": {
      const x = toBigIntegerArg(a);
      const m = toBigIntegerArg(b);
      if (x === undefined || m === undefined || m === 0n) return undefined;
      return integer(((x % m) + m) % m);
    }
    default:
      return undefined;
  }
}

/** Evaluates `json` exactly when it is an integer or a rational; says why not otherwise. */
export function exactValue(json: MathJson): ExactOutcome {
  const state: State = { hasDecimal: false };
  try {
    const value = evaluate(json, state, 0);
    return value === undefined ? NOT_EXACT : { kind: "exact", value, hasDecimal: state.hasDecimal };
  } catch (error) {
    if (error instanceof TooLarge) return TOO_LARGE;
    if (error instanceof RangeError) return NOT_EXACT; // BigInt limits
    throw error;
  }
}
