/**
 * Reads one answer (normalised LaTeX or plain-text math) into an answer value.
 *
 * 1. Plain-text math becomes LaTeX (`plainMath.ts`).
 * 2. The answer is split at its top level (`answerSplit.ts`): several answers (`3 \text{ and } -4`,
 *    `(1,5); (5,1)`) are read one by one and combined (3 below); a relation is read side by side.
 * 3. Combining: inequalities in one variable joined by "or" / "and" are a union / an intersection
 *    (`x < 2 \text{ or } x > 5`); `x = 1 \text{ or } x = -7` (one name) is the list 1, -7;
 *    `x = 2, y = -1` (several names) is a labelled list; anything else is a list.
 * 4. Each piece is parsed by the algebra system; a sum or product of matrices is evaluated to the
 *    matrix it is.
 */

import { ce } from "./algebraEngine.js";
import {
  type AnswerValue,
  argsOf,
  findError,
  headOf,
  type MathJson,
  outerBracketOf,
  type RelationOp,
  relationAsInterval,
  toAnswerValue,
} from "./answerStructure.js";
import { type Connective, type RelationSymbol, splitList, splitRelation } from "./answerSplit.js";
import { isName } from "./names.js";
import { plainMathToLatex } from "./plainMath.js";

const MAX_LATEX_LENGTH = 4000;
/** More answers than this in one list is not an answer. */
const MAX_LIST_PARTS = 64;

/** Plain-text math (`sqrt(2)/2`, `3*pi`, `2**10`) becomes LaTeX (`plainMath.ts`); LaTeX passes unchanged. */
export function toParsableLatex(answer: string): string {
  return plainMathToLatex(answer) ?? answer;
}

function parseJson(latex: string): MathJson | { error: string } {
  // `(0;1;2)`: semicolons as the separators of a tuple, when no comma is used.
  const source = latex.includes(";") && !latex.includes(",") ? latex.replace(/;/g, ",") : latex;
  const json = ce().parse(source).json;
  const error = findError(json);
  return error === undefined ? json : { error };
}

function containsMatrix(json: MathJson, depth = 0): boolean {
  if (depth > 50 || !Array.isArray(json)) return false;
  if (json[0] === "Matrix") return true;
  return json.slice(1).some((a) => containsMatrix(a, depth + 1));
}

/** `A + B`, `AB`, `2A`, `A^2` of explicit matrices: the matrix they evaluate to. */
function evaluateMatrixArithmetic(json: MathJson): MathJson {
  const head = headOf(json);
  if (head === "Matrix" || head === undefined || !containsMatrix(json)) return json;
  if (!["Add", "Subtract", "Multiply", "Negate", "Divide", "Power", "MatrixPower"].includes(head))
    return json;
  const value = ce().box(json).evaluate().json;
  const rows = argsOf(value);
  const isMatrix = headOf(value) === "List" && rows.length > 0 && rows.every((r) => headOf(r) === "List");
  return isMatrix ? ["Matrix", value] : json;
}

const FLIPPED: Record<RelationSymbol, RelationOp | undefined> = {
  "=": "=",
  "!=": "!=",
  "<": "<",
  "<=": "<=",
  ">": "<",
  ">=": "<=",
};

/** `a > b ≥ c` is read as `c ≤ b < a`; a chain that mixes directions is not a relation. */
function relationValue(sides: MathJson[], ops: RelationSymbol[]): AnswerValue {
  const down = ops.some((o) => o === ">" || o === ">=");
  const up = ops.some((o) => o === "<" || o === "<=");
  if (down && up) return { kind: "invalid", reason: "inequality chain in both directions" };
  const mapped = ops.map((o) => FLIPPED[o]!);
  return down
    ? { kind: "relation", ops: mapped.reverse(), args: [...sides].reverse() }
    : { kind: "relation", ops: mapped, args: sides };
}

/** One piece: a relation read side by side, or one expression. */
function parseSingle(latex: string): AnswerValue {
  const relation = splitRelation(latex);
  if (relation?.sides.every((s) => s !== "")) {
    const sides: MathJson[] = [];
    for (const side of relation.sides) {
      const json = parseJson(side);
      if (typeof json === "object" && json !== null && !Array.isArray(json) && "error" in json)
        return { kind: "invalid", reason: json.error };
      sides.push(json as MathJson);
    }
    return relationValue(sides, relation.ops);
  }
  const json = parseJson(latex);
  if (typeof json === "object" && json !== null && !Array.isArray(json) && "error" in json)
    return { kind: "invalid", reason: json.error };
  return toAnswerValue(evaluateMatrixArithmetic(json as MathJson), outerBracketOf(latex));
}

/** The name of `name = value`, when the value is one relation of that form. */
function labelOf(v: AnswerValue): MathJson | undefined {
  if (v.kind !== "relation" || v.args.length !== 2 || v.ops[0] !== "=") return undefined;
  return isName(v.args[0]!) ? v.args[0] : undefined;
}

function sameJson(a: MathJson, b: MathJson): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function isInequality(v: AnswerValue): boolean {
  return v.kind === "relation" && relationAsInterval(v) !== undefined;
}

/** Combines the parts of a list of answers (see the module comment). */
function combine(values: AnswerValue[], connectives: Connective[]): AnswerValue {
  const invalid = values.find((v) => v.kind === "invalid");
  if (invalid !== undefined) return invalid;
  const words = new Set(connectives.filter((c) => c === "and" || c === "or"));
  // Sets of reals joined by words: x < 2 or x > 5 (a union), x > 1 and x < 3 (an intersection).
  const setLike = values.every((v) => isInequality(v) || v.kind === "interval" || v.kind === "union");
  if (setLike && values.some(isInequality) && words.size === 1) {
    return words.has("or")
      ? { kind: "union", parts: values }
      : { kind: "setop", op: "intersection", args: values };
  }
  const labels = values.map(labelOf);
  const rhs = (v: AnswerValue): AnswerValue =>
    v.kind === "relation" ? toAnswerValue(v.args[1]!, "bare") : v;
  if (labels.every((l) => l !== undefined)) {
    const first = labels[0]!;
    // x = 1 or x = -7: one name, several values.
    if (labels.every((l) => sameJson(l!, first)))
      return { kind: "tuple", bracket: "bare", items: values.map(rhs) };
    return {
      kind: "labelled",
      entries: values.map((v, i) => ({ label: labels[i]!, value: rhs(v) })),
    };
  }
  // n = 1, 2, 3: the name written once, before the first value.
  if (labels[0] !== undefined && labels.slice(1).every((l) => l === undefined)) {
    if (values.slice(1).every((v) => v.kind !== "relation"))
      return { kind: "tuple", bracket: "bare", items: [rhs(values[0]!), ...values.slice(1)] };
  }
  // `1 \pm \sqrt{2}, 5` is three answers.
  const items = values.flatMap((v) => (v.kind === "set" && v.plusMinus ? v.items : [v]));
  return { kind: "tuple", bracket: "bare", items };
}

/** Reads an answer's LaTeX (or plain-text math) into an answer value. */
export function parseAnswer(latex: string): AnswerValue {
  if (latex.length > MAX_LATEX_LENGTH) return { kind: "invalid", reason: "answer too long" };
  const source = toParsableLatex(latex);
  const list = splitList(source);
  if (list.parts.length > MAX_LIST_PARTS) return { kind: "invalid", reason: "too many answers" };
  if (list.parts.length === 0) return { kind: "invalid", reason: "empty answer" };
  if (list.parts.length === 1) return parseSingle(list.parts[0]!);
  return combine(list.parts.map(parseSingle), list.connectives);
}
