import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseAnswer } from "./parseAnswer.js";

describe("parseAnswer", () => {
  it("several answers joined by words are a list", () => {
    const v = parseAnswer("3 \\text{ and } -4");
    assert.equal(v.kind === "tuple" && v.bracket === "bare" && v.items.length, 2);
  });
  it("one name with several values is a list of the values; several names a labelled list", () => {
    const one = parseAnswer("q = 2 \\text{ and } q = \\frac{7}{3}");
    assert.equal(one.kind === "tuple" && one.bracket, "bare");
    const two = parseAnswer("PQ=2, RS=7");
    assert.equal(two.kind, "labelled");
    assert.equal(two.kind === "labelled" && two.entries.length, 2);
  });
  it("inequalities joined by or / and are a union / an intersection", () => {
    assert.equal(parseAnswer("x<2 \\text{ or } x>5").kind, "union");
    const both = parseAnswer("x > 1 \\text{ and } x < 3");
    assert.equal(both.kind === "setop" && both.op, "intersection");
  });
  it("a relation is read side by side, whatever the parser's precedence of `:`", () => {
    const v = parseAnswer("S_{ABC}:S=5:18");
    assert.equal(v.kind, "relation");
    assert.equal(v.kind === "relation" && JSON.stringify(v.args[1]), JSON.stringify(["Colon", 5, 18]));
    const flipped = parseAnswer("5 > x \\geq 2");
    assert.deepEqual(flipped.kind === "relation" && flipped.ops, ["<=", "<"]); // 2 ≤ x < 5
  });
  it("a sum of matrices is the matrix it evaluates to", () => {
    const v = parseAnswer(
      "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}+\\begin{pmatrix}1&1\\\\1&1\\end{pmatrix}",
    );
    assert.equal(v.kind, "matrix");
  });
  it("semicolons separate the entries of a tuple written without commas", () => {
    const v = parseAnswer("(0;1;2)");
    assert.equal(v.kind === "tuple" && v.items.length, 3);
  });
  it("refuses a list too long to be an answer", () => {
    assert.equal(parseAnswer(Array.from({ length: 100 }, (_, i) => i).join(",")).kind, "invalid");
  });
});
