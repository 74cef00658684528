/**
 * The inline decisions: everything that can be decided from the normalised strings and exact
 * rationals without the computer-algebra system — identical answers, plain numbers (with percent
 * and degree signs), choice letters, text answers, numbers in other bases. Returns undefined when
 * the answer needs the algebra path (which runs in a worker under a time budget).
 */

import { exactEquals, parseExactNumber, scaleExact, toNumberSide } from "./exactNumber.js";
import type { Decision } from "./mathEquivalence.js";
import type { NormalizedAnswer } from "./normalize.js";
import { DEFAULT_TOLERANCE, numbersAgree, type TolerancePolicy } from "./tolerance.js";

function compact(s: string): string {
  return s.replace(/\s+/g, "");
}

function digitsValue(digits: string, base: number): bigint | undefined {
  let value = 0n;
  for (const ch of digits.toLowerCase()) {
    const d = Number.parseInt(ch, 36);
    if (Number.isNaN(d) || d >= base) return undefined;
    value = value * BigInt(base) + BigInt(d);
  }
  return value;
}

function decideBase(gold: NormalizedAnswer, pred: NormalizedAnswer): Decision | undefined {
  if (gold.base === undefined && pred.base === undefined) return undefined;
  if (gold.base && pred.base) {
    const g = digitsValue(gold.base.digits, gold.base.base);
    const p = digitsValue(pred.base.digits, pred.base.base);
    if (g === undefined || p === undefined)
      return { equivalent: false, reason: "invalid digits for the base" };
    return g === p
      ? { equivalent: true, reason: "same number in base form" }
      : { equivalent: false, reason: "different number" };
  }
  if (gold.base) {
    // The question asked for base-b digits: a bare answer must be those digits.
    const same = compact(pred.latex).toLowerCase() === gold.base.digits;
    return same
      ? { equivalent: true, reason: "same digits (base implied)" }
      : { equivalent: false, reason: "different digits" };
  }
  const g = parseExactNumber(gold.latex);
  const p = digitsValue(pred.base!.digits, pred.base!.base);
  if (g === undefined || g.den !== 1n || p === undefined) return undefined;
  return g.num === p
    ? { equivalent: true, reason: "same number in base form" }
    : { equivalent: false, reason: "different number" };
}

/** `x = 3`, `a_{10} = 512`: the number a one-letter name is given (the algebra path agrees). */
function assignedNumber(latex: string): string {
  const m = /^[A-Za-z](?:_\{?\w+\}?)?\s*=\s*([^=<>]+)$/.exec(latex);
  return m ? m[1]!.trim() : latex;
}

export function decideFast(
  gold: NormalizedAnswer,
  pred: NormalizedAnswer,
  policy: TolerancePolicy = DEFAULT_TOLERANCE,
): Decision | undefined {
  if (pred.latex.length === 0) return { equivalent: false, reason: "empty answer" };
  if (gold.choice !== undefined || pred.choice !== undefined) {
    if (gold.choice === undefined) return undefined;
    const same = pred.choice === gold.choice;
    return { equivalent: same, reason: same ? "same choice" : "different choice" };
  }
  if (gold.text !== undefined || pred.text !== undefined) {
    const g = gold.text ?? compact(gold.latex).toLowerCase();
    const p = pred.text ?? compact(pred.latex).toLowerCase();
    const same = g === p || compact(g) === compact(p);
    return { equivalent: same, reason: same ? "same text" : "different text" };
  }
  const base = decideBase(gold, pred);
  if (base !== undefined) return base;

  if (
    compact(gold.latex) === compact(pred.latex) &&
    gold.percent === pred.percent &&
    gold.degrees === pred.degrees
  ) {
    return { equivalent: true, reason: "identical after normalisation" };
  }
  const g = parseExactNumber(assignedNumber(gold.latex));
  const p = parseExactNumber(assignedNumber(pred.latex));
  if (g === undefined || p === undefined) return undefined;

  const golds = [g];
  const preds = [p];
  if (gold.percent && !pred.percent) golds.push(scaleExact(g, 1n, 100n));
  if (pred.percent && !gold.percent) preds.push(scaleExact(p, 1n, 100n));
  // A degree sign against a bare number that might be in radians needs π: leave that to the algebra path.
  if (gold.degrees !== pred.degrees && !(g.num === 0n && p.num === 0n)) {
    const bare = gold.degrees ? p : g;
    if (bare.hasDecimal) return undefined;
  }
  let reason = "different value";
  for (const gi of golds) {
    for (const pi of preds) {
      if (!gi.hasDecimal && !pi.hasDecimal) {
        if (exactEquals(gi, pi)) return { equivalent: true, reason: "equal value" };
        continue;
      }
      const a = numbersAgree(toNumberSide(gi), toNumberSide(pi), policy);
      if (a.agree) return { equivalent: true, reason: a.reason };
      reason = a.reason;
    }
  }
  return { equivalent: false, reason };
}
