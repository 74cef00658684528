/**
 * Fast path: answers that are plain numbers (integers, decimals, scientific notation, fractions,
 * mixed numbers) are read into exact rationals with BigInt, without any computer-algebra system.
 * Most gold answers of competition and grade-school datasets are of this kind, and reading them
 * with a few anchored regular expressions costs microseconds, which is what keeps a verifier call
 * well above 2,000 checks per second per core. Anything else returns undefined and goes to the
 * computer-algebra path.
 */

import { rational, ZERO } from "./rational.js";
import { type DecimalLiteral, decimalLiteral, type NumberSide } from "./tolerance.js";

export interface ExactNumber {
  num: bigint;
  den: bigint;
  literal?: DecimalLiteral;
  hasDecimal: boolean;
}

/** Larger exponents are left to the computer-algebra path (which works with bounded precision). */
const MAX_EXPONENT = 400;

function pow10(k: number): bigint {
  return 10n ** BigInt(k);
}

function decimalToRational(
  sign: string,
  intPart: string,
  fracPart: string,
  exponent: number,
): ExactNumber | undefined {
  if (Math.abs(exponent) > MAX_EXPONENT) return undefined;
  let num = BigInt((intPart || "0") + fracPart);
  let den = pow10(fracPart.length);
  if (exponent >= 0) num *= pow10(exponent);
  else den *= pow10(-exponent);
  if (sign === "-") num = -num;
  return { num, den, hasDecimal: fracPart.length > 0 || /\./.test(intPart) };
}

const INTEGER = /^([+-]?)(\d+)$/;
const DECIMAL = /^([+-]?)(\d*)\.(\d+)$|^([+-]?)(\d+)\.$/;
const SCIENTIFIC =
  /^([+-]?)(\d+)(?:\.(\d*))?\s*(?:[eE]|\\times\s*10\s*\^|\\cdot\s*10\s*\^|\*\s*10\s*\^|\*\*\s*)\s*\{?\s*([+-]?\d+)\s*\}?$/;
const FRACTION =
  /^([+-]?)\s*(?:\\frac\s*\{\s*([+-]?\d+)\s*\}\s*\{\s*([+-]?\d+)\s*\}|\\frac\s*(\d)\s*(\d)|\\frac\s*\{\s*([+-]?\d+)\s*\}\s*(\d)|\\frac\s*(\d)\s*\{\s*([+-]?\d+)\s*\}|([+-]?\d+)\s*\/\s*([+-]?\d+))$/;
const MIXED =
  /^([+-]?)(\d+)\s*(?:\\frac\s*\{\s*(\d+)\s*\}\s*\{\s*(\d+)\s*\}|\\frac\s*(\d)\s*(\d)|\s(\d+)\s*\/\s*(\d+))$/;

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

function reduce(num: bigint, den: bigint): { num: bigint; den: bigint } | undefined {
  if (den === 0n) return undefined;
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  const g = gcd(num, den) || 1n;
  return { num: num / g, den: den / g };
}

/** Reads a plain number exactly, or returns undefined when the text is anything else. */
export function parseExactNumber(text: string): ExactNumber | undefined {
  const s = text.trim();
  if (s.length === 0 || s.length > 5000) return undefined;
  let m = INTEGER.exec(s);
  if (m) return { num: BigInt(m[1] + m[2]!), den: 1n, hasDecimal: false };
  m = DECIMAL.exec(s);
  if (m) {
    const r =
      m[2] !== undefined || m[3] !== undefined
        ? decimalToRational(m[1]!, m[2]!, m[3]!, 0)
        : decimalToRational(m[4]!, m[5]!, "", 0);
    if (r) {
      const literal = decimalLiteral(s);
      if (literal) r.literal = literal;
      r.hasDecimal = true;
    }
    return r;
  }
  m = SCIENTIFIC.exec(s);
  if (m) {
    const r = decimalToRational(m[1]!, m[2]!, m[3] ?? "", Number(m[4]));
    if (r && m[3] !== undefined) {
      r.hasDecimal = true;
      const literal = decimalLiteral(s);
      if (literal) r.literal = literal;
    }
    return r;
  }
  m = FRACTION.exec(s);
  if (m) {
    const n = m[2] ?? m[4] ?? m[6] ?? m[8] ?? m[10];
    const d = m[3] ?? m[5] ?? m[7] ?? m[9] ?? m[11];
    const r = reduce(BigInt(n!) * (m[1] === "-" ? -1n : 1n), BigInt(d!));
    return r ? { ...r, hasDecimal: false } : undefined;
  }
  m = MIXED.exec(s);
  if (m) {
    // Competition convention: `2\frac{1}{3}` and `2 1/3` are mixed numbers (7/3), not 2·(1/3).
    const whole = BigInt(m[2]!);
    const n = BigInt(m[3] ?? m[5] ?? m[7]!);
    const d = BigInt(m[4] ?? m[6] ?? m[8]!);
    if (d === 0n || n >= d) return undefined;
    const r = reduce(whole * d + n, d);
    if (!r) return undefined;
    return { num: m[1] === "-" ? -r.num : r.num, den: r.den, hasDecimal: false };
  }
  return undefined;
}

export function exactEquals(a: ExactNumber, b: ExactNumber): boolean {
  return a.num * b.den === b.num * a.den;
}

/** The same number, exactly, for the tolerance policy. */
export function toNumberSide(x: ExactNumber): NumberSide {
  const side: NumberSide = { re: rational(x.num, x.den), im: ZERO, hasDecimal: x.hasDecimal };
  if (x.literal) side.literal = x.literal;
  return side;
}

export function scaleExact(x: ExactNumber, num: bigint, den: bigint): ExactNumber {
  const r = reduce(x.num * num, x.den * den)!;
  return { ...x, num: r.num, den: r.den, literal: undefined };
}
