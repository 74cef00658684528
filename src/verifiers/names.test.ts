import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { MathJson } from "./answerStructure.js";
import { isName } from "./names.js";

describe("isName", () => {
  it("names: symbols, segments, absolute values, ratios, angles, functions of names", () => {
    const names: MathJson[] = [
      "x",
      "a_10",
      ["Multiply", "P", "Q"],
      ["Abs", ["Multiply", "P", "Q"]],
      ["Abs", ["OverVector", "v"]],
      ["Divide", ["Multiply", "A", "X"], ["Multiply", "B", "X"]],
      ["Colon", ["Subscript", "S", ["Triangle", "A", "B", "C"]], "S"],
      ["Angle", "A", "B", "C"],
      ["P", "A"],
      ["f", "x"],
    ];
    for (const n of names) assert.equal(isName(n), true, JSON.stringify(n));
  });
  it("not names: numbers, sums, coefficients, powers, constants", () => {
    const others: MathJson[] = [
      7,
      "Pi",
      ["Multiply", 2, "x"],
      ["Add", "x", "y"],
      ["Power", "a", 2],
      ["Sqrt", "x"],
      ["Sin", "x"],
    ];
    for (const n of others) assert.equal(isName(n), false, JSON.stringify(n));
  });
});
