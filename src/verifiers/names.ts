/**
 * Is the left side of an equation a name (a label of the value on the right) rather than
 * mathematics? `x`, `a_{10}`, `f(x)`, `P(A)`, `|PQ|`, `|\vec{v}|`, `\angle ABC`, `\overline{AB}`,
 * `S_{\triangle ABC} : S`, `\frac{XA}{XB}`, `BC` are names: a gold `|PQ| = 3` asks for 3. `2x`,
 * `x + y`, `a^2 + b`, `7` are not: `x + y = 7` is an equation, and 7 alone does not answer it.
 *
 * A name is built from symbols (letters, possibly subscripted or decorated) only: juxtaposed letters
 * (a segment), an absolute value, a ratio or quotient of names, an angle, a function applied to
 * names. No number outside a subscript, no sum, power or root.
 */

import { argsOf, CONSTANTS, headOf, type MathJson } from "./answerStructure.js";

/** Decorations of a name: `\vec{v}`, `\overline{AB}` (read as a conjugate), `\hat{x}`, `\angle ABC`, `\triangle ABC`. */
const DECORATIONS = new Set(["OverVector", "OverBar", "Conjugate", "Hat", "Angle", "Triangle", "Overline"]);

function isSymbol(json: MathJson): boolean {
  if (typeof json === "string") return !/^'/.test(json) && !CONSTANTS.has(json);
  return typeof json === "object" && json !== null && !Array.isArray(json) && "sym" in json;
}

export function isName(json: MathJson, depth = 0): boolean {
  if (depth > 20) return false;
  if (isSymbol(json)) return true;
  const head = headOf(json);
  if (head === undefined) return false;
  const args = argsOf(json);
  if (args.length === 0) return false;
  const all = (xs: MathJson[]) => xs.every((a) => isName(a, depth + 1));
  switch (head) {
    case "Subscript":
      // a_{10}, S_{\triangle ABC}: the subscript is part of the name, whatever it is.
      return isName(args[0]!, depth + 1);
    case "Multiply":
      // AB, XA: juxtaposed single letters name a segment or a product-named quantity.
      return args.every((a) => typeof a === "string" && /^[A-Za-z]$/.test(a));
    case "Abs":
    case "Divide":
    case "Colon":
      return all(args);
    default:
      if (DECORATIONS.has(head)) return all(args);
      // f(x), P(A), g(x, y), h(2): a function that the algebra system does not know (its operators
      // are capitalised words: Sin, Sqrt, ...) applied to names or numbers.
      if (/^[A-Za-z](?:_\w+)?$/.test(head))
        return args.every((a) => typeof a === "number" || isName(a, depth + 1));
      return false;
  }
}
