import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { answerAfterPhrase, cutAtSentenceEnd, leadingMath } from "./answerSpan.js";

describe("answerAfterPhrase", () => {
  it("stops at the chatter after the answer", () => {
    assert.equal(answerAfterPhrase(" 12 apples. Hope this helps, see step 3!"), "12 apples");
    assert.equal(answerAfterPhrase(" $x=3$ 😊 Feel free to ask 1 more!"), "$x=3$");
    assert.equal(answerAfterPhrase(" 11 (comprobamos: 11 - 4 = 7)."), "11");
    assert.equal(answerAfterPhrase(" 6, car 2 × 3 = 6."), "6");
    assert.equal(answerAfterPhrase(" 9，共用了 3 步。"), "9");
  });
  it("keeps several answers, a unit, a text answer", () => {
    assert.equal(answerAfterPhrase(" 3 and 4."), "3 and 4");
    assert.equal(answerAfterPhrase(" 2 \\text{ billion}"), "2 \\text{ billion}");
    assert.equal(answerAfterPhrase(" 42 Äpfel"), "42 Äpfel");
    assert.equal(answerAfterPhrase(" Evelyn."), "Evelyn");
  });
});

describe("leadingMath and cutAtSentenceEnd", () => {
  it("prose first is not math", () => {
    assert.equal(leadingMath("we need three more"), undefined);
    assert.equal(leadingMath("x = 4"), "x = 4");
  });
  it("a decimal point is not a sentence end", () => {
    assert.equal(cutAtSentenceEnd("3.5 is it"), "3.5 is it");
    assert.equal(cutAtSentenceEnd("5. I hope"), "5");
    assert.equal(cutAtSentenceEnd("7。检验"), "7");
  });
});
