import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { extractAnswer, stripReasoning } from "./extract.js";

function answerOf(solution: string, options?: Parameters<typeof extractAnswer>[1]) {
  const r = extractAnswer(solution, options);
  assert.ok(r.ok, `expected an answer from ${JSON.stringify(solution)}: ${JSON.stringify(r)}`);
  return r;
}

describe("extractAnswer: boxed", () => {
  it("takes the last box with nested braces", () => {
    const r = answerOf("First \\boxed{1}. Actually the answer is $\\boxed{\\frac{1}{2}}$.");
    assert.equal(r.answer, "\\frac{1}{2}");
    assert.equal(r.method, "boxed");
  });
  it("reads deeply nested braces", () => {
    assert.equal(
      answerOf("\\boxed{\\frac{\\sqrt{\\frac{a}{b}}}{{c}}}").answer,
      "\\frac{\\sqrt{\\frac{a}{b}}}{{c}}",
    );
  });
  it("reads \\fbox and spaced \\boxed {…}", () => {
    assert.equal(answerOf("so \\fbox{42}").answer, "42");
    assert.equal(answerOf("so \\boxed {7}").answer, "7");
  });
  it("reads \\boxed 5 (TeX single-token argument)", () => {
    assert.equal(answerOf("the result is \\boxed 5.").answer, "5");
  });
  it("ignores escaped braces when matching", () => {
    assert.equal(answerOf("\\boxed{\\{1,2\\}}").answer, "\\{1,2\\}");
  });
  it("flags several boxes with different values but uses the last", () => {
    const r = answerOf("\\boxed{3} or maybe \\boxed{4}");
    assert.equal(r.answer, "4");
    assert.deepEqual(r.ok && r.conflictingBoxes, ["3", "4"]);
  });
  it("does not flag repeated identical boxes", () => {
    const r = answerOf("\\boxed{3} so \\boxed{ 3 }");
    assert.equal(r.ok && r.conflictingBoxes, undefined);
  });
  it("rejects an unbalanced last box instead of falling back to an earlier one", () => {
    const r = extractAnswer("\\boxed{1} then \\boxed{\\frac{2}{3}");
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : "", /unbalanced/);
  });
  it("rejects braces nested beyond the limit", () => {
    const r = extractAnswer(`\\boxed{${"{".repeat(200)}1${"}".repeat(200)}}`);
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : "", /nested too deeply/);
  });
  it("rejects an empty box", () => {
    assert.equal(extractAnswer("\\boxed{}").ok, false);
  });
});

describe("extractAnswer: reasoning block", () => {
  it("ignores a box inside <think> only", () => {
    const r = extractAnswer("<think>it is \\boxed{5}</think> I am not sure.");
    assert.equal(r.ok, false);
  });
  it("extracts after the reasoning block", () => {
    assert.equal(answerOf("<think>maybe \\boxed{5}</think> The answer is \\boxed{6}").answer, "6");
  });
  it("gives nothing for an unclosed reasoning block", () => {
    const r = extractAnswer("<think>\\boxed{5} and then the model ran out of tokens");
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : "", /never closed/);
  });
  it("handles a close tag without an open tag (template put <think> in the prompt)", () => {
    assert.equal(answerOf("I think \\boxed{1} ... </think> so \\boxed{2}").answer, "2");
    assert.equal(extractAnswer("reasoning \\boxed{1} </think>").ok, false);
  });
  it("keeps the block when excludeThink is false", () => {
    assert.equal(answerOf("<think>\\boxed{5}</think>", { excludeThink: false }).answer, "5");
  });
  it("stripReasoning removes every block", () => {
    assert.equal(stripReasoning("a<think>x</think>b<THINK>y</THINK>c"), "abc");
  });
});

describe("extractAnswer: phrases and fallbacks", () => {
  it("reads 'the final answer is'", () => {
    const r = answerOf("Thus, the final answer is $\\frac{3}{4}$. I hope it is correct.");
    assert.equal(r.answer, "\\frac{3}{4}");
    assert.equal(r.method, "final-answer-phrase");
  });
  it("keeps a decimal point in 'the final answer is 3.5'", () => {
    assert.equal(answerOf("The final answer is 3.5").answer, "3.5");
  });
  it("reads 'Answer:' lines", () => {
    const r = answerOf("We compute.\nAnswer: 12 apples\n");
    assert.equal(r.answer, "12 apples");
    assert.equal(r.method, "answer-colon");
    assert.equal(answerOf("**Final Answer:** 7").answer, "7");
  });
  it("reads a multiple-choice letter in prose", () => {
    const r = answerOf("Comparing all options, the correct answer is (C) because …");
    assert.equal(r.answer, "C");
    assert.equal(r.method, "choice-letter");
  });
  it("falls back to the last LaTeX span", () => {
    const r = answerOf("so we get $x = 2$ and then $\\sqrt{2}$ is what remains");
    assert.equal(r.answer, "\\sqrt{2}");
    assert.equal(r.method, "latex-span");
  });
  it("falls back to the last number", () => {
    const r = answerOf("3 apples plus 4 apples make 1,234 apples");
    assert.equal(r.answer, "1,234");
    assert.equal(r.method, "last-number");
  });
  it("says why nothing was found", () => {
    const r = extractAnswer("I do not know.");
    assert.deepEqual(r, { ok: false, reason: "no answer found" });
  });
  it("honours a restricted method list", () => {
    assert.equal(extractAnswer("the answer is 5", { methods: ["boxed"] }).ok, false);
  });
  it("rejects an enormous answer", () => {
    assert.equal(extractAnswer(`\\boxed{${"9".repeat(5000)}}`).ok, false);
  });
});

describe("extractAnswer: other languages, chatter, choices", () => {
  it("reads answer phrases in other languages", () => {
    assert.equal(answerOf("Réponse : $x = \\frac{3}{2}$").answer, "x = \\frac{3}{2}");
    assert.equal(answerOf("所以答案为 7。检验：7 + 3 = 10").answer, "7");
    assert.equal(answerOf("Die Antwort ist 24.").answer, "24");
    assert.equal(answerOf("Ответ: 64").method, "answer-phrase");
  });
  it("reads a conclusion followed by math, when there is no answer phrase", () => {
    const r = answerOf("所以 x = 4，代入检验 2×4 = 8。");
    assert.equal(r.answer, "x = 4");
    assert.equal(r.method, "conclusion-phrase");
    // The clause goes on with prose: not a conclusion; the last number is taken instead.
    assert.equal(answerOf("Therefore x = 5 is impossible, so x = 3").method, "last-number");
  });
  it("stops at the chatter after 'Final Answer:' and drops chat-template tokens", () => {
    assert.equal(answerOf("Final Answer: 17\n\nHope this helps! Ask 2 more.").answer, "17");
    assert.equal(answerOf("Final Answer: 12 apples. Hope this helps, see step 3!").answer, "12 apples");
    assert.equal(answerOf("Final answer: 36\nHope this helps!<|eot_id|>").answer, "36");
  });
  it("reads the option a free-text answer commits to, when a choice is expected", () => {
    const r = answerOf("I'd go with C since A and B fail", { expectChoice: true });
    assert.equal(r.answer, "C");
    assert.equal(r.method, "choice-letter");
    assert.equal(answerOf("A and B fail, so the answer must be D.").answer, "D");
  });
});
