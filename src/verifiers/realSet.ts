/**
 * Subsets of the real line in a canonical form, so that set answers written differently compare
 * equal: `[0,5] \setminus \{2\}` and `[0,2) \cup (2,5]`, `\mathbb{R}` and `(-\infty, \infty)`,
 * `[1,4] \cup [3,6]` and `[1,6]`, `(-\infty,4) \cap (1,\infty)` and `(1,4)`.
 *
 * A set is a sorted list of disjoint, non-touching intervals (a point is the closed interval [a, a]);
 * union, intersection and difference keep that form, so equality is equality of the lists.
 * Bounds are exact rationals where the answer is exact, and 50-digit values otherwise (√2, π), which
 * count as equal within the same relative tolerance as any other value.
 * Written here: no JavaScript library does interval-set algebra on exact bounds.
 */

import { abs, compare as compareRational, max, mul, type Rational, rational, sub } from "./rational.js";

export type Bound = { kind: "finite"; value: Rational; exact: boolean } | { kind: "infinite"; sign: 1 | -1 };

export interface RealInterval {
  lo: Bound;
  hi: Bound;
  loClosed: boolean;
  hiClosed: boolean;
}

/** Sorted, disjoint, non-touching intervals. */
export type RealSet = RealInterval[];

const MINUS_INFINITY: Bound = { kind: "infinite", sign: -1 };
const PLUS_INFINITY: Bound = { kind: "infinite", sign: 1 };

export const REALS: RealSet = [{ lo: MINUS_INFINITY, hi: PLUS_INFINITY, loClosed: false, hiClosed: false }];
export const EMPTY: RealSet = [];

/** Relative difference below which two computed (inexact) bounds are the same number. */
const INEXACT_TOLERANCE = rational(1n, 10n ** 30n);

/** −1, 0, 1: a < b, a = b, a > b. */
export function compareBounds(a: Bound, b: Bound): number {
  if (a.kind === "infinite" || b.kind === "infinite") {
    const sa = a.kind === "infinite" ? a.sign * 2 : 0;
    const sb = b.kind === "infinite" ? b.sign * 2 : 0;
    if (sa === 0 && sb === 0) return 0;
    return Math.sign(sa - sb);
  }
  const c = compareRational(a.value, b.value);
  if (c === 0 || (a.exact && b.exact)) return c;
  // |a − b| ≤ tol · max(|a|, |b|): equal as computed values.
  const diff = abs(sub(a.value, b.value));
  return compareRational(diff, mul(INEXACT_TOLERANCE, max(abs(a.value), abs(b.value)))) <= 0 ? 0 : c;
}

/** The interval from lo to hi (empty when it is); infinite ends are always open. */
export function interval(lo: Bound, hi: Bound, loClosed: boolean, hiClosed: boolean): RealSet {
  const lc = loClosed && lo.kind === "finite";
  const hc = hiClosed && hi.kind === "finite";
  const c = compareBounds(lo, hi);
  if (c > 0 || (c === 0 && !(lc && hc))) return EMPTY;
  return [{ lo, hi, loClosed: lc, hiClosed: hc }];
}

export function point(value: Rational, exact: boolean): RealSet {
  const b: Bound = { kind: "finite", value, exact };
  return [{ lo: b, hi: b, loClosed: true, hiClosed: true }];
}

/** Orders intervals by their lower end, a closed end before an open one at the same place. */
function byLowerEnd(a: RealInterval, b: RealInterval): number {
  const c = compareBounds(a.lo, b.lo);
  if (c !== 0) return c;
  return a.loClosed === b.loClosed ? 0 : a.loClosed ? -1 : 1;
}

/** Does b start inside a or right where a ends (so that the two merge into one interval)? */
function overlapsOrTouches(a: RealInterval, b: RealInterval): boolean {
  const c = compareBounds(b.lo, a.hi);
  return c < 0 || (c === 0 && (a.hiClosed || b.loClosed));
}

/** The later of two upper ends (a closed end wins at the same place). */
function laterEnd(a: RealInterval, b: RealInterval): { hi: Bound; hiClosed: boolean } {
  const c = compareBounds(a.hi, b.hi);
  if (c > 0) return { hi: a.hi, hiClosed: a.hiClosed };
  if (c < 0) return { hi: b.hi, hiClosed: b.hiClosed };
  return { hi: a.hi, hiClosed: a.hiClosed || b.hiClosed };
}

export function union(...sets: RealSet[]): RealSet {
  const all = sets.flat().sort(byLowerEnd);
  const out: RealInterval[] = [];
  for (const next of all) {
    const last = out.at(-1);
    if (last !== undefined && overlapsOrTouches(last, next)) {
      out[out.length - 1] = { ...last, ...laterEnd(last, next) };
    } else {
      out.push(next);
    }
  }
  return out;
}

function intersectIntervals(a: RealInterval, b: RealInterval): RealSet {
  const cl = compareBounds(a.lo, b.lo);
  const lo = cl > 0 ? a.lo : b.lo;
  const loClosed = cl > 0 ? a.loClosed : cl < 0 ? b.loClosed : a.loClosed && b.loClosed;
  const ch = compareBounds(a.hi, b.hi);
  const hi = ch < 0 ? a.hi : b.hi;
  const hiClosed = ch < 0 ? a.hiClosed : ch > 0 ? b.hiClosed : a.hiClosed && b.hiClosed;
  return interval(lo, hi, loClosed, hiClosed);
}

export function intersection(a: RealSet, b: RealSet): RealSet {
  const parts: RealSet[] = [];
  for (const x of a) for (const y of b) parts.push(intersectIntervals(x, y));
  return union(...parts);
}

/** ℝ minus the set: the gaps between its intervals. */
export function complement(a: RealSet): RealSet {
  const out: RealSet[] = [];
  let lo: Bound = MINUS_INFINITY;
  let loClosed = false;
  for (const x of a) {
    out.push(interval(lo, x.lo, loClosed, !x.loClosed));
    lo = x.hi;
    loClosed = !x.hiClosed;
  }
  out.push(interval(lo, PLUS_INFINITY, loClosed, false));
  return union(...out);
}

export function difference(a: RealSet, b: RealSet): RealSet {
  return intersection(a, complement(b));
}

export function sameSet(a: RealSet, b: RealSet): boolean {
  if (a.length !== b.length) return false;
  return a.every((x, i) => {
    const y = b[i]!;
    return (
      compareBounds(x.lo, y.lo) === 0 &&
      compareBounds(x.hi, y.hi) === 0 &&
      x.loClosed === y.loClosed &&
      x.hiClosed === y.hiClosed
    );
  });
}
