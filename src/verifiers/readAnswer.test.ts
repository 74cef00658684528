import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { looksLikeProse, readAnswer } from "./readAnswer.js";

describe("readAnswer", () => {
  it("takes a bare answer as it is", () => {
    const r = readAnswer("\\frac{1}{2}");
    assert.equal(r.answer.latex, "\\frac{1}{2}");
    assert.equal(r.method, undefined);
  });
  it("keeps several different boxes as several answers, one box once", () => {
    const r = readAnswer("\\boxed{(1, 5)} \\quad \\text{and} \\quad \\boxed{(5, 1)}");
    assert.equal(r.boxes, 2);
    assert.deepEqual(
      r.answer.several?.map((a) => a.latex),
      ["(1, 5)", "(5, 1)"],
    );
    assert.equal(readAnswer("\\boxed{4}, \\boxed{ 4 }").answer.several, undefined);
    assert.equal(readAnswer("\\boxed{3} then \\boxed{5}", { severalBoxes: "use-last" }).answer.latex, "5");
  });
  it("reads answer phrases in other languages, and removes chat tokens", () => {
    assert.equal(readAnswer("Réponse : 15").answer.latex, "15");
    assert.equal(readAnswer("答案：12").answer.latex, "12");
    assert.equal(readAnswer("**Final Answer:** 250<|im_end|>").answer.latex, "250");
  });
  it("reads the committed option only when a choice is expected", () => {
    assert.equal(readAnswer("I'd go with C since A and B fail", { expectChoice: true }).answer.choice, "C");
    assert.equal(readAnswer("I'd go with C since A and B fail").answer.choice, undefined);
  });
  it("falls back to the last number of prose, and to the text when there is none", () => {
    assert.equal(readAnswer("I think it is 5 because 2 + 3 makes 5").answer.latex, "5");
    assert.equal(
      readAnswer("The midpoints form a regular hexagon").answer.text,
      "the midpoints form a regular hexagon",
    );
  });
  it("tells prose from an answer", () => {
    assert.equal(looksLikeProse("12 apples"), false);
    assert.equal(looksLikeProse("6 and 8"), false);
    assert.equal(looksLikeProse("I would pick D because it works"), true);
    assert.equal(looksLikeProse("所以 x = 4"), true);
  });
});
