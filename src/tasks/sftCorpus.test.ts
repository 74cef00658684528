import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../core/rng.js";
import { CharTokenizer } from "../engine/tokenizer/charTokenizer.js";
import { createArithTask, evaluateExpression, parseExpression } from "./arith.js";
import { PAPER_GUIDE_PHRASES } from "./guidePhrases.js";
import { flawedSteps, generateSftCorpus } from "./sftCorpus.js";

const task = createArithTask();
const questionOf = (prompt: string) => /<\|im_start\|>user\n(Compute [^<]*\.)<\|im_end\|>/.exec(prompt)![1];
const problemOf = (prompt: string) => {
  const question = questionOf(prompt);
  const expression = question.slice("Compute ".length, -1);
  return { id: expression, question, gold: String(evaluateExpression(parseExpression(expression))) };
};

test("corpus is seeded and has the configured shares", () => {
  const a = generateSftCorpus({ count: 1000, seed: 4 });
  assert.deepEqual(generateSftCorpus({ count: 1000, seed: 4 }), a);
  assert.notDeepEqual(generateSftCorpus({ count: 1000, seed: 5 }), a);
  const n = (k: string) => a.filter((x) => x.kind === k).length;
  assert.equal(n("correction") + n("confirmation"), 120);
  assert.equal(n("confirmation"), 36);
  assert.equal(n("flawed-solution"), 200);
  assert.equal(n("solution"), 680);
  const none = generateSftCorpus({ count: 50, seed: 1, mistakeShare: 0, correctionShare: 0 });
  assert.ok(none.every((x) => x.kind === "solution"));
  assert.throws(
    () => generateSftCorpus({ count: 5, seed: 1, mistakeShare: 1.5 }),
    /mistakeShare must be in \[0, 1\]/,
  );
  assert.throws(() => generateSftCorpus({ count: 5, seed: 1, guidePhrases: [] }), /guidePhrases: .*empty/);
});

test("documents score as their kind says, and the char tokenizer encodes them", async () => {
  const tok = new CharTokenizer();
  const corpus = generateSftCorpus({ count: 600, seed: 2 });
  const renderings = new Set<string>();
  for (const { prompt, completion, kind } of corpus) {
    const problem = problemOf(prompt);
    const verdict = await task.score(problem, completion, { truncated: false });
    assert.equal(verdict.correct, kind !== "flawed-solution", `${kind}: ${prompt}${completion}`);
    assert.ok(completion.endsWith("<|im_end|>"));
    assert.equal(completion.indexOf("<|im_end|>"), completion.length - "<|im_end|>".length);
    tok.encode(prompt + completion);
    if (kind === "solution" || kind === "flawed-solution") {
      assert.ok(prompt.endsWith("<|im_start|>assistant\n") && completion.startsWith("<think>"));
      assert.ok(completion.length <= 80, completion);
    } else {
      assert.ok(PAPER_GUIDE_PHRASES.some((g) => prompt.includes(g)));
      const attemptEnd = prompt.endsWith("<|im_start|>assistant\n") ? "new-turn" : "continue-think";
      renderings.add(attemptEnd);
      // The attempt inside the query is wrong for a correction and right for a confirmation.
      const attemptAnswer = /\\boxed\{(-?\d+)\}/.exec(prompt)?.[1];
      const lastStep = /=(-?\d+)\n[^\n]*\n$/.exec(prompt)?.[1];
      const attemptValue = Number(attemptEnd === "new-turn" ? attemptAnswer : lastStep);
      assert.equal(attemptValue === Number(problem.gold), kind === "confirmation", prompt);
    }
  }
  assert.deepEqual([...renderings].sort(), ["continue-think", "new-turn"]);
});

test("a flawed solution carries its mistake forward to a wrong final value", () => {
  const rng = new Rng(9);
  for (const p of task.problems("train", 500, 3)) {
    const e = parseExpression(p.meta!.expression as string);
    const steps = flawedSteps(rng, e);
    assert.notEqual(steps[steps.length - 1].value, evaluateExpression(e), p.question);
    // Every step is arithmetic on the previous values except exactly one.
    const wrongLines = steps.filter((s) => {
      const v = s.op === "+" ? s.left + s.right : s.op === "-" ? s.left - s.right : s.left * s.right;
      return v !== s.value;
    });
    assert.equal(wrongLines.length, 1);
  }
});

test("single rendering option", () => {
  const c = generateSftCorpus({ count: 200, seed: 3, correctionRendering: "continue-think" });
  for (const x of c.filter((d) => d.kind === "correction" || d.kind === "confirmation")) {
    assert.ok(!x.prompt.endsWith("<|im_start|>assistant\n"));
    assert.ok(!x.completion.startsWith("<think>") && x.completion.includes("</think>\\boxed{"));
  }
});
