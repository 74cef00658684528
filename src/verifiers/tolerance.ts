/**
 * The tolerance policy: when two numbers count as the same answer.
 *
 * 1. Exact gold (no decimal point written in the gold): the prediction must be equal. Integers and
 *    fractions are compared exactly, at any size (`10^{20}` is not `10^{20}+1`; the callers do
 *    that before they get here). A value that is not rational (`\sqrt{2}`, `\pi`) is computed with
 *    50 significant digits, so "equal" is tested as a relative difference below
 *    `exactRelativeTolerance` (1e-30), far below any difference between distinct closed forms and
 *    far above the evaluation's rounding error. Relative, not absolute: an absolute tolerance would
 *    call `1/2004!` equal to `1/2006!` (both ≈ 0).
 *    One exception: a prediction that is a single decimal literal with at least
 *    `minApproximationDigits` (6) significant digits is accepted when it is the gold rounded or
 *    truncated to the digits written (`0.0833333333333333` for `1/12`). With fewer digits it is
 *    rejected (`0.333` is not `1/3`). Set `minApproximationDigits` to Infinity for strict exactness.
 *    A gold of exactly zero accepts |pred| ≤ 1e-45 (evaluation noise of a cancelling expression).
 * 2. Gold written as a decimal literal: the gold is taken to be known to the precision it is printed
 *    with, so the prediction is accepted when it rounds to the gold, i.e. |pred − gold| ≤ half a
 *    unit in the gold's last digit (`16386.169` for `16386.17`, `π` for `3.14`; `3.1` is not `3.14`,
 *    `28` is not `0.28`).
 * 3. Gold an expression that contains a decimal (`2.5\pi`): relative difference ≤ 1e-9.
 *
 * Complex values are compared by the modulus of the difference. All arithmetic here is on exact
 * rationals (`rational.ts`): the computed decimals are read exactly, so the policy adds no rounding.
 */

import {
  abs,
  add,
  compare,
  fromDecimalString,
  isZero,
  max,
  mul,
  type Rational,
  rational,
  sub,
  ZERO,
} from "./rational.js";

export interface TolerancePolicy {
  exactRelativeTolerance: number;
  minApproximationDigits: number;
  decimalExpressionRelativeTolerance: number;
}

export const DEFAULT_TOLERANCE: TolerancePolicy = {
  exactRelativeTolerance: 1e-30,
  minApproximationDigits: 6,
  decimalExpressionRelativeTolerance: 1e-9,
};

/** Below this, a computed value is zero (evaluation happens with 50 significant digits). */
const ZERO_FLOOR = rational(1n, 10n ** 45n);

/** How a decimal literal was written: its last digit is worth 10^(exponent − fractionDigits). */
export interface DecimalLiteral {
  fractionDigits: number;
  exponent: number;
  significantDigits: number;
}

/**
 * One side of a numeric comparison. Values are exact rationals: an integer or a fraction exactly,
 * an irrational value as the 50-digit decimal the algebra system computed.
 */
export interface NumberSide {
  re: Rational;
  im: Rational;
  /** Set for ±∞ (then re and im are not used); complex infinity is not a number here. */
  infinite?: 1 | -1;
  /** Set when the whole side is one decimal literal (`3.14`, `-1.5e-3`, `2.0`). */
  literal?: DecimalLiteral;
  /** The side's source text contains a decimal point somewhere. */
  hasDecimal: boolean;
}

const DECIMAL_LITERAL =
  /^[+-]?(\d*)\.(\d*)(?:\s*(?:[eE]|\\times\s*10\^|\\cdot\s*10\^|\*\s*10\^)\s*\{?([+-]?\d+)\}?)?$|^[+-]?(\d+)(?:[eE]|\s*\\times\s*10\^\s*\{?)([+-]?\d+)\}?$/;

/** Reads how a number literal was written, or undefined when the text is not one decimal literal. */
export function decimalLiteral(text: string): DecimalLiteral | undefined {
  const m = DECIMAL_LITERAL.exec(text.trim());
  if (!m) return undefined;
  if (m[4] !== undefined) {
    // Integer mantissa with an exponent (3e5): exact unless the gold wrote a point.
    return undefined;
  }
  const intPart = m[1] ?? "";
  const fracPart = m[2] ?? "";
  if (intPart === "" && fracPart === "") return undefined;
  const digits = (intPart + fracPart).replace(/^0+/, "");
  return {
    fractionDigits: fracPart.length,
    exponent: m[3] !== undefined ? Number(m[3]) : 0,
    significantDigits: Math.max(digits.length, 1),
  };
}

/** |z|² of a complex number re + i·im (squared, so that it stays rational). */
function modulusSquared(re: Rational, im: Rational): Rational {
  return isZero(im) ? mul(re, re) : add(mul(re, re), mul(im, im));
}

function unitInLastPlace(literal: DecimalLiteral): Rational {
  const k = literal.exponent - literal.fractionDigits;
  return k >= 0 ? rational(10n ** BigInt(k)) : rational(1n, 10n ** BigInt(-k));
}

/** A tolerance given as a JavaScript number, read as the decimal it prints as (1e-9 is exactly 10⁻⁹). */
function exactTolerance(tolerance: number): Rational {
  return fromDecimalString(String(tolerance)) ?? ZERO;
}

export interface Agreement {
  agree: boolean;
  reason: string;
}

function diffSquared(gold: NumberSide, pred: NumberSide): Rational {
  return modulusSquared(sub(pred.re, gold.re), sub(pred.im, gold.im));
}

// |p − g| ≤ tol · max(|g|, |p|), compared squared: |p − g|² ≤ tol² · max(|g|², |p|²).
function relativelyEqual(gold: NumberSide, pred: NumberSide, tolerance: number): boolean {
  const diff2 = diffSquared(gold, pred);
  if (isZero(diff2)) return true;
  // Only an exactly-zero gold admits an absolute floor (evaluation noise of a cancelling prediction
  // such as sin(π)); two non-zero values are always compared relatively, however small they are.
  if (isZero(gold.re) && isZero(gold.im)) return compare(diff2, mul(ZERO_FLOOR, ZERO_FLOOR)) <= 0;
  const scale2 = max(modulusSquared(gold.re, gold.im), modulusSquared(pred.re, pred.im));
  const tol = exactTolerance(tolerance);
  return compare(diff2, mul(mul(tol, tol), scale2)) <= 0;
}

/** Decides whether a predicted number is the gold number under the policy. */
export function numbersAgree(
  gold: NumberSide,
  pred: NumberSide,
  policy: TolerancePolicy = DEFAULT_TOLERANCE,
): Agreement {
  if (gold.infinite !== undefined || pred.infinite !== undefined) {
    const same = gold.infinite !== undefined && gold.infinite === pred.infinite;
    return { agree: same, reason: same ? "equal infinities" : "not a finite number" };
  }
  if (relativelyEqual(gold, pred, policy.exactRelativeTolerance))
    return { agree: true, reason: "equal value" };

  if (gold.literal !== undefined) {
    // |p − g| ≤ half a unit in the gold's last printed digit, a hair above so that a prediction
    // printed at exactly the rounding boundary passes (compared squared).
    const bound = mul(
      mul(unitInLastPlace(gold.literal), rational(1n, 2n)),
      rational(10n ** 12n + 1n, 10n ** 12n),
    );
    if (compare(diffSquared(gold, pred), mul(bound, bound)) <= 0)
      return { agree: true, reason: "rounds to the gold decimal" };
    return { agree: false, reason: "differs from the gold decimal at its printed precision" };
  }
  if (gold.hasDecimal) {
    const agree = relativelyEqual(gold, pred, policy.decimalExpressionRelativeTolerance);
    return { agree, reason: agree ? "equal within decimal tolerance" : "different value" };
  }
  if (pred.literal !== undefined && isZero(gold.im) && isZero(pred.im)) {
    if (pred.literal.significantDigits < policy.minApproximationDigits) {
      return { agree: false, reason: "decimal approximation of an exact answer with too few digits" };
    }
    if (compare(abs(sub(pred.re, gold.re)), unitInLastPlace(pred.literal)) <= 0)
      return { agree: true, reason: "decimal approximation of the exact answer" };
  }
  return { agree: false, reason: "different value" };
}
