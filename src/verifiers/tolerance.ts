/**
 * The tolerance policy: when two numbers count as the same answer.
 *
 * 1. Exact gold (no decimal point written in the gold): the prediction must be equal. Values are
 *    computed with 50 significant digits, so "equal" is tested as a relative difference below
 *    `exactRelativeTolerance` (1e-20), far below any difference between distinct closed forms in
 *    competition answers and far above the evaluation's rounding error. Relative, not absolute: an
 *    absolute tolerance would call `1/2004!` equal to `1/2006!` (both ≈ 0).
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
 * Complex values are compared by the modulus of the difference.
 */

import { type BigNumber, bignumber } from "mathjs";

export interface TolerancePolicy {
  exactRelativeTolerance: number;
  minApproximationDigits: number;
  decimalExpressionRelativeTolerance: number;
}

export const DEFAULT_TOLERANCE: TolerancePolicy = {
  exactRelativeTolerance: 1e-20,
  minApproximationDigits: 6,
  decimalExpressionRelativeTolerance: 1e-9,
};

/** Below this, a computed value is zero (evaluation happens with 50 significant digits). */
const ZERO_FLOOR = bignumber("1e-45");

/** How a decimal literal was written: its last digit is worth 10^(exponent − fractionDigits). */
export interface DecimalLiteral {
  fractionDigits: number;
  exponent: number;
  significantDigits: number;
}

export interface NumberSide {
  re: BigNumber;
  im: BigNumber;
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

function modulus(re: BigNumber, im: BigNumber): BigNumber {
  if (im.isZero()) return re.abs();
  if (re.isZero()) return im.abs();
  return re.mul(re).add(im.mul(im)).sqrt();
}

function unitInLastPlace(literal: DecimalLiteral): BigNumber {
  return bignumber(10).pow(literal.exponent - literal.fractionDigits);
}

export interface Agreement {
  agree: boolean;
  reason: string;
}

function relativelyEqual(gold: NumberSide, pred: NumberSide, tolerance: number): boolean {
  const diff = modulus(pred.re.sub(gold.re), pred.im.sub(gold.im));
  if (diff.isZero()) return true;
  // Only an exactly-zero gold admits an absolute floor (evaluation noise of a cancelling prediction
  // such as sin(π)); two non-zero values are always compared relatively, however small they are.
  if (gold.re.isZero() && gold.im.isZero()) return diff.lte(ZERO_FLOOR);
  const scale = BigNumber_max(modulus(gold.re, gold.im), modulus(pred.re, pred.im));
  return diff.lte(scale.mul(tolerance));
}

function BigNumber_max(a: BigNumber, b: BigNumber): BigNumber {
  return a.gte(b) ? a : b;
}

/** Decides whether a predicted number is the gold number under the policy. */
export function numbersAgree(
  gold: NumberSide,
  pred: NumberSide,
  policy: TolerancePolicy = DEFAULT_TOLERANCE,
): Agreement {
  if (!gold.re.isFinite() || !pred.re.isFinite()) {
    const same = gold.re.equals(pred.re) && gold.im.equals(pred.im);
    return { agree: same, reason: same ? "equal infinities" : "not a finite number" };
  }
  if (relativelyEqual(gold, pred, policy.exactRelativeTolerance))
    return { agree: true, reason: "equal value" };

  if (gold.literal !== undefined) {
    const halfUnit = unitInLastPlace(gold.literal).div(2);
    const diff = modulus(pred.re.sub(gold.re), pred.im.sub(gold.im));
    // A hair above half a unit, so that a prediction printed at exactly the rounding boundary passes.
    if (diff.lte(halfUnit.mul(1 + 1e-12))) return { agree: true, reason: "rounds to the gold decimal" };
    return { agree: false, reason: "differs from the gold decimal at its printed precision" };
  }
  if (gold.hasDecimal) {
    const agree = relativelyEqual(gold, pred, policy.decimalExpressionRelativeTolerance);
    return { agree, reason: agree ? "equal within decimal tolerance" : "different value" };
  }
  if (pred.literal !== undefined && gold.im.isZero() && pred.im.isZero()) {
    if (pred.literal.significantDigits < policy.minApproximationDigits) {
      return { agree: false, reason: "decimal approximation of an exact answer with too few digits" };
    }
    const ulp = unitInLastPlace(pred.literal);
    if (pred.re.sub(gold.re).abs().lte(ulp))
      return { agree: true, reason: "decimal approximation of the exact answer" };
  }
  return { agree: false, reason: "different value" };
}
