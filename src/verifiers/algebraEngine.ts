/**
 * The computer-algebra system (`@cortex-js/compute-engine`) as the verifier uses it: one engine
 * with 50 significant digits, LaTeX to MathJSON, numeric evaluation (optionally at a point), and
 * reading a computed value exactly as the decimal it is. Loaded only where the algebra path runs
 * (the worker thread): constructing the engine costs about a second.
 */

import { ComputeEngine } from "@cortex-js/compute-engine";
import { argsOf, headOf, type MathJson } from "./answerStructure.js";
import { fromDecimalString, fromNumber, type Rational, ZERO } from "./rational.js";
import { type DecimalLiteral, decimalLiteral, type NumberSide } from "./tolerance.js";

/** The part of the compute-engine API used here (its own typings are very wide). */
export interface Boxed {
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

export function ce(): Engine {
  if (engine === undefined) {
    engine = new ComputeEngine() as unknown as Engine;
    engine.precision = 50;
  }
  return engine;
}

export function containsDecimal(json: MathJson): boolean {
  if (typeof json === "number") return !Number.isInteger(json);
  if (Array.isArray(json)) return json.slice(1).some(containsDecimal);
  if (typeof json === "object" && json !== null && "num" in json) return /\./.test(json.num);
  return false;
}

/** The literal a scalar is, when it is one decimal number (`-0.25`). */
export function literalOf(json: MathJson): DecimalLiteral | undefined {
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

export function toSide(value: Boxed, source: MathJson, topLiteral?: DecimalLiteral): NumberSide | undefined {
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

export function evaluate(json: MathJson, point?: Record<string, number>): Boxed {
  let boxed = ce().box(json);
  if (point !== undefined) {
    const map: Record<string, Boxed> = {};
    for (const [k, v] of Object.entries(point)) map[k] = ce().number(v);
    boxed = boxed.subs(map);
  }
  return boxed.N();
}

/** Deterministic points (no RNG state shared between calls): a fixed low-discrepancy sequence. */
export function samplePoint(vars: string[], attempt: number): Record<string, number> {
  const point: Record<string, number> = {};
  vars.forEach((v, i) => {
    const u = (((attempt + 1) * 0.6180339887498949 + (i + 1) * 0.41421356237309503) % 1) + 0.0001;
    point[v] = Number((0.3 + 2.4 * u).toFixed(6));
  });
  return point;
}
