import assert from "node:assert/strict";
import { test } from "node:test";
import { parseExpression } from "./arith.js";
import { getTask, taskNames } from "./registry.js";

test("registry: arith tasks by name; unknown names list the known ones", () => {
  assert.deepEqual(taskNames(), ["arith", "arith-ordinal", "arith-easy", "arith-hard"]);
  for (const name of taskNames()) assert.equal(getTask(name).name, name);
  const p = getTask("arith").problems("test", 3);
  assert.deepEqual(getTask("arith-ordinal").problems("test", 3), p, "same problems, different reward");
  const wrong = "<think>1+1=3</think>\\boxed{-99999}";
  assert.equal(getTask("arith").score(p[0], wrong, { truncated: false }).reward, 0);
  const ordinal = getTask("arith-ordinal").score(p[0], wrong, { truncated: false });
  assert.ok(ordinal.reward > 0 && ordinal.reward < 1 && !ordinal.correct);
  for (const q of getTask("arith-easy").problems("train", 20)) {
    assert.equal(parseExpression(q.meta!.expression as string).ops.length, 2);
  }
  assert.throws(() => getTask("gsm9k"), /unknown task "gsm9k"; known tasks: arith, arith-ordinal/);
  assert.throws(() => getTask("toString"), /unknown task/);
});
