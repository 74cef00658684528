/**
 * Set answers evaluated before they are compared: unions, intersections and differences of
 * intervals and finite sets of numbers become a canonical subset of ℝ (`realSet.ts`); those of
 * finite sets of anything else (`\{(1,2)\} \cup \{(3,4)\}`) become the finite set they are, with
 * membership decided by the same equivalence as everything else.
 */

import { evaluate, toSide } from "./algebraEngine.js";
import {
  type AnswerValue,
  asInterval,
  freeVariables,
  type MathJson,
  relationAsInterval,
} from "./answerStructure.js";
import { exactValue } from "./exactValue.js";
import {
  type Bound,
  difference,
  EMPTY,
  intersection,
  interval,
  point,
  REALS,
  type RealSet,
  union,
} from "./realSet.js";

/** A bound or element of a real set: an exact rational, ±∞, or a 50-digit value. */
function boundOf(v: AnswerValue): Bound | undefined {
  if (v.kind !== "scalar") return undefined;
  const json = v.json;
  if (json === "PositiveInfinity") return { kind: "infinite", sign: 1 };
  if (json === "NegativeInfinity") return { kind: "infinite", sign: -1 };
  if (freeVariables(json).size > 0) return undefined;
  const exact = exactValue(json);
  if (exact.kind === "exact") return { kind: "finite", value: exact.value, exact: !exact.hasDecimal };
  if (exact.kind === "too-large") return undefined;
  const side = toSide(evaluate(json), json);
  if (side === undefined || side.im.num !== 0n) return undefined;
  if (side.infinite !== undefined) return { kind: "infinite", sign: side.infinite };
  return { kind: "finite", value: side.re, exact: false };
}

const MAX_DEPTH = 20;

/** The subset of ℝ an answer denotes, when it denotes one (intervals, sets of numbers, their algebra). */
export function toRealSet(v: AnswerValue, depth = 0): RealSet | undefined {
  if (depth > MAX_DEPTH) return undefined;
  switch (v.kind) {
    case "set": {
      const parts: RealSet[] = [];
      for (const item of v.items) {
        const b = boundOf(item);
        if (b === undefined || b.kind !== "finite") return undefined;
        parts.push(point(b.value, b.exact));
      }
      return parts.length === 0 ? EMPTY : union(...parts);
    }
    case "union": {
      const parts = v.parts.map((p) => toRealSet(p, depth + 1));
      return parts.every((p) => p !== undefined) ? union(...(parts as RealSet[])) : undefined;
    }
    case "setop": {
      const args = v.args.map((a) => toRealSet(a, depth + 1));
      if (args.length < 2 || args.some((a) => a === undefined)) return undefined;
      const [first, ...rest] = args as RealSet[];
      return rest.reduce(
        (acc, x) => (v.op === "intersection" ? intersection(acc, x) : difference(acc, x)),
        first!,
      );
    }
    case "relation":
      if (v.ops.length === 1 && v.ops[0] === "!=") return notEqualSet(v);
      return intervalSet(v);
    case "interval":
    case "tuple":
      return intervalSet(v);
    default:
      return undefined;
  }
}

/** `x \neq 1`: the reals but one point (one variable against a constant). */
function notEqualSet(v: Extract<AnswerValue, { kind: "relation" }>): RealSet | undefined {
  const [a, b] = v.args as [MathJson, MathJson];
  const [name, value] = typeof a === "string" && freeVariables(b).size === 0 ? [a, b] : [b, a];
  if (typeof name !== "string" || freeVariables(name).size !== 1 || freeVariables(value).size !== 0)
    return undefined;
  const bound = boundOf({ kind: "scalar", json: value });
  if (bound === undefined || bound.kind !== "finite") return undefined;
  return difference(REALS, point(bound.value, bound.exact));
}

function intervalSet(v: AnswerValue): RealSet | undefined {
  switch (v.kind) {
    case "interval":
    case "tuple":
    case "relation": {
      const iv = v.kind === "relation" ? relationAsInterval(v) : asInterval(v);
      if (iv === undefined) return undefined;
      const lo = boundOf(iv.lo);
      const hi = boundOf(iv.hi);
      if (lo === undefined || hi === undefined) return undefined;
      return interval(lo, hi, !iv.loOpen, !iv.hiOpen);
    }
    default:
      return undefined;
  }
}

/** Finite-set algebra on sets of any elements; `same` decides when two elements are one. */
export function evaluateFiniteSets(
  v: AnswerValue,
  same: (a: AnswerValue, b: AnswerValue) => boolean,
  depth = 0,
): AnswerValue[] | undefined {
  if (depth > MAX_DEPTH) return undefined;
  if (v.kind === "set") return v.items;
  if (v.kind !== "union" && v.kind !== "setop") return undefined;
  const args = (v.kind === "union" ? v.parts : v.args).map((a) => evaluateFiniteSets(a, same, depth + 1));
  if (args.some((a) => a === undefined)) return undefined;
  const [first, ...rest] = args as AnswerValue[][];
  const has = (set: AnswerValue[], x: AnswerValue) => set.some((y) => same(x, y));
  let acc = first!;
  for (const next of rest) {
    if (v.kind === "union") acc = [...acc, ...next.filter((x) => !has(acc, x))];
    else if (v.op === "intersection") acc = acc.filter((x) => has(next, x));
    else acc = acc.filter((x) => !has(next, x));
  }
  // Drop repeated elements, so that {1, 2} ∪ {2, 1} has two.
  return acc.filter((x, i) => !acc.slice(0, i).some((y) => same(x, y)));
}

/** Does the answer involve set algebra or intervals (so that it is compared as a set)? */
export function isSetShaped(v: AnswerValue): boolean {
  if (v.kind === "relation") return v.ops.length === 1 && v.ops[0] === "!=";
  return v.kind === "union" || v.kind === "setop" || v.kind === "interval";
}
