import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { splitList, splitRelation } from "./answerSplit.js";

describe("splitList", () => {
  it("splits several answers at top-level separators and connective words", () => {
    assert.deepEqual(splitList("3 \\text{ and } -4"), { parts: ["3", "-4"], connectives: ["and"] });
    assert.deepEqual(splitList("9,12 \\text{ or } 15"), {
      parts: ["9", "12", "15"],
      connectives: [",", "or"],
    });
    assert.deepEqual(splitList("(4,9)or(9,4)"), { parts: ["(4,9)", "(9,4)"], connectives: ["or"] });
    assert.deepEqual(splitList("(1,5); (5,1)"), { parts: ["(1,5)", "(5,1)"], connectives: [";"] });
  });
  it("takes the word of `a, b, and c` as the connective", () => {
    assert.deepEqual(splitList("a, b, and c"), { parts: ["a", "b", "c"], connectives: [",", "and"] });
    assert.deepEqual(splitList("a, b, \\text{ and } c").parts, ["a", "b", "c"]);
  });
  it("leaves brackets, braces, intervals and environments whole", () => {
    assert.deepEqual(splitList("[2, 5)").parts, ["[2, 5)"]);
    assert.deepEqual(splitList("\\{1, 2\\} \\cup [3, 4)").parts, ["\\{1, 2\\} \\cup [3, 4)"]);
    assert.deepEqual(splitList("\\begin{pmatrix}1 & 2\\\\ 3, 4\\end{pmatrix}").parts.length, 1);
    assert.deepEqual(splitList("\\frac{1,2}{3}").parts, ["\\frac{1,2}{3}"]);
  });
  it("does not split inside words or commands", () => {
    assert.deepEqual(splitList("random").parts, ["random"]);
    assert.deepEqual(splitList("x \\land y").parts, ["x", "y"]);
    assert.deepEqual(splitList("\\operatorname{sort}(x)").parts.length, 1);
  });
});

describe("splitRelation", () => {
  it("reads the sides and operators of a top-level chain", () => {
    assert.deepEqual(splitRelation("|PQ|=3"), { sides: ["|PQ|", "3"], ops: ["="] });
    assert.deepEqual(splitRelation("0<g(x)<2"), { sides: ["0", "g(x)", "2"], ops: ["<", "<"] });
    assert.deepEqual(splitRelation("S_{ABC}:S=5:18"), { sides: ["S_{ABC}:S", "5:18"], ops: ["="] });
    assert.deepEqual(splitRelation("x \\geq 2"), { sides: ["x", "2"], ops: [">="] });
  });
  it("ignores relations inside brackets and \\neg-like commands", () => {
    assert.equal(splitRelation("f(x=1)"), undefined);
    assert.equal(splitRelation("\\neg p"), undefined);
  });
});
