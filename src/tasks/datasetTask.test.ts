import assert from "node:assert/strict";
import { test } from "node:test";
import { getTask } from "./registry.js";

test("the shipped benchmarks load with their gold conventions; test-only ones have no train split", () => {
  const gsm8k = getTask("gsm8k");
  assert.equal(gsm8k.problems("test").length, 1319);
  assert.equal(gsm8k.problems("train").length, 7473);
  const [first] = gsm8k.problems("test", 1);
  assert.match(first.question, /^Janet’s ducks lay 16 eggs per day/);
  assert.equal(first.gold, "18", "the number after ####");
  assert.equal(getTask("math").problems("train").length, 11998, "two rows with an empty answer left out");
  assert.equal(getTask("math").problems("test").length, 500, "MATH500 is math's test split");
  for (const [name, n] of [
    ["math500", 500],
    ["minerva", 272],
    ["olympiadbench", 675],
    ["aime24", 30],
    ["aime25", 30],
    ["amc23", 40],
  ] as const) {
    assert.equal(getTask(name).problems("test").length, n, name);
    assert.throws(
      () => getTask(name).problems("train"),
      new RegExp(`task ${name} has no train split \\(it has: test\\)`),
    );
  }
  assert.equal(getTask("amc23").problems("test", 1)[0].gold, "27", "27.0 → 27");
});

test("a benchmark task scores with the math verifier: the extracted final answer, truncation, the format bonus", async () => {
  const task = getTask("math500");
  const p = { id: "x", question: "?", gold: "\\frac{1}{2}" };
  const right = await task.score(p, "<think>half</think>The answer is \\boxed{0.5}.", { truncated: false });
  assert.equal(right.correct, true);
  assert.equal(right.reward, 1);
  const wrong = await task.score(p, "<think>x</think>\\boxed{2}", { truncated: false });
  assert.deepEqual([wrong.correct, wrong.reward], [false, 0]);
  const cut = await task.score(p, "<think>half</think>\\boxed{0.5}", { truncated: true });
  assert.deepEqual([cut.correct, cut.reward], [false, 0]);
  assert.match(cut.reason, /truncated/);
  const bonus = getTask({ name: "math500", options: { formatWeight: 0.1 } });
  assert.equal((await bonus.score(p, "<think>half</think>\\boxed{2}", { truncated: false })).reward, 0.1);
  assert.equal((await bonus.score(p, "<think>half</think>\\boxed{1/2}", { truncated: false })).reward, 1.1);
  assert.throws(
    () => getTask({ name: "gsm8k", options: { formatWeight: -1 } }),
    /task\.options\.formatWeight: expected a number >= 0/,
  );
  assert.throws(
    () => getTask({ name: "gsm8k", options: { mix: [] } }),
    /task\.options\.mix: unknown option of task gsm8k \(known: formatWeight\)/,
  );
});

test("one-shot-rlvr: the paper's π1 once (its file repeats it 128 times), MATH500 as the test split", async () => {
  const { loadTask } = await import("./registry.js");
  const task = await loadTask({ name: "one-shot-rlvr" });
  const train = task.problems("train");
  assert.equal(train.length, 1);
  assert.match(train[0].question, /pressure/);
  // the public label; the exact answer is ∛2048 ≈ 12.70 (what the label audit exists for)
  assert.equal(train[0].gold, "12.8");
  assert.equal(task.problems("test").length, 500);
  assert.equal((await task.score(train[0], "\\boxed{12.8}", { truncated: false })).correct, true);
  assert.equal((await task.score(train[0], "\\boxed{12.70}", { truncated: false })).correct, false);
  const pi2 = await loadTask({ name: "one-shot-rlvr", options: { example: "pi2" } });
  assert.deepEqual(
    pi2.problems("train").map((p) => p.gold),
    ["24"],
  );
  const notes: string[] = [];
  const dsr = await loadTask({ name: "one-shot-rlvr", options: { example: "dsr_sub" } }, { notes });
  assert.ok(dsr.problems("train").length > 1200);
  await assert.rejects(
    loadTask({ name: "one-shot-rlvr", options: { example: "pi9" } }),
    /task\.options\.example: expected one of pi1, pi2, pi13, dsr_sub, got "pi9"/,
  );
  assert.throws(() => getTask("one-shot-rlvr"), /open it with loadTask/);
});
