/**
 * Exact rational numbers on BigInt: what integers and fractions are compared with, at any size.
 *
 * Written here rather than taken from a library: mathjs' BigNumber is a decimal with a fixed
 * precision (it cannot tell 10^20 from 10^20 + 1 at 20 digits) and importing mathjs costs about two
 * seconds of start-up; the few operations the verifier needs (+ − × ÷, powers, comparison, reading
 * a decimal string exactly) are a page of BigInt code. Every value is kept reduced, with a positive
 * denominator, so that equality is equality of the two fields.
 */

export interface Rational {
  readonly num: bigint;
  readonly den: bigint;
}

export const ZERO: Rational = { num: 0n, den: 1n };
export const ONE: Rational = { num: 1n, den: 1n };

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** num/den reduced; throws on a zero denominator (callers check before dividing). */
export function rational(num: bigint, den = 1n): Rational {
  if (den === 0n) throw new Error("rational: zero denominator");
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  const g = gcd(num, den);
  return g > 1n ? { num: num / g, den: den / g } : { num, den };
}

export function integer(n: bigint | number): Rational {
  return { num: BigInt(n), den: 1n };
}

export function add(a: Rational, b: Rational): Rational {
  if (a.den === 1n && b.den === 1n) return { num: a.num + b.num, den: 1n };
  return rational(a.num * b.den + b.num * a.den, a.den * b.den);
}

export function sub(a: Rational, b: Rational): Rational {
  return add(a, neg(b));
}

export function mul(a: Rational, b: Rational): Rational {
  if (a.den === 1n && b.den === 1n) return { num: a.num * b.num, den: 1n };
  return rational(a.num * b.num, a.den * b.den);
}

/** a / b, or undefined when b is zero. */
export function div(a: Rational, b: Rational): Rational | undefined {
  if (b.num === 0n) return undefined;
  return rational(a.num * b.den, a.den * b.num);
}

export function neg(a: Rational): Rational {
  return { num: -a.num, den: a.den };
}

export function abs(a: Rational): Rational {
  return a.num < 0n ? neg(a) : a;
}

export function isZero(a: Rational): boolean {
  return a.num === 0n;
}

export function isInteger(a: Rational): boolean {
  return a.den === 1n;
}

export function equals(a: Rational, b: Rational): boolean {
  return a.num === b.num && a.den === b.den;
}

/** −1, 0 or 1 as a < b, a = b, a > b. */
export function compare(a: Rational, b: Rational): number {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

export function max(a: Rational, b: Rational): Rational {
  return compare(a, b) >= 0 ? a : b;
}

/** Bits of the larger of numerator and denominator: the size that bounds the cost of an operation. */
export function bitLength(a: Rational): number {
  const n = a.num < 0n ? -a.num : a.num;
  const big = n > a.den ? n : a.den;
  return big === 0n ? 0 : big.toString(16).length * 4;
}

/** a^k for an integer k (a negative k inverts); undefined for 0^k with k ≤ 0. */
export function pow(a: Rational, k: bigint): Rational | undefined {
  if (k === 0n) return a.num === 0n ? undefined : ONE;
  if (k < 0n) {
    const inv = div(ONE, a);
    return inv === undefined ? undefined : pow(inv, -k);
  }
  return { num: a.num ** k, den: a.den ** k };
}

/** The integer k-th root of a non-negative integer when it is exact, else undefined. */
export function exactIntegerRoot(n: bigint, k: bigint): bigint | undefined {
  if (n < 0n || k < 1n) return undefined;
  if (n < 2n || k === 1n) return n;
  // Newton's iteration on integers: x ← ((k−1)x + n / x^(k−1)) / k, from an upper bound.
  const bits = BigInt(n.toString(2).length);
  let x = 1n << (bits / k + 1n);
  for (;;) {
    const y = ((k - 1n) * x + n / x ** (k - 1n)) / k;
    if (y >= x) break;
    x = y;
  }
  return x ** k === n ? x : undefined;
}

const DECIMAL_STRING = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Largest power of ten accepted when reading a decimal string (`1e400000` is not read). */
export const MAX_DECIMAL_EXPONENT = 20_000;

/** Reads `-12.5`, `1e+20`, `15511210043330985984e+6`, `.5` exactly; undefined for anything else. */
export function fromDecimalString(text: string): Rational | undefined {
  const m = DECIMAL_STRING.exec(text.trim());
  if (!m) return undefined;
  const intPart = m[2] ?? "";
  const fracPart = m[3] ?? "";
  if (intPart === "" && fracPart === "") return undefined;
  const exponent = m[4] === undefined ? 0 : Number(m[4]);
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > MAX_DECIMAL_EXPONENT) return undefined;
  let num = BigInt((intPart || "0") + fracPart);
  let den = 10n ** BigInt(fracPart.length);
  if (exponent >= 0) num *= 10n ** BigInt(exponent);
  else den *= 10n ** BigInt(-exponent);
  return rational(m[1] === "-" ? -num : num, den);
}

/** A finite JavaScript number as the decimal it prints as (`0.1` is 1/10, not the nearest double). */
export function fromNumber(x: number): Rational | undefined {
  if (!Number.isFinite(x)) return undefined;
  if (Number.isSafeInteger(x)) return integer(BigInt(x));
  return fromDecimalString(String(x));
}

/** An approximate double, for messages and for ordering values that are far apart. */
export function toNumber(a: Rational): number {
  const bits = bitLength(a);
  if (bits < 1000) return Number(a.num) / Number(a.den);
  // Scale both down so that the quotient survives the conversion.
  const shift = BigInt(bits - 900);
  return Number(a.num >> shift) / Number(a.den >> shift);
}

export function rationalToString(a: Rational): string {
  return a.den === 1n ? a.num.toString() : `${a.num}/${a.den}`;
}
