/**
 * Equivalence of two answers with a computer-algebra system (`@cortex-js/compute-engine`).
 *
 * LaTeX is parsed by the compute engine into MathJSON, read into an answer structure (tuple, set,
 * interval, matrix, relation, scalar …) and compared structurally; scalars are compared by
 * evaluating them with 50 significant digits (constants) or at random points (expressions with
 * variables). Plain-text answers (`sqrt(2)/2`) are first turned into LaTeX (`plainMath.ts`).
 *
 * This can be slow on adversarial input (`100000!`, `9^{9^{9}}`), so it is meant to run in a
 * worker thread under a time budget (see `timedEquivalence.ts`); nothing here is async.
 */

import { evaluate, literalOf, samplePoint, toSide, containsDecimal } from "./algebraEngine.js";
import {
  type AnswerValue,
  argsOf,
  asInterval,
  freeVariables,
  headOf,
  type IntervalValue,
  type MathJson,
  relationAsInterval,
  toAnswerValue,
} from "./answerStructure.js";
import { exactValue } from "./exactValue.js";
import { isName } from "./names.js";
import type { NormalizedAnswer } from "./normalize.js";
import { parseAnswer } from "./parseAnswer.js";
import {
  abs as absRational,
  compare as compareRational,
  div as divRational,
  fromNumber,
  mul as mulRational,
  type Rational,
  rational,
  sub as subRational,
  ZERO,
} from "./rational.js";
import { sameSet as sameRealSet } from "./realSet.js";
import { evaluateFiniteSets, isSetShaped, toRealSet } from "./setAnswers.js";
import {
  DEFAULT_TOLERANCE,
  decimalLiteral,
  type NumberSide,
  numbersAgree,
  type TolerancePolicy,
} from "./tolerance.js";

export interface Decision {
  equivalent: boolean;
  reason: string;
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

interface Context {
  policy: TolerancePolicy;
  goldLiteral?: ReturnType<typeof decimalLiteral>;
  predLiteral?: ReturnType<typeof decimalLiteral>;
}

function structurallySame(a: MathJson, b: MathJson): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function exactSide(
  value: Rational,
  source: MathJson,
  hasDecimal: boolean,
  topLiteral?: ReturnType<typeof decimalLiteral>,
): NumberSide {
  const side: NumberSide = { re: value, im: ZERO, hasDecimal };
  const literal = topLiteral ?? literalOf(source);
  if (literal !== undefined) side.literal = literal;
  return side;
}

/** Scalars: numbers with the tolerance policy; expressions with variables at random points. */
export function scalarsEquivalent(gold: MathJson, pred: MathJson, ctx: Context): Decision {
  if (structurallySame(gold, pred)) return { equivalent: true, reason: "same expression" };
  const gv = freeVariables(gold);
  const pv = freeVariables(pred);
  if (!sameSet(gv, pv)) return { equivalent: false, reason: "different variables" };
  if (gv.size === 0) {
    // Integers and rationals exactly, at any size: 50 significant digits cannot tell 10^{20} from
    // 10^{20}+1. A value too large to compute exactly is not compared at all.
    const ge = exactValue(gold);
    const pe = exactValue(pred);
    if (ge.kind === "too-large" || pe.kind === "too-large")
      return { equivalent: false, reason: "too large to compare exactly" };
    if (ge.kind === "exact" && pe.kind === "exact" && !ge.hasDecimal && !pe.hasDecimal) {
      const same = compareRational(ge.value, pe.value) === 0;
      return { equivalent: same, reason: same ? "equal value (exact)" : "different value (exact)" };
    }
    const g =
      ge.kind === "exact"
        ? exactSide(ge.value, gold, ge.hasDecimal, ctx.goldLiteral)
        : toSide(evaluate(gold), gold, ctx.goldLiteral);
    const p =
      pe.kind === "exact"
        ? exactSide(pe.value, pred, pe.hasDecimal, ctx.predLiteral)
        : toSide(evaluate(pred), pred, ctx.predLiteral);
    if (g === undefined || p === undefined) return { equivalent: false, reason: "not a number" };
    const a = numbersAgree(g, p, ctx.policy);
    // An exact integer against a value computed with 50 digits: the relative tolerance cannot tell
    // n from n + 1 once |n| ≥ 1/tolerance (`30!+1` against `\prod_{k=1}^{30} k`), so agreement
    // there proves nothing.
    const exactOne =
      ge.kind === "exact" && !ge.hasDecimal ? ge : pe.kind === "exact" && !pe.hasDecimal ? pe : undefined;
    if (a.agree && exactOne !== undefined && (ge.kind !== "exact" || pe.kind !== "exact")) {
      const limit = fromNumber(1 / ctx.policy.exactRelativeTolerance);
      if (limit !== undefined && compareRational(absRational(exactOne.value), limit) >= 0)
        return { equivalent: false, reason: "too large to compare exactly" };
    }
    return { equivalent: a.agree, reason: a.reason };
  }
  const vars = [...gv].sort();
  const tolerance =
    containsDecimal(gold) || containsDecimal(pred) ? ctx.policy.decimalExpressionRelativeTolerance : 1e-15;
  let agreeing = 0;
  for (let attempt = 0; attempt < 12 && agreeing < 4; attempt++) {
    const point = samplePoint(vars, attempt);
    const g = toSide(evaluate(gold, point), gold);
    const p = toSide(evaluate(pred, point), pred);
    if (g === undefined && p === undefined) continue;
    if (g === undefined || p === undefined || g.infinite !== undefined || p.infinite !== undefined) {
      // Defined on one side only: different functions (or different domains).
      return { equivalent: false, reason: "differs at a sample point (domain)" };
    }
    const a = numbersAgree(
      { ...g, literal: undefined, hasDecimal: false },
      { ...p, literal: undefined, hasDecimal: false },
      { ...ctx.policy, exactRelativeTolerance: tolerance, minApproximationDigits: Number.POSITIVE_INFINITY },
    );
    if (!a.agree) return { equivalent: false, reason: "differs at a sample point" };
    agreeing++;
  }
  if (agreeing >= 2) return { equivalent: true, reason: "equal at random points" };
  return { equivalent: false, reason: "could not evaluate the expressions" };
}

const NO_LITERALS = (ctx: Context): Context => ({ policy: ctx.policy });

function allEquivalent(golds: AnswerValue[], preds: AnswerValue[], ctx: Context, what: string): Decision {
  if (golds.length !== preds.length) return { equivalent: false, reason: `${what} sizes differ` };
  for (let i = 0; i < golds.length; i++) {
    const d = valuesEquivalent(golds[i]!, preds[i]!, NO_LITERALS(ctx));
    if (!d.equivalent) return { equivalent: false, reason: `${what} element ${i + 1}: ${d.reason}` };
  }
  return { equivalent: true, reason: `equal ${what}s` };
}

const MAX_SET_SIZE = 64;

function unorderedEquivalent(
  golds: AnswerValue[],
  preds: AnswerValue[],
  ctx: Context,
  what: string,
): Decision {
  if (golds.length !== preds.length) return { equivalent: false, reason: `${what} sizes differ` };
  if (golds.length > MAX_SET_SIZE) return { equivalent: false, reason: `${what} too large` };
  const used = new Array<boolean>(preds.length).fill(false);
  for (const g of golds) {
    let found = false;
    for (let j = 0; j < preds.length && !found; j++) {
      if (!used[j] && valuesEquivalent(g, preds[j]!, NO_LITERALS(ctx)).equivalent) {
        used[j] = true;
        found = true;
      }
    }
    if (!found) return { equivalent: false, reason: `${what} elements differ` };
  }
  return { equivalent: true, reason: `equal ${what}s` };
}

function intervalsEquivalent(g: IntervalValue, p: IntervalValue, ctx: Context): Decision {
  if (g.loOpen !== p.loOpen || g.hiOpen !== p.hiOpen)
    return { equivalent: false, reason: "interval ends differ (open/closed)" };
  const lo = valuesEquivalent(g.lo, p.lo, NO_LITERALS(ctx));
  if (!lo.equivalent) return { equivalent: false, reason: `interval lower bound: ${lo.reason}` };
  const hi = valuesEquivalent(g.hi, p.hi, NO_LITERALS(ctx));
  if (!hi.equivalent) return { equivalent: false, reason: `interval upper bound: ${hi.reason}` };
  return { equivalent: true, reason: "equal intervals" };
}

/** `x = 3`, `k = 1`, `f(x) = …`, `(p,q) = (1,2)`, `x = 1 + 1 = 2`: the value after the last `=`. */
function assignedValue(v: AnswerValue): AnswerValue | undefined {
  if (v.kind !== "relation" || v.ops.some((op) => op !== "=")) return undefined;
  const lhs = v.args[0]!;
  const last = v.args.at(-1)!;
  if (v.args.length > 2 || isAssignable(lhs)) return toAnswerValue(last, "bare");
  return undefined;
}

/** `x`, `f(x)`, `|PQ|`, `(p, q)`: a left side that names the value on the right. */
function isAssignable(json: MathJson): boolean {
  if (headOf(json) === "Tuple") return argsOf(json).every(isAssignable);
  return isName(json);
}

/** Two equations are the same when lhs − rhs of one is a non-zero constant times the other's. */
function differencesProportional(
  g: [MathJson, MathJson],
  p: [MathJson, MathJson],
  requirePositive: boolean,
): Decision {
  const dg: MathJson = ["Subtract", g[0], g[1]];
  const dp: MathJson = ["Subtract", p[0], p[1]];
  const gv = freeVariables(dg);
  const pv = freeVariables(dp);
  if (!sameSet(gv, pv)) return { equivalent: false, reason: "different variables" };
  const vars = [...gv].sort();
  let ratio: Rational | undefined;
  let agreeing = 0;
  // Below this a computed difference is zero (values carry 50 significant digits).
  const tiny = rational(1n, 10n ** 30n);
  for (let attempt = 0; attempt < 12 && agreeing < 4; attempt++) {
    const point = samplePoint(vars, attempt);
    const a = toSide(evaluate(dg, point), dg);
    const b = toSide(evaluate(dp, point), dp);
    if (a === undefined || b === undefined || a.infinite || b.infinite) continue;
    if (a.im.num !== 0n || b.im.num !== 0n) continue;
    const aZero = compareRational(absRational(a.re), tiny) < 0;
    const bZero = compareRational(absRational(b.re), tiny) < 0;
    if (aZero || bZero) {
      if (aZero && bZero) continue;
      return { equivalent: false, reason: "different equations" };
    }
    const r = divRational(a.re, b.re)!;
    if (ratio === undefined) ratio = r;
    else if (
      compareRational(
        absRational(subRational(r, ratio)),
        mulRational(absRational(ratio), rational(1n, 10n ** 15n)),
      ) > 0
    )
      return { equivalent: false, reason: "different equations" };
    agreeing++;
  }
  if (ratio === undefined || agreeing < 2)
    return { equivalent: false, reason: "could not evaluate the equations" };
  if (requirePositive && ratio.num < 0n) return { equivalent: false, reason: "inequality direction differs" };
  return { equivalent: true, reason: "equivalent relations" };
}

function relationsEquivalent(
  g: Extract<AnswerValue, { kind: "relation" }>,
  p: Extract<AnswerValue, { kind: "relation" }>,
): Decision {
  if (g.ops.length !== p.ops.length || g.ops.some((op, i) => op !== p.ops[i])) {
    return { equivalent: false, reason: "different relations" };
  }
  if (g.args.length === 2) {
    return differencesProportional(
      [g.args[0]!, g.args[1]!],
      [p.args[0]!, p.args[1]!],
      g.ops[0] === "<" || g.ops[0] === "<=",
    );
  }
  for (let i = 0; i + 1 < g.args.length; i++) {
    const d = differencesProportional([g.args[i]!, g.args[i + 1]!], [p.args[i]!, p.args[i + 1]!], true);
    if (!d.equivalent) {
      // Chains of expressions with no variables (f(2) < f(1)): compare term by term.
      const same = g.args.every((a, k) => structurallySame(a, p.args[k]!));
      return same ? { equivalent: true, reason: "same relation" } : d;
    }
  }
  return { equivalent: true, reason: "equivalent relations" };
}

/** Several answers, written with their names (`x = 2, y = -1`), against a list or tuple of values. */
function labelledEquivalent(gold: AnswerValue, pred: AnswerValue, ctx: Context): Decision | undefined {
  if (gold.kind !== "labelled" && pred.kind !== "labelled") return undefined;
  if (gold.kind === "labelled" && pred.kind === "labelled") {
    if (gold.entries.length !== pred.entries.length) return { equivalent: false, reason: "different names" };
    for (const g of gold.entries) {
      const p = pred.entries.find((e) => structurallySame(e.label, g.label));
      if (p === undefined) return { equivalent: false, reason: "different names" };
      const d = valuesEquivalent(g.value, p.value, NO_LITERALS(ctx));
      if (!d.equivalent) return { equivalent: false, reason: `value of a name: ${d.reason}` };
    }
    return { equivalent: true, reason: "equal values by name" };
  }
  // Bare values against named ones: in the order the names were given.
  const labelled = (gold.kind === "labelled" ? gold : pred) as Extract<AnswerValue, { kind: "labelled" }>;
  const other = gold.kind === "labelled" ? pred : gold;
  if (other.kind !== "tuple")
    return { equivalent: false, reason: "named values against another kind of answer" };
  const values = labelled.entries.map((e) => e.value);
  return gold.kind === "labelled"
    ? allEquivalent(values, other.items, ctx, "value")
    : allEquivalent(other.items, values, ctx, "value");
}

/** Ratios `a:b` and `c:d` are equal when a·d = b·c (term by term for longer ratios). */
function ratiosEquivalent(
  g: Extract<AnswerValue, { kind: "ratio" }>,
  p: Extract<AnswerValue, { kind: "ratio" }>,
  ctx: Context,
): Decision {
  if (g.terms.length !== p.terms.length) return { equivalent: false, reason: "ratios of different lengths" };
  for (let i = 1; i < g.terms.length; i++) {
    // g₀·pᵢ = gᵢ·p₀
    const d = scalarsEquivalent(
      ["Multiply", g.terms[0]!, p.terms[i]!],
      ["Multiply", g.terms[i]!, p.terms[0]!],
      NO_LITERALS(ctx),
    );
    if (!d.equivalent) return { equivalent: false, reason: "different ratios" };
  }
  return { equivalent: true, reason: "equal ratios" };
}

/** Set algebra and intervals: as subsets of ℝ, or as finite sets of anything. */
function setsEquivalent(gold: AnswerValue, pred: AnswerValue, ctx: Context): Decision | undefined {
  if (!isSetShaped(gold) && !isSetShaped(pred)) return undefined;
  const g = toRealSet(gold);
  const p = toRealSet(pred);
  if (g !== undefined && p !== undefined) {
    const same = sameRealSet(g, p);
    return { equivalent: same, reason: same ? "equal sets of reals" : "different sets of reals" };
  }
  const same = (a: AnswerValue, b: AnswerValue) => valuesEquivalent(a, b, NO_LITERALS(ctx)).equivalent;
  const gs = evaluateFiniteSets(gold, same);
  const ps = evaluateFiniteSets(pred, same);
  if (gs !== undefined && ps !== undefined && (gold.kind !== "set" || pred.kind !== "set"))
    return unorderedEquivalent(gs, ps, ctx, "set");
  return undefined;
}

/** Is this tuple an ordered one (written in brackets), as opposed to a bare list of answers? */
function isOrdered(v: AnswerValue): boolean {
  return v.kind === "tuple" && v.bracket !== "bare" && v.items.length >= 2;
}

/** Structural comparison of two answer values. */
export function valuesEquivalent(gold: AnswerValue, pred: AnswerValue, ctx: Context): Decision {
  if (gold.kind === "invalid") return { equivalent: false, reason: `gold: ${gold.reason}` };
  if (pred.kind === "invalid") return { equivalent: false, reason: pred.reason };

  const labelled = labelledEquivalent(gold, pred, ctx);
  if (labelled !== undefined) return labelled;

  const goldAssigned = assignedValue(gold);
  const predAssigned = assignedValue(pred);
  if (goldAssigned && predAssigned) return valuesEquivalent(goldAssigned, predAssigned, ctx);
  if (goldAssigned && pred.kind !== "relation") return valuesEquivalent(goldAssigned, pred, ctx);
  if (predAssigned && gold.kind !== "relation") return valuesEquivalent(gold, predAssigned, ctx);

  const sets = setsEquivalent(gold, pred, ctx);
  if (sets !== undefined) return sets;

  if (gold.kind === "relation" && pred.kind === "relation") {
    const gi = relationAsInterval(gold);
    const pi = relationAsInterval(pred);
    if (gi && pi) return intervalsEquivalent(gi, pi, ctx);
    return relationsEquivalent(gold, pred);
  }

  // An ordered tuple is not a set, and a set is not an ordered tuple: (4,7,9) does not answer {4,7,9}.
  if ((gold.kind === "set" && isOrdered(pred)) || (isOrdered(gold) && pred.kind === "set"))
    return { equivalent: false, reason: "an ordered tuple against a set" };

  switch (gold.kind) {
    case "scalar":
      if (pred.kind === "scalar") return scalarsEquivalent(gold.json, pred.json, ctx);
      if (pred.kind === "set" && pred.items.length === 1) return valuesEquivalent(gold, pred.items[0]!, ctx);
      break;
    case "text":
      if (pred.kind === "text") {
        const same = gold.text === pred.text;
        return { equivalent: same, reason: same ? "same text" : "different text" };
      }
      break;
    case "tuple": {
      if (pred.kind === "tuple") {
        if (gold.bracket === "bare" && pred.bracket === "bare")
          return unorderedEquivalent(gold.items, pred.items, ctx, "list");
        const compatible =
          gold.bracket === pred.bracket ||
          gold.bracket === "bare" ||
          pred.bracket === "bare" ||
          gold.items.length !== 2;
        if (!compatible) return { equivalent: false, reason: "different brackets" };
        return allEquivalent(gold.items, pred.items, ctx, "tuple");
      }
      if (pred.kind === "set") return unorderedEquivalent(gold.items, pred.items, ctx, "set");
      if (pred.kind === "relation") {
        const gi = asInterval(gold);
        const pi = asInterval(pred);
        if (gi && pi) return intervalsEquivalent(gi, pi, ctx);
      }
      if (pred.kind === "matrix") return valuesEquivalent(pred, gold, ctx);
      break;
    }
    case "set":
      if (pred.kind === "set") return unorderedEquivalent(gold.items, pred.items, ctx, "set");
      if (pred.kind === "tuple") return unorderedEquivalent(gold.items, pred.items, ctx, "set");
      if (pred.kind === "scalar" && gold.items.length === 1)
        return valuesEquivalent(gold.items[0]!, pred, ctx);
      break;
    case "matrix":
      if (pred.kind === "matrix") {
        if (gold.rows.length !== pred.rows.length)
          return { equivalent: false, reason: "matrix sizes differ" };
        return allEquivalent(gold.rows.flat(), pred.rows.flat(), ctx, "matrix");
      }
      if (pred.kind === "tuple" && (gold.rows.length === 1 || gold.rows.every((r) => r.length === 1))) {
        return allEquivalent(gold.rows.flat(), pred.items, ctx, "vector");
      }
      break;
    case "relation":
      if (pred.kind === "tuple") {
        const gi = asInterval(gold);
        const pi = asInterval(pred);
        if (gi && pi) return intervalsEquivalent(gi, pi, ctx);
      }
      break;
    case "ratio":
      if (pred.kind === "ratio") return ratiosEquivalent(gold, pred, ctx);
      break;
    default:
      break;
  }
  return { equivalent: false, reason: `different kinds of answer (${gold.kind} vs ${pred.kind})` };
}

/** Alternatives for a number written with a percent or degree sign, against one written without. */
function alternatives(gold: NormalizedAnswer, pred: NormalizedAnswer): [string, string][] {
  const g = gold.latex;
  const p = pred.latex;
  const pairs: [string, string][] = [[g, p]];
  if (gold.percent && !pred.percent) pairs.push([`\\frac{${g}}{100}`, p]);
  if (pred.percent && !gold.percent) pairs.push([g, `\\frac{${p}}{100}`]);
  if (gold.degrees && !pred.degrees) pairs.push([`\\frac{(${g})\\pi}{180}`, p]);
  if (pred.degrees && !gold.degrees) pairs.push([g, `\\frac{(${p})\\pi}{180}`]);
  return pairs;
}

/** `j` as the imaginary unit (`1-4j`) when it is the only variable and the other side has none. */
function engineeringImaginary(a: AnswerValue, b: AnswerValue, latexA: string): AnswerValue {
  const vars = (v: AnswerValue) => (v.kind === "scalar" ? [...freeVariables(v.json)] : undefined);
  const va = vars(a);
  const vb = vars(b);
  if (va?.length !== 1 || va[0] !== "j" || vb === undefined || vb.length !== 0) return a;
  return parseAnswer(latexA.replace(/(?<![A-Za-z\\])j(?![A-Za-z])/g, "i"));
}

/** One answer's value: several boxed answers are a list of answers (repeats of one value once). */
function answerValue(answer: NormalizedAnswer, latex: string, ctx: Context): AnswerValue {
  if (answer.several === undefined) return parseAnswer(latex);
  const items: AnswerValue[] = [];
  for (const part of answer.several) {
    const v = parseAnswer(part.latex);
    if (v.kind === "invalid") return v;
    for (const item of v.kind === "tuple" && v.bracket === "bare" ? v.items : [v]) {
      if (!items.some((x) => valuesEquivalent(x, item, NO_LITERALS(ctx)).equivalent)) items.push(item);
    }
  }
  return items.length === 1 ? items[0]! : { kind: "tuple", bracket: "bare", items };
}

/** Full comparison of two normalised answers with the computer-algebra system. */
export function compareWithAlgebra(
  gold: NormalizedAnswer,
  pred: NormalizedAnswer,
  policy: TolerancePolicy = DEFAULT_TOLERANCE,
): Decision {
  let last: Decision = { equivalent: false, reason: "no comparison" };
  const pairs = alternatives(gold, pred);
  for (const [index, [g, p]] of pairs.entries()) {
    const ctx: Context = { policy };
    const gl = decimalLiteral(g);
    const pl = decimalLiteral(p);
    if (gl) ctx.goldLiteral = gl;
    if (pl) ctx.predLiteral = pl;
    let gv = answerValue(gold, g, ctx);
    let pv = answerValue(pred, p, ctx);
    // Only the answers as written must parse; a rewritten alternative that does not is skipped.
    if (gv.kind === "invalid") {
      if (index === 0) return { equivalent: false, reason: `gold: ${gv.reason}` };
      continue;
    }
    if (pv.kind === "invalid") {
      if (index === 0) return { equivalent: false, reason: pv.reason };
      continue;
    }
    gv = engineeringImaginary(gv, pv, g);
    pv = engineeringImaginary(pv, gv, p);
    last = valuesEquivalent(gv, pv, ctx);
    if (last.equivalent) return last;
  }
  return last;
}
