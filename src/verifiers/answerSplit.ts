/**
 * Splits an answer's LaTeX at its top level (outside any bracket, brace or environment) into the
 * pieces the LaTeX parser should see one at a time:
 *
 * - several answers: `3 \text{ and } -4`, `9, 12 \text{ or } 15`, `(4,9)or(9,4)`, `a, b, and c`,
 *   `(1,5); (5,1)` — the parts and the connective between each two ("," ";" "and" "or");
 * - a relation: `|PQ| = 3`, `0 < g(x) < 2`, `S_{ABC} : S = 5 : 18` — its sides and operators, so
 *   that a labelled answer is read as "label = value" whatever the parser's operator precedence.
 *
 * Written by hand (no library splits competition answers): one linear scan that tracks the bracket
 * depth; `[2, 5)` closes with another bracket than it opened with, so any closer lowers the depth.
 */

export type Connective = "," | ";" | "and" | "or";

export interface SplitList {
  parts: string[];
  /** connectives[i] joins parts[i] and parts[i + 1]. */
  connectives: Connective[];
}

export type RelationSymbol = "=" | "<" | "<=" | ">" | ">=" | "!=";

export interface SplitRelation {
  sides: string[];
  /** ops[i] relates sides[i] and sides[i + 1]. */
  ops: RelationSymbol[];
}

const OPENERS = /^(?:\\\{|\\langle(?![A-Za-z])|\\lvert(?![A-Za-z])|\\begin\{[^}]*\}|[([{])/;
const CLOSERS = /^(?:\\\}|\\rangle(?![A-Za-z])|\\rvert(?![A-Za-z])|\\end\{[^}]*\}|[)\]}])/;

/** Connective words and symbols, at the current position (text is already normalised). */
const LIST_SEPARATOR =
  /^(?:,|;|\\text\{\s*,?\s*(and|or)\s*,?\s*\}|\\(l?or|vee)(?![A-Za-z])|\\(l?and|wedge)(?![A-Za-z])|(?<![A-Za-z\\])(and|or)(?![A-Za-z]))/;

const RELATION = /^(?:\\(leq?|geq?|neq?|lt|gt|approx|leqslant|geqslant)(?![A-Za-z])|(<=|>=|!=|=|<|>))/;

const RELATION_SYMBOLS: Record<string, RelationSymbol> = {
  le: "<=",
  leq: "<=",
  leqslant: "<=",
  ge: ">=",
  geq: ">=",
  geqslant: ">=",
  ne: "!=",
  neq: "!=",
  lt: "<",
  gt: ">",
  approx: "=",
  "<=": "<=",
  ">=": ">=",
  "!=": "!=",
  "=": "=",
  "<": "<",
  ">": ">",
};

/** Scans `text`, calling `atTop(i)` at every position of bracket depth 0; it returns a match length or 0. */
function scanTopLevel(text: string, atTop: (i: number) => number): void {
  let depth = 0;
  for (let i = 0; i < text.length; ) {
    const rest = text.slice(i, i + 40);
    const open = OPENERS.exec(rest);
    if (open) {
      depth++;
      i += open[0].length;
      continue;
    }
    const close = CLOSERS.exec(rest);
    if (close) {
      depth = Math.max(0, depth - 1);
      i += close[0].length;
      continue;
    }
    if (depth === 0) {
      const len = atTop(i);
      if (len > 0) {
        i += len;
        continue;
      }
    }
    // A command name is skipped whole, so that `\land` is not read as `\l` + `and`.
    const command = /^\\[A-Za-z]+/.exec(rest);
    i += command ? command[0].length : rest[0] === "\\" ? 2 : 1;
  }
}

function connectiveOf(m: RegExpExecArray): Connective {
  if (m[0] === ",") return ",";
  if (m[0] === ";") return ";";
  const word = m[1] ?? m[4];
  if (word !== undefined) return word === "and" ? "and" : "or";
  return m[2] !== undefined ? "or" : "and";
}

/** The top-level parts of a list of answers; one part when there is no top-level separator. */
export function splitList(latex: string): SplitList {
  const parts: string[] = [];
  const connectives: Connective[] = [];
  let start = 0;
  let pending: Connective | undefined;
  scanTopLevel(latex, (i) => {
    const m = LIST_SEPARATOR.exec(latex.slice(i, i + 40));
    if (!m) return 0;
    const part = latex.slice(start, i).trim();
    const c = connectiveOf(m);
    if (part !== "") {
      if (pending !== undefined && parts.length > 0) connectives.push(pending);
      parts.push(part);
      pending = c;
    } else if (pending === undefined || pending === "," || pending === ";") {
      // `a, b, and c`: the word is the connective that counts.
      pending = c === "," || c === ";" ? (pending ?? c) : c;
    }
    start = i + m[0].length;
    return m[0].length;
  });
  const last = latex.slice(start).trim();
  if (last !== "") {
    if (pending !== undefined && parts.length > 0) connectives.push(pending);
    parts.push(last);
  }
  return { parts, connectives };
}

/** The sides and operators of a top-level relation chain, or undefined when there is none. */
export function splitRelation(latex: string): SplitRelation | undefined {
  const sides: string[] = [];
  const ops: RelationSymbol[] = [];
  let start = 0;
  scanTopLevel(latex, (i) => {
    const m = RELATION.exec(latex.slice(i, i + 12));
    if (!m) return 0;
    sides.push(latex.slice(start, i).trim());
    ops.push(RELATION_SYMBOLS[m[1] ?? m[2]!]!);
    start = i + m[0].length;
    return m[0].length;
  });
  if (ops.length === 0) return undefined;
  sides.push(latex.slice(start).trim());
  return { sides, ops };
}
