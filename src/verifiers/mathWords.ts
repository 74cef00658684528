// Words that are mathematics, not prose or a unit: function names and constants, shared by answer
// normalisation (trailing unit words) and answer spans (where an answer ends).

/** Function names and constants that are mathematics, not trailing unit words. */
export const MATH_WORDS = new Set([
  "sin",
  "cos",
  "tan",
  "cot",
  "sec",
  "csc",
  "log",
  "ln",
  "exp",
  "sqrt",
  "pi",
  "arcsin",
  "arccos",
  "arctan",
  "sinh",
  "cosh",
  "tanh",
  "and",
  "or",
  "mod",
  "i",
  "e",
]);
