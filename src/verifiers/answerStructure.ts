/**
 * The shape of a parsed answer: reads the MathJSON that `@cortex-js/compute-engine` produces from
 * LaTeX and says what kind of mathematical object the answer is — a scalar expression, an ordered
 * tuple, an unordered set, an interval, a union, a matrix, a relation (equation / inequality) or a
 * text — so that the comparison can apply the right notion of equality to each.
 *
 * Ambiguities of notation are kept, not resolved here: `(0,9)` is a tuple with round brackets that
 * may also be an open interval; the comparison decides against what it is compared with.
 */

export type MathJson = number | string | { num: string } | { str: string } | { sym: string } | MathJson[];

export type Bracket = "(" | "[" | "<" | "bare";

export type RelationOp = "=" | "<" | "<=" | "!=";

/**
 * `tuple` with bracket "bare" is a list written without brackets (`1, 2, 3`, `3 \text{ and } -4`,
 * one box per answer): the answers of a problem, in no particular order. `labelled` is a list of
 * `name = value` with different names (`x = 2, y = -1`, `PQ = 2, RS = 7`): its order is the names'.
 * `setop` is an intersection or difference of sets, evaluated when compared.
 */
export type AnswerValue =
  | { kind: "scalar"; json: MathJson }
  | { kind: "tuple"; items: AnswerValue[]; bracket: Bracket }
  | { kind: "set"; items: AnswerValue[]; plusMinus?: boolean }
  | { kind: "interval"; lo: AnswerValue; hi: AnswerValue; loOpen: boolean; hiOpen: boolean }
  | { kind: "union"; parts: AnswerValue[] }
  | { kind: "setop"; op: "intersection" | "difference"; args: AnswerValue[] }
  | { kind: "matrix"; rows: AnswerValue[][] }
  | { kind: "relation"; ops: RelationOp[]; args: MathJson[] }
  | { kind: "labelled"; entries: { label: MathJson; value: AnswerValue }[] }
  | { kind: "ratio"; terms: MathJson[] }
  | { kind: "text"; text: string }
  | { kind: "invalid"; reason: string };

export function headOf(json: MathJson): string | undefined {
  return Array.isArray(json) && typeof json[0] === "string" ? json[0] : undefined;
}

export function argsOf(json: MathJson): MathJson[] {
  return Array.isArray(json) ? json.slice(1) : [];
}

/** Finds the first `["Error", …]` node, if any. */
export function findError(json: MathJson, depth = 0): string | undefined {
  if (depth > 200) return "expression nested too deeply";
  if (!Array.isArray(json)) return undefined;
  if (json[0] === "Error") return `unparseable LaTeX (${JSON.stringify(json[1])})`;
  for (const arg of json.slice(1)) {
    const e = findError(arg, depth + 1);
    if (e !== undefined) return e;
  }
  return undefined;
}

function stripQuotes(s: string): string {
  return s.replace(/^'|'$/g, "");
}

function isStringLiteral(json: MathJson): string | undefined {
  if (typeof json === "string" && /^'.*'$/s.test(json)) return stripQuotes(json);
  if (typeof json === "object" && json !== null && !Array.isArray(json) && "str" in json) return json.str;
  return undefined;
}

const RELATIONS: Record<string, { op: RelationOp; flip: boolean }> = {
  Equal: { op: "=", flip: false },
  Approx: { op: "=", flip: false },
  Less: { op: "<", flip: false },
  LessEqual: { op: "<=", flip: false },
  Greater: { op: "<", flip: true },
  GreaterEqual: { op: "<=", flip: true },
  NotEqual: { op: "!=", flip: false },
};

function plusMinus(center: MathJson, spread: MathJson): AnswerValue {
  return {
    kind: "set",
    plusMinus: true,
    items: [
      { kind: "scalar", json: ["Add", center, spread] },
      { kind: "scalar", json: ["Subtract", center, spread] },
    ],
  };
}

/** In a set or a bare list, `a \pm b` stands for the two elements a + b and a − b. */
function expandPlusMinus(items: MathJson[]): MathJson[] {
  return items.flatMap((item): MathJson[] => {
    const head = headOf(item);
    const [center, spread] = argsOf(item);
    if ((head === "Measurement" || head === "PlusMinus") && center !== undefined && spread !== undefined) {
      return [
        ["Add", center, spread],
        ["Subtract", center, spread],
      ];
    }
    return [item];
  });
}

function intervalBound(json: MathJson): { value: AnswerValue; open: boolean } {
  if (headOf(json) === "Open") return { value: toAnswerValue(argsOf(json)[0]!, "bare"), open: true };
  return { value: toAnswerValue(json, "bare"), open: false };
}

function matrixRows(json: MathJson): AnswerValue[][] | undefined {
  const body = argsOf(json)[0];
  if (body === undefined || headOf(body) !== "List") return undefined;
  const rows: AnswerValue[][] = [];
  for (const row of argsOf(body)) {
    if (headOf(row) !== "List") return undefined;
    rows.push(argsOf(row).map((cell) => toAnswerValue(cell, "bare")));
  }
  return rows;
}

/**
 * Converts MathJSON into an answer value. `outerBracket` is the bracket written around the whole
 * answer in the source (CE does not keep `(…)` vs bare lists apart).
 */
export function toAnswerValue(json: MathJson, outerBracket: Bracket = "bare", depth = 0): AnswerValue {
  if (depth > 100) return { kind: "invalid", reason: "expression nested too deeply" };
  const text = isStringLiteral(json);
  if (text !== undefined) return { kind: "text", text: text.trim().toLowerCase() };
  if (json === "EmptySet") return { kind: "set", items: [] };
  if (json === "RealNumbers")
    return { kind: "interval", lo: NEG_INF, hi: POS_INF, loOpen: true, hiOpen: true };
  const head = headOf(json);
  const args = argsOf(json);
  // A tuple nested in another structure was necessarily written in parentheses.
  const inner = (j: MathJson) => toAnswerValue(j, "(", depth + 1);
  switch (head) {
    case "Delimiter":
      return args[0] === undefined
        ? { kind: "invalid", reason: "empty delimiter" }
        : toAnswerValue(args[0], outerBracket, depth + 1);
    case "Tuple":
    case "Sequence":
      if (args.length === 1) return inner(args[0]!);
      if (outerBracket === "bare")
        return { kind: "tuple", items: expandPlusMinus(args).map(inner), bracket: "bare" };
      return { kind: "tuple", items: args.map(inner), bracket: outerBracket === "[" ? "(" : outerBracket };
    case "Pair":
      return { kind: "tuple", items: args.map(inner), bracket: "(" };
    case "AngleBracket":
      return { kind: "tuple", items: args.map(inner), bracket: "<" };
    case "List": {
      if (args.length === 1 && headOf(args[0]!) === "Matrix") return inner(args[0]!);
      return { kind: "tuple", items: args.map(inner), bracket: "[" };
    }
    case "Set":
      return { kind: "set", items: expandPlusMinus(args).map(inner) };
    case "Interval": {
      if (args.length !== 2) return { kind: "invalid", reason: "malformed interval" };
      const lo = intervalBound(args[0]!);
      const hi = intervalBound(args[1]!);
      return { kind: "interval", lo: lo.value, hi: hi.value, loOpen: lo.open, hiOpen: hi.open };
    }
    case "Union":
    case "Or":
      return { kind: "union", parts: args.map(inner) };
    case "Intersection":
      return { kind: "setop", op: "intersection", args: args.map(inner) };
    case "SetMinus":
      return { kind: "setop", op: "difference", args: args.map(inner) };
    case "Colon":
      // A ratio `5:18`; CE nests `a:b:c` to the right.
      return { kind: "ratio", terms: flattenColon(json) };
    case "And": {
      // `2 \le x < 5` arrives as And(2 ≤ x, x < 5): rebuild the chain.
      const parts = args.map(inner);
      const [a, b] = parts;
      if (parts.length === 2 && a?.kind === "relation" && b?.kind === "relation" && a.args.length === 2) {
        if (b.args.length === 2 && JSON.stringify(a.args[1]) === JSON.stringify(b.args[0])) {
          return { kind: "relation", ops: [...a.ops, ...b.ops], args: [a.args[0]!, a.args[1]!, b.args[1]!] };
        }
      }
      return { kind: "invalid", reason: "unsupported conjunction" };
    }
    case "Matrix": {
      const rows = matrixRows(json);
      return rows ? { kind: "matrix", rows } : { kind: "invalid", reason: "malformed matrix" };
    }
    case "Element":
      // `x \in S`: the set is the answer.
      return args[1] === undefined ? { kind: "invalid", reason: "malformed element" } : inner(args[1]);
    case "Measurement":
    case "PlusMinus":
      return args.length === 2 ? plusMinus(args[0]!, args[1]!) : { kind: "invalid", reason: "malformed ±" };
    case "Quantity":
      // A value with a unit (`15\,\mathrm{cm}^2`): the unit is not part of the answer.
      return args[0] === undefined ? { kind: "invalid", reason: "malformed quantity" } : inner(args[0]);
    case "BaseForm":
      return args[0] === undefined ? { kind: "invalid", reason: "malformed base form" } : inner(args[0]);
    default:
      break;
  }
  if (head !== undefined && head in RELATIONS) {
    const { op, flip } = RELATIONS[head]!;
    const ordered = flip ? [...args].reverse() : args;
    return { kind: "relation", ops: ordered.slice(1).map(() => op), args: ordered };
  }
  return { kind: "scalar", json };
}

function flattenColon(json: MathJson): MathJson[] {
  return headOf(json) === "Colon" ? argsOf(json).flatMap(flattenColon) : [json];
}

/** MathJSON symbols that are constants, not variables. */
export const CONSTANTS = new Set([
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
  "RealNumbers",
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

export type IntervalValue = Extract<AnswerValue, { kind: "interval" }>;

export const NEG_INF: AnswerValue = { kind: "scalar", json: "NegativeInfinity" };
export const POS_INF: AnswerValue = { kind: "scalar", json: "PositiveInfinity" };

/** A 2-tuple written `(a,b)` or `[a,b]` read as an interval, for comparison with one. */
export function asInterval(v: AnswerValue): IntervalValue | undefined {
  if (v.kind === "interval") return v;
  if (v.kind === "tuple" && v.items.length === 2 && (v.bracket === "(" || v.bracket === "[")) {
    const open = v.bracket === "(";
    return { kind: "interval", lo: v.items[0]!, hi: v.items[1]!, loOpen: open, hiOpen: open };
  }
  if (v.kind === "relation") return relationAsInterval(v);
  return undefined;
}

/**
 * `x < 3`, `2 \le x < 5`, `0 < g(x) < 2` as intervals: one variable or one name in the middle,
 * constant bounds.
 */
export function relationAsInterval(v: Extract<AnswerValue, { kind: "relation" }>): IntervalValue | undefined {
  if (v.ops.some((op) => op !== "<" && op !== "<=")) return undefined;
  const vars = v.args.map((a) => freeVariables(a));
  const isLabel = (j: MathJson) => typeof j === "string" || isFunctionOfNames(j);
  if (v.args.length === 2) {
    const [a, b] = v.args as [MathJson, MathJson];
    const open = v.ops[0] === "<";
    if (isLabel(a) && vars[0]!.size >= 1 && vars[1]!.size === 0)
      return { kind: "interval", lo: NEG_INF, hi: { kind: "scalar", json: b }, loOpen: true, hiOpen: open };
    if (isLabel(b) && vars[1]!.size >= 1 && vars[0]!.size === 0)
      return { kind: "interval", lo: { kind: "scalar", json: a }, hi: POS_INF, loOpen: open, hiOpen: true };
    return undefined;
  }
  if (v.args.length === 3 && isLabel(v.args[1]!) && vars[0]!.size === 0 && vars[2]!.size === 0) {
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

/** `g(x)`, `f(x, y)`: a function the algebra system does not know, applied to variables. */
function isFunctionOfNames(json: MathJson): boolean {
  const head = headOf(json);
  return (
    head !== undefined &&
    /^[A-Za-z](?:_\w+)?$/.test(head) &&
    argsOf(json).length > 0 &&
    argsOf(json).every((a) => typeof a === "string")
  );
}

/** The bracket written around a whole answer, read from its (normalised) source. */
export function outerBracketOf(latex: string): Bracket {
  const s = latex.trim();
  if (s.startsWith("(") && s.endsWith(")")) return "(";
  if (s.startsWith("[") && s.endsWith("]")) return "[";
  if (s.startsWith("\\langle")) return "<";
  return "bare";
}
