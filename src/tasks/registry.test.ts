import assert from "node:assert/strict";
import { test } from "node:test";
import { parseExpression } from "./arith.js";
import { promptRenderer } from "./chatTemplate.js";
import { getTask, taskNames } from "./registry.js";

test("registry: arith tasks by name; unknown names list the known ones", async () => {
  assert.deepEqual(taskNames().slice(0, 4), ["arith", "arith-ordinal", "arith-easy", "arith-hard"]);
  assert.ok(taskNames().includes("gsm8k") && taskNames().includes("math500"));
  for (const name of taskNames().filter((n) => n !== "dataset" && n !== "one-shot-rlvr"))
    assert.equal(getTask(name).name, name);
  assert.throws(() => getTask("dataset"), /task dataset reads files: open it with loadTask/);
  const p = getTask("arith").problems("test", 3);
  assert.deepEqual(getTask("arith-ordinal").problems("test", 3), p, "same problems, different reward");
  const wrong = "<think>1+1=3</think>\\boxed{-99999}";
  assert.equal((await getTask("arith").score(p[0], wrong, { truncated: false })).reward, 0);
  const ordinal = await getTask("arith-ordinal").score(p[0], wrong, { truncated: false });
  assert.ok(ordinal.reward > 0 && ordinal.reward < 1 && !ordinal.correct);
  for (const q of getTask("arith-easy").problems("train", 20)) {
    assert.equal(parseExpression(q.meta!.expression as string).ops.length, 2);
  }
  assert.throws(() => getTask("gsm9k"), /unknown task "gsm9k"; known tasks: arith, arith-ordinal/);
  assert.throws(() => getTask("toString"), /unknown task/);
});

test("registry: the factory receives task.options and rejects what it does not know, naming the field", () => {
  const easy = getTask({ name: "arith", options: { mix: [{ level: 1, weight: 1 }] } });
  for (const q of easy.problems("train", 20)) {
    assert.equal(parseExpression(q.meta!.expression as string).ops.length, 2);
  }
  assert.throws(
    () => getTask({ name: "arith", options: { levels: [1] } }),
    /task\.options\.levels: unknown option of task arith \(known: mix\)/,
  );
  assert.throws(
    () => getTask({ name: "arith-easy", options: { mix: [] } }),
    /task\.options\.mix: unknown option of task arith-easy \(it takes none\)/,
  );
  assert.throws(
    () => getTask({ name: "arith", options: { mix: [{ level: 1 }] } }),
    /task\.options\.mix: expected a list/,
  );
  assert.throws(
    () => getTask({ name: "arith", options: { mix: [{ level: 9, weight: 1 }] } }),
    /mix\[0\]\.level 9 is not a level/,
  );
});

test("registry: task.prompt.suffix is appended to every question of both splits", () => {
  const plain = getTask("arith").problems("train", 3, 5);
  const suffixed = getTask({ name: "arith", prompt: { suffix: " Answer in \\boxed{}." } }).problems(
    "train",
    3,
    5,
  );
  assert.deepEqual(
    suffixed.map((p) => p.question),
    plain.map((p) => `${p.question} Answer in \\boxed{}.`),
  );
  assert.deepEqual(
    suffixed.map((p) => p.gold),
    plain.map((p) => p.gold),
  );
});

test("promptRenderer: the built-in template with and without a system turn", () => {
  const problem = { id: "x", question: "1+1?", gold: "2" };
  assert.equal(
    promptRenderer({ template: "chatml-think" })(problem),
    "<|im_start|>user\n1+1?<|im_end|>\n<|im_start|>assistant\n",
  );
  assert.equal(
    promptRenderer({ template: "chatml-think", system: "Be brief." })(problem),
    "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n1+1?<|im_end|>\n<|im_start|>assistant\n",
  );
});
