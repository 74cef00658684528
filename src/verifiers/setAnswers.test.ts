import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AnswerValue } from "./answerStructure.js";
import { parseAnswer } from "./parseAnswer.js";
import { sameSet } from "./realSet.js";
import { evaluateFiniteSets, toRealSet } from "./setAnswers.js";

const real = (latex: string) => toRealSet(parseAnswer(latex));

describe("setAnswers", () => {
  it("evaluates set algebra on intervals and numbers", () => {
    assert.ok(sameSet(real("[0,3] \\cap [2,6]")!, real("[2,3]")!));
    assert.ok(sameSet(real("\\mathbb{R} \\setminus \\{0\\}")!, real("(-\\infty,0)\\cup(0,\\infty)")!));
    assert.ok(sameSet(real("\\{4,5\\} \\cup \\{5,6\\}")!, real("\\{4,5,6\\}")!));
    assert.ok(!sameSet(real("(0,1) \\cup (1,2)")!, real("(0,2)")!));
    assert.ok(sameSet(real("x \\geq 3")!, real("[3, \\infty)")!));
  });
  it("compares irrational bounds within the value tolerance", () => {
    assert.ok(sameSet(real("[\\sqrt{2}, 2]")!, real("[2^{1/2}, 2]")!));
  });
  it("finite sets of anything by the element equality it is given", () => {
    const same = (a: AnswerValue, b: AnswerValue) => JSON.stringify(a) === JSON.stringify(b);
    const v = evaluateFiniteSets(parseAnswer("\\{(1,2)\\} \\cup \\{(3,4), (1,2)\\}"), same);
    assert.equal(v?.length, 2);
    assert.equal(toRealSet(parseAnswer("\\{(1,2)\\}")), undefined); // not a set of reals
  });
});
