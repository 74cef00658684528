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

import { ComputeEngine } from "@cortex-js/compute-engine";
import {
  type AnswerValue,
  argsOf,
  findError,
  headOf,
  type MathJson,
  outerBracketOf,
  toAnswerValue,
} from "./answerStructure.js";
import { exactValue } from "./exactValue.js";
import type { NormalizedAnswer } from "./normalize.js";
import { plainMathToLatex } from "./plainMath.js";
import {
  abs as absRational,
  compare as compareRational,
  div as divRational,
  fromDecimalString,
  fromNumber,
  mul as mulRational,
  type Rational,
  rational,
  sub as subRational,
  ZERO,
} from "./rational.js";
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

/** The part of the compute-engine API used here (its own typings are very wide). */
interface Boxed {
  readonly json: MathJson;
  readonly isNumberLiteral: boolean;
  readonly numericValue: number | { decimal?: { toString(): string }; re?: number; im?: number } | undefined;
  N(): Boxed;
  evaluate(): Boxed;
  subs(map: Record<string, Boxed>): Boxed;
}
interface Engine {
  precision: number | "machine" | "auto";
  parse(latex: string): Boxed;
  box(json: MathJson): Boxed;
  number(value: number | string): Boxed;
}

let engine: Engine | undefined;

function ce(): Engine {
  if (engine === undefined) {
    engine = new ComputeEngine() as unknown as Engine;
    engine.precision = 50;
  }
  return engine;
}

const CONSTANTS = new Set([
  "Pi",
  "ExponentialE",
  "ImaginaryUnit",
  "PositiveInfinity",
  "NegativeInfinity",
  "ComplexInfinity",
  "NaN",
  "Nothing",
  "EmptySet",
  "True",
  "False",
  "GoldenRatio",
  "CatalanConstant",
  "EulerGamma",
  "Half",
]);

/** Free variables of a MathJSON expression (function names are not variables). */
export function freeVariables(json: MathJson, out = new Set<string>()): Set<string> {
  if (typeof json === "string") {
    if (!/^'.*'$/s.test(json) && !CONSTANTS.has(json)) out.add(json);
  } else if (Array.isArray(json)) {
    for (const arg of json.slice(1)) freeVariables(arg, out);
  } else if (typeof json === "object" && json !== null && "sym" in json) {
    if (!CONSTANTS.has(json.sym)) out.add(json.sym);
  }
  return out;
}

function containsDecimal(json: MathJson): boolean {
  if (typeof json === "number") return !Number.isInteger(json);
  if (Array.isArray(json)) return json.slice(1).some(containsDecimal);
  if (typeof json === "object" && json !== null && "num" in json) return /\./.test(json.num);
  return false;
}

/** The literal a scalar is, when it is one decimal number (`-0.25`). */
function literalOf(json: MathJson): ReturnType<typeof decimalLiteral> {
  if (typeof json === "number") return Number.isInteger(json) ? undefined : decimalLiteral(String(json));
  if (typeof json === "object" && !Array.isArray(json) && json !== null && "num" in json)
    return decimalLiteral(json.num);
  if (headOf(json) === "Negate") return literalOf(argsOf(json)[0]!);
  return undefined;
}

/** A computed value (CE's numeric value) read exactly as the decimal it is. */
function realOf(x: unknown): Rational | "+inf" | "-inf" | undefined {
  if (typeof x === "number") {
    if (Number.isNaN(x)) return undefined;
    if (!Number.isFinite(x)) return x > 0 ? "+inf" : "-inf";
    return fromNumber(x);
  }
  if (x !== null && typeof x === "object" && "toString" in x) {
    const text = String(x);
    if (/^\+?Infinity$/.test(text)) return "+inf";
    if (text === "-Infinity") return "-inf";
    return fromDecimalString(text);
  }
  return undefined;
}

function toSide(
  value: Boxed,
  source: MathJson,
  topLiteral?: ReturnType<typeof decimalLiteral>,
): NumberSide | undefined {
  if (!value.isNumberLiteral) return undefined;
  const nv = value.numericValue;
  let re: ReturnType<typeof realOf>;
  let im: ReturnType<typeof realOf> = ZERO;
  if (typeof nv === "number") re = realOf(nv);
  else if (nv !== undefined && nv.decimal !== undefined) {
    re = realOf(nv.decimal);
    im = realOf(nv.im ?? 0);
  } else if (nv !== undefined && typeof nv.re === "number") {
    re = realOf(nv.re);
    im = realOf(nv.im ?? 0);
  } else return undefined;
  if (re === undefined || im === undefined) return undefined;
  const hasDecimal = containsDecimal(source);
  if (typeof im === "string") return undefined; // complex infinity
  if (typeof re === "string") return { re: ZERO, im: ZERO, infinite: re === "+inf" ? 1 : -1, hasDecimal };
  const side: NumberSide = { re, im, hasDecimal };
  const literal = topLiteral ?? literalOf(source);
  if (literal !== undefined) side.literal = literal;
  return side;
}

function evaluate(json: MathJson, point?: Record<string, number>): Boxed {
  let boxed = ce().box(json);
  if (point !== undefined) {
    const map: Record<string, Boxed> = {};
    for (const [k, v] of Object.entries(point)) map[k] = ce().number(v);
    boxed = boxed.subs(map);
  }
  return boxed.N();
}

/** Deterministic points (no RNG state shared between calls): a fixed low-discrepancy sequence. */
function samplePoint(vars: string[], attempt: number): Record<string, number> {
  const point: Record<string, number> = {};
  vars.forEach((v, i) => {
    const u = (((attempt + 1) * 0.6180339887498949 + (i + 1) * 0.41421356237309503) % 1) + 0.0001;
    point[v] = Number((0.3 + 2.4 * u).toFixed(6));
  });
  return point;
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

type IntervalValue = Extract<AnswerValue, { kind: "interval" }>;

/** A 2-tuple written `(a,b)` or `[a,b]` read as an interval, for comparison with one. */
function asInterval(v: AnswerValue): IntervalValue | undefined {
  if (v.kind === "interval") return v;
  if (v.kind === "tuple" && v.items.length === 2 && (v.bracket === "(" || v.bracket === "[")) {
    const open = v.bracket === "(";
    return { kind: "interval", lo: v.items[0]!, hi: v.items[1]!, loOpen: open, hiOpen: open };
  }
  if (v.kind === "relation") return relationAsInterval(v);
  return undefined;
}

const NEG_INF: AnswerValue = { kind: "scalar", json: "NegativeInfinity" };
const POS_INF: AnswerValue = { kind: "scalar", json: "PositiveInfinity" };

/** `x < 3`, `2 \le x < 5`, `3 > x` as intervals (only one variable, constant bounds). */
function relationAsInterval(v: Extract<AnswerValue, { kind: "relation" }>): IntervalValue | undefined {
  if (v.ops.some((op) => op !== "<" && op !== "<=")) return undefined;
  const vars = v.args.map((a) => freeVariables(a));
  if (v.args.length === 2) {
    const [a, b] = v.args as [MathJson, MathJson];
    const open = v.ops[0] === "<";
    if (typeof a === "string" && vars[0]!.size === 1 && vars[1]!.size === 0)
      return { kind: "interval", lo: NEG_INF, hi: { kind: "scalar", json: b }, loOpen: true, hiOpen: open };
    if (typeof b === "string" && vars[1]!.size === 1 && vars[0]!.size === 0)
      return { kind: "interval", lo: { kind: "scalar", json: a }, hi: POS_INF, loOpen: open, hiOpen: true };
    return undefined;
  }
  if (v.args.length === 3 && typeof v.args[1] === "string" && vars[0]!.size === 0 && vars[2]!.size === 0) {
    return {
      kind: "interval",
      lo: { kind: "scalar", json: v.args[0]! },
      hi: { kind: "scalar", json: v.args[2]! },
      loOpen: v.ops[0] === "<",
      hiOpen: v.ops[1] === "<",
    };
  }
  return undefined;
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

function isAssignable(json: MathJson): boolean {
  if (typeof json === "string") return !CONSTANTS.has(json) && !/^'/.test(json);
  const head = headOf(json);
  if (head === "Tuple") return argsOf(json).every(isAssignable);
  // A user function applied to variables: f(x) (compute-engine operators are capitalised).
  if (head !== undefined && /^[a-z]\w*$/.test(head)) return argsOf(json).every((a) => typeof a === "string");
  if (head === "Subscript") return true;
  return false;
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

/** Structural comparison of two answer values. */
export function valuesEquivalent(gold: AnswerValue, pred: AnswerValue, ctx: Context): Decision {
  if (gold.kind === "invalid") return { equivalent: false, reason: `gold: ${gold.reason}` };
  if (pred.kind === "invalid") return { equivalent: false, reason: pred.reason };

  const goldAssigned = assignedValue(gold);
  const predAssigned = assignedValue(pred);
  if (goldAssigned && predAssigned) return valuesEquivalent(goldAssigned, predAssigned, ctx);
  if (goldAssigned && pred.kind !== "relation") return valuesEquivalent(goldAssigned, pred, ctx);
  if (predAssigned && gold.kind !== "relation") return valuesEquivalent(gold, predAssigned, ctx);

  if (gold.kind === "relation" && pred.kind === "relation") {
    const gi = relationAsInterval(gold);
    const pi = relationAsInterval(pred);
    if (gi && pi) return intervalsEquivalent(gi, pi, ctx);
    return relationsEquivalent(gold, pred);
  }

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
      if (pred.kind === "set") {
        return gold.bracket === "bare"
          ? unorderedEquivalent(gold.items, pred.items, ctx, "set")
          : allEquivalent(gold.items, pred.items, ctx, "tuple");
      }
      if (pred.kind === "interval" || pred.kind === "relation") {
        const gi = asInterval(gold);
        const pi = asInterval(pred);
        if (gi && pi) return intervalsEquivalent(gi, pi, ctx);
      }
      if (pred.kind === "matrix") return valuesEquivalent(pred, gold, ctx);
      break;
    }
    case "set":
      if (pred.kind === "set") return unorderedEquivalent(gold.items, pred.items, ctx, "set");
      if (pred.kind === "tuple") {
        return pred.bracket === "bare"
          ? unorderedEquivalent(gold.items, pred.items, ctx, "set")
          : allEquivalent(gold.items, pred.items, ctx, "tuple");
      }
      if (pred.kind === "scalar" && gold.items.length === 1)
        return valuesEquivalent(gold.items[0]!, pred, ctx);
      if (pred.kind === "union") return valuesEquivalent({ kind: "union", parts: [gold] }, pred, ctx);
      break;
    case "interval": {
      const pi = asInterval(pred);
      if (pi) return intervalsEquivalent(gold, pi, ctx);
      if (pred.kind === "union") return valuesEquivalent({ kind: "union", parts: [gold] }, pred, ctx);
      break;
    }
    case "union": {
      const parts = pred.kind === "union" ? pred.parts : [pred];
      return unorderedEquivalent(gold.parts, parts, ctx, "union");
    }
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
      if (pred.kind === "interval" || pred.kind === "tuple") {
        const gi = asInterval(gold);
        const pi = asInterval(pred);
        if (gi && pi) return intervalsEquivalent(gi, pi, ctx);
      }
      break;
  }
  return { equivalent: false, reason: `different kinds of answer (${gold.kind} vs ${pred.kind})` };
}

/** Plain-text math (`sqrt(2)/2`, `3*pi`, `2**10`) becomes LaTeX (`plainMath.ts`); LaTeX passes unchanged. */
export function toParsableLatex(answer: string): string {
  return plainMathToLatex(answer) ?? answer;
}

const MAX_LATEX_LENGTH = 4000;

export function parseAnswer(latex: string): AnswerValue {
  if (latex.length > MAX_LATEX_LENGTH) return { kind: "invalid", reason: "answer too long" };
  const source = toParsableLatex(latex);
  const json = ce().parse(source).json;
  const error = findError(json);
  if (error !== undefined) return { kind: "invalid", reason: error };
  return toAnswerValue(json, outerBracketOf(source));
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

/** Full comparison of two normalised answers with the computer-algebra system. */
export function compareWithAlgebra(
  gold: NormalizedAnswer,
  pred: NormalizedAnswer,
  policy: TolerancePolicy = DEFAULT_TOLERANCE,
): Decision {
  let last: Decision = { equivalent: false, reason: "no comparison" };
  for (const [g, p] of alternatives(gold, pred)) {
    const gv = parseAnswer(g);
    if (gv.kind === "invalid") return { equivalent: false, reason: `gold: ${gv.reason}` };
    const pv = parseAnswer(p);
    if (pv.kind === "invalid") return { equivalent: false, reason: pv.reason };
    const ctx: Context = { policy };
    const gl = decimalLiteral(g);
    const pl = decimalLiteral(p);
    if (gl) ctx.goldLiteral = gl;
    if (pl) ctx.predLiteral = pl;
    last = valuesEquivalent(gv, pv, ctx);
    if (last.equivalent) return last;
  }
  return last;
}
