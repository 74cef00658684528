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

export type AnswerValue =
  | { kind: "scalar"; json: MathJson }
  | { kind: "tuple"; items: AnswerValue[]; bracket: Bracket }
  | { kind: "set"; items: AnswerValue[] }
  | { kind: "interval"; lo: AnswerValue; hi: AnswerValue; loOpen: boolean; hiOpen: boolean }
  | { kind: "union"; parts: AnswerValue[] }
  | { kind: "matrix"; rows: AnswerValue[][] }
  | { kind: "relation"; ops: RelationOp[]; args: MathJson[] }
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

/** The bracket written around a whole answer, read from its (normalised) source. */
export function outerBracketOf(latex: string): Bracket {
  const s = latex.trim();
  if (s.startsWith("(") && s.endsWith(")")) return "(";
  if (s.startsWith("[") && s.endsWith("]")) return "[";
  if (s.startsWith("\\langle")) return "<";
  return "bare";
}
