// The synthetic reasoning task: integer arithmetic expressions with 2–4 operations (+, -, *) on
// 1–3 digit numbers, standard precedence ("Compute 47*3-18+205."). The worked solution has one line
// per intermediate result — every product first, left to right, then the sums and differences left
// to right — and the final answer boxed:
//
//   47*3=141
//   141-18=123
//   123+205=328
//   \boxed{328}
//
// In a chat the step lines are the reasoning block and `\boxed{…}` the answer after it.
//
// Split: an expression belongs to the test split iff FNV-1a(expression) mod 100 < ARITH_TEST_PERCENT,
// so no expression is in both splits, whatever the seeds. The test list is fixed (its own seed).
//
// Rewards: binary — 1 iff the last `\boxed{}` after the reasoning block equals the gold integer;
// ordinal — 1 when correct, else 0.6 × (share of the gold intermediate values produced in order, as
// the longest common subsequence of the values after "=" in the completion) + 0.3 × closeness of
// the boxed answer (1 / (1 + |a − g| / max(1, |g|))), so at most 0.9. A truncated completion scores
// 0 and is not correct under both rewards.
import type { RewardKind } from "../core/choices.js";
import { Rng } from "../core/rng.js";
import { extractAnswer } from "../verifiers/extract.js";
import type { Problem, ScoreOptions, ScoreResult, Split, Task } from "./types.js";

export type ArithOp = "+" | "-" | "*";

/** One difficulty level: how many operations, and how many digits the operands have. */
export interface ArithLevel {
  level: number;
  ops: number;
  /** Digit count range [min, max] of operands not next to a `*`. */
  digits: readonly [number, number];
  /** Digit count range of the factors of a product. */
  mulDigits: readonly [number, number];
  /** Most factors in one product (2 = no chains like 3*4*5). */
  maxFactors: number;
  /** Whether intermediate results may be negative. */
  allowNegative: boolean;
}

export const ARITH_LEVELS: Readonly<Record<number, ArithLevel>> = Object.freeze({
  1: { level: 1, ops: 2, digits: [1, 2], mulDigits: [1, 1], maxFactors: 2, allowNegative: false },
  2: { level: 2, ops: 3, digits: [1, 2], mulDigits: [1, 1], maxFactors: 2, allowNegative: false },
  3: { level: 3, ops: 4, digits: [1, 2], mulDigits: [1, 1], maxFactors: 3, allowNegative: false },
  4: { level: 4, ops: 3, digits: [1, 3], mulDigits: [1, 2], maxFactors: 2, allowNegative: false },
  5: { level: 5, ops: 4, digits: [2, 3], mulDigits: [1, 2], maxFactors: 3, allowNegative: true },
});

export interface LevelWeight {
  level: number;
  weight: number;
}

/**
 * Default mix: mostly 2–4 operations on 1–2 digit numbers with one-digit factors, and a tenth of
 * 3-operation problems with up to 3-digit numbers and 2-digit factors; no negative intermediate
 * results; worked solutions (steps + boxed answer) at most ~60 characters.
 */
export const DEFAULT_ARITH_MIX: readonly LevelWeight[] = Object.freeze([
  { level: 1, weight: 0.3 },
  { level: 2, weight: 0.35 },
  { level: 3, weight: 0.25 },
  { level: 4, weight: 0.1 },
]);

export const ARITH_TEST_PERCENT = 10;
/** The seed of the fixed test list. */
export const ARITH_TEST_SEED = 20240607;

export interface ArithExpression {
  operands: number[];
  ops: ArithOp[];
}

export interface ArithStep {
  left: number;
  op: ArithOp;
  right: number;
  value: number;
  /** "47*3=141" */
  text: string;
}

export function formatExpression(e: ArithExpression): string {
  let s = String(e.operands[0]);
  e.ops.forEach((op, i) => {
    s += op + String(e.operands[i + 1]);
  });
  return s;
}

/** Parses "47*3-18+205" (no spaces, non-negative integer operands). */
export function parseExpression(text: string): ArithExpression {
  if (!/^\d+([+\-*]\d+)+$/.test(text)) throw new Error(`arith: not an expression: ${JSON.stringify(text)}`);
  const operands = text.split(/[+\-*]/).map(Number);
  const ops = text.replace(/\d+/g, "").split("") as ArithOp[];
  return { operands, ops };
}

function apply(op: ArithOp, a: number, b: number): number {
  return op === "+" ? a + b : op === "-" ? a - b : a * b;
}

/**
 * The worked steps: every product left to right, then sums and differences left to right.
 * `corrupt(stepIndex, trueValue)` may return a wrong value for a step, which is carried forward
 * into the later steps (how the SFT corpus makes plausible mistakes).
 */
export function solveSteps(
  e: ArithExpression,
  corrupt?: (stepIndex: number, trueValue: number) => number | undefined,
): ArithStep[] {
  const steps: ArithStep[] = [];
  const push = (left: number, op: ArithOp, right: number): number => {
    const trueValue = apply(op, left, right);
    const value = corrupt?.(steps.length, trueValue) ?? trueValue;
    steps.push({ left, op, right, value, text: `${left}${op}${right}=${value}` });
    return value;
  };
  const terms: number[] = [e.operands[0]];
  const addOps: ArithOp[] = [];
  e.ops.forEach((op, i) => {
    const right = e.operands[i + 1];
    if (op === "*") terms.push(push(terms.pop()!, "*", right));
    else {
      terms.push(right);
      addOps.push(op);
    }
  });
  let acc = terms[0];
  addOps.forEach((op, i) => {
    acc = push(acc, op, terms[i + 1]);
  });
  return steps;
}

export function evaluateExpression(e: ArithExpression): number {
  const steps = solveSteps(e);
  return steps[steps.length - 1].value;
}

/** The reasoning lines and the boxed answer of a solution whose steps are given. */
export function formatSolution(steps: readonly ArithStep[]): { reasoning: string; answer: string } {
  return {
    reasoning: steps.map((s) => s.text).join("\n"),
    answer: `\\boxed{${steps[steps.length - 1].value}}`,
  };
}

/** 32-bit FNV-1a of a string's UTF-16 code units. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function splitOfExpression(expression: string): Split {
  return fnv1a(expression) % 100 < ARITH_TEST_PERCENT ? "test" : "train";
}

function randomNumber(rng: Rng, [lo, hi]: readonly [number, number]): number {
  const digits = rng.int(lo, hi);
  return digits === 1 ? rng.int(1, 9) : rng.int(10 ** (digits - 1), 10 ** digits - 1);
}

/** One random expression of a level (rejection-sampled to the level's constraints). */
export function generateExpression(rng: Rng, level: ArithLevel): ArithExpression {
  const allOps: ArithOp[] = ["+", "-", "*"];
  for (let attempt = 0; attempt < 10_000; attempt++) {
    const ops = Array.from({ length: level.ops }, () => rng.pick(allOps));
    let factors = 1;
    let tooLong = false;
    for (const op of ops) {
      factors = op === "*" ? factors + 1 : 1;
      if (factors > level.maxFactors) tooLong = true;
    }
    if (tooLong) continue;
    const operands = Array.from({ length: level.ops + 1 }, (_, i) => {
      const nextToMul = ops[i - 1] === "*" || ops[i] === "*";
      return randomNumber(rng, nextToMul ? level.mulDigits : level.digits);
    });
    const e = { operands, ops };
    if (!level.allowNegative && solveSteps(e).some((s) => s.value < 0)) continue;
    return e;
  }
  throw new Error(`arith: could not generate an expression for level ${level.level}`);
}

function validateMix(mix: readonly LevelWeight[]): void {
  if (mix.length === 0) throw new Error("arith: the level mix is empty");
  for (const [i, { level, weight }] of mix.entries()) {
    if (!ARITH_LEVELS[level]) {
      throw new Error(
        `arith: mix[${i}].level ${level} is not a level (${Object.keys(ARITH_LEVELS).join(", ")})`,
      );
    }
    if (!(weight > 0) || !Number.isFinite(weight)) throw new Error(`arith: mix[${i}].weight must be > 0`);
  }
}

function pickLevel(rng: Rng, mix: readonly LevelWeight[]): ArithLevel {
  const total = mix.reduce((s, m) => s + m.weight, 0);
  let u = rng.next() * total;
  for (const m of mix) {
    u -= m.weight;
    if (u < 0) return ARITH_LEVELS[m.level];
  }
  return ARITH_LEVELS[mix[mix.length - 1].level];
}

export function makeArithProblem(e: ArithExpression, level?: number): Problem {
  const expression = formatExpression(e);
  const steps = solveSteps(e);
  return {
    id: `arith:${expression}`,
    question: `Compute ${expression}.`,
    gold: String(steps[steps.length - 1].value),
    meta: { expression, level, steps: steps.map((s) => s.value) },
  };
}

export interface ArithProblemOptions {
  mix?: readonly LevelWeight[];
}

/**
 * `count` distinct problems of a split. Train: a stream under `seed` (default 0); a longer list
 * extends a shorter one. Test: a fixed list (the seed is ignored), all with test-split hashes.
 */
export function arithProblems(
  split: Split,
  count: number,
  seed = 0,
  options: ArithProblemOptions = {},
): Problem[] {
  const mix = options.mix ?? DEFAULT_ARITH_MIX;
  validateMix(mix);
  if (!Number.isInteger(count) || count < 0)
    throw new Error(`arith: count must be a non-negative integer, got ${count}`);
  const rng = Rng.derive(split === "test" ? ARITH_TEST_SEED : seed, split === "test" ? 2 : 1);
  const seen = new Set<string>();
  const out: Problem[] = [];
  let misses = 0;
  while (out.length < count) {
    const level = pickLevel(rng, mix);
    const e = generateExpression(rng, level);
    const expression = formatExpression(e);
    if (splitOfExpression(expression) !== split || seen.has(expression)) {
      if (++misses > 1000 * (count + 100)) {
        throw new Error(`arith: cannot find ${count} distinct ${split} problems in this mix`);
      }
      continue;
    }
    seen.add(expression);
    out.push(makeArithProblem(e, level.level));
  }
  return out;
}

/** The gold intermediate values of a problem (from meta, else from its "Compute …." question). */
export function goldSteps(problem: Problem): number[] | undefined {
  const steps = problem.meta?.steps;
  if (Array.isArray(steps) && steps.every((v) => typeof v === "number")) return steps as number[];
  const m = /^Compute (.+)\.$/.exec(problem.question);
  if (!m) return undefined;
  try {
    return solveSteps(parseExpression(m[1])).map((s) => s.value);
  } catch {
    return undefined;
  }
}

/** The values after "=" on the completion's step lines, in order. */
export function producedSteps(completion: string): number[] {
  const values: number[] = [];
  for (const m of completion.matchAll(/=\s*(-?\d+)/g)) values.push(Number(m[1]));
  return values;
}

function lcsLength(a: readonly number[], b: readonly number[]): number {
  let prev = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    const cur = new Array<number>(b.length + 1).fill(0);
    for (let j = 0; j < b.length; j++) cur[j + 1] = x === b[j] ? prev[j] + 1 : Math.max(prev[j + 1], cur[j]);
    prev = cur;
  }
  return prev[b.length];
}

const INTEGER = /^[+-]?\d+$/;

/** Scores a completion; `reward` is the binary or the ordinal value, both are always computed. */
export function scoreArith(
  problem: Problem,
  completion: string,
  opts: ScoreOptions,
  rewardKind: RewardKind = "binary",
): ScoreResult {
  if (opts.truncated) return { reward: 0, correct: false, reason: "truncated", ordinal: 0 };
  const gold = Number(problem.gold);
  const extracted = extractAnswer(completion, { methods: ["boxed"] });
  let answer: number | undefined;
  let reason: string;
  if (!extracted.ok) reason = `no answer: ${extracted.reason}`;
  else if (!INTEGER.test(extracted.answer.replace(/\s+/g, "")))
    reason = `answer is not an integer: ${extracted.answer}`;
  else {
    answer = Number(extracted.answer.replace(/\s+/g, ""));
    reason = answer === gold ? "correct" : `wrong: ${answer} ≠ ${problem.gold}`;
  }
  const correct = answer !== undefined && answer === gold;
  let ordinal = 1;
  if (!correct) {
    const gold_ = goldSteps(problem);
    const stepShare =
      gold_ && gold_.length > 0 ? lcsLength(gold_, producedSteps(completion)) / gold_.length : 0;
    const closeness =
      answer === undefined ? 0 : 1 / (1 + Math.abs(answer - gold) / Math.max(1, Math.abs(gold)));
    ordinal = 0.6 * stepShare + 0.3 * closeness;
  }
  return { reward: rewardKind === "binary" ? (correct ? 1 : 0) : ordinal, correct, reason, ordinal };
}

export interface ArithTaskOptions extends ArithProblemOptions {
  name?: string;
  reward?: RewardKind;
  /** Default count for `problems()` when none is given: train 10,000, test 500. */
  defaultCounts?: { train: number; test: number };
}

export function createArithTask(options: ArithTaskOptions = {}): Task {
  const reward = options.reward ?? "binary";
  const counts = options.defaultCounts ?? { train: 10_000, test: 500 };
  if (options.mix) validateMix(options.mix);
  return {
    name: options.name ?? (reward === "binary" ? "arith" : "arith-ordinal"),
    problems: (split, count, seed) => arithProblems(split, count ?? counts[split], seed, options),
    score: (problem, completion, opts) => scoreArith(problem, completion, opts, reward),
  };
}
