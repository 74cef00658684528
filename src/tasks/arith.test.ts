import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../core/rng.js";
import {
  ARITH_LEVELS,
  ARITH_TEST_PERCENT,
  arithProblems,
  createArithTask,
  evaluateExpression,
  formatExpression,
  formatSolution,
  generateExpression,
  parseExpression,
  scoreArith,
  solveSteps,
  splitOfExpression,
} from "./arith.js";

const solve = (text: string) => formatSolution(solveSteps(parseExpression(text)));

test("worked solution: products first, then left to right, one line per intermediate result", () => {
  assert.deepEqual(solve("47*3-18+205"), {
    reasoning: "47*3=141\n141-18=123\n123+205=328",
    answer: "\\boxed{328}",
  });
  assert.deepEqual(solve("5+3*4*2-6*7").reasoning, "3*4=12\n12*2=24\n6*7=42\n5+24=29\n29-42=-13");
  assert.equal(evaluateExpression(parseExpression("10-2-3")), 5, "left-associative subtraction");
  assert.equal(evaluateExpression(parseExpression("2+3*4")), 14, "precedence");
  assert.throws(() => parseExpression("2 + 3"), /not an expression/);
});

test("generated expressions respect their level", () => {
  for (const level of Object.values(ARITH_LEVELS)) {
    const rng = new Rng(level.level);
    for (let i = 0; i < 300; i++) {
      const e = generateExpression(rng, level);
      assert.equal(e.ops.length, level.ops);
      const maxDigits = Math.max(level.digits[1], level.mulDigits[1]);
      for (const x of e.operands) assert.ok(x >= 1 && String(x).length <= maxDigits);
      e.ops.forEach((op, k) => {
        if (op === "*")
          for (const x of [e.operands[k], e.operands[k + 1]])
            assert.ok(String(x).length <= level.mulDigits[1]);
      });
      if (!level.allowNegative) assert.ok(solveSteps(e).every((s) => s.value >= 0));
      assert.equal(formatExpression(parseExpression(formatExpression(e))), formatExpression(e));
    }
  }
});

test("problems are seeded, distinct, prefix-stable, and gold is the value", () => {
  const a = arithProblems("train", 300, 7);
  assert.deepEqual(arithProblems("train", 300, 7), a);
  assert.deepEqual(arithProblems("train", 100, 7), a.slice(0, 100));
  assert.notDeepEqual(arithProblems("train", 300, 8), a);
  assert.equal(new Set(a.map((p) => p.id)).size, a.length);
  for (const p of a) {
    const expr = p.question.replace(/^Compute (.*)\.$/, "$1");
    assert.equal(p.gold, String(evaluateExpression(parseExpression(expr))));
    assert.ok(p.question.length <= 40);
  }
});

test("test split is fixed and disjoint from train (by the expression's hash)", () => {
  const testSet = arithProblems("test", 500);
  assert.deepEqual(arithProblems("test", 500, 12345), testSet, "the seed does not move the test list");
  const testExprs = new Set(testSet.map((p) => p.meta!.expression as string));
  for (const e of testExprs) assert.equal(splitOfExpression(e), "test");
  for (const seed of [0, 1, 2]) {
    for (const p of arithProblems("train", 3000, seed)) {
      assert.ok(!testExprs.has(p.meta!.expression as string), `${p.question} is in both splits`);
      assert.equal(splitOfExpression(p.meta!.expression as string), "train");
    }
  }
  // About ARITH_TEST_PERCENT of random expressions hash into the test split.
  const rng = new Rng(5);
  let inTest = 0;
  for (let i = 0; i < 5000; i++)
    if (splitOfExpression(formatExpression(generateExpression(rng, ARITH_LEVELS[2]))) === "test") inTest++;
  assert.ok(Math.abs(inTest / 5000 - ARITH_TEST_PERCENT / 100) < 0.02, `test share ${inTest / 5000}`);
});

test("default mix: 2–4 operations, worked solutions at most 80 characters", () => {
  const ops = new Set<number>();
  for (const p of arithProblems("train", 5000, 3)) {
    const e = parseExpression(p.meta!.expression as string);
    ops.add(e.ops.length);
    const s = formatSolution(solveSteps(e));
    assert.ok(s.reasoning.length + 1 + s.answer.length <= 80, p.question);
  }
  assert.deepEqual([...ops].sort(), [2, 3, 4]);
});

const problem = arithProblems("train", 1, 0)[0];
const hand = createArithTask().problems("train", 1, 0)[0];

test("binary reward: the boxed answer after the reasoning block", () => {
  assert.deepEqual(problem, hand);
  const p = { id: "x", question: "Compute 47*3-18+205.", gold: "328" };
  const good = "<think>47*3=141\n141-18=123\n123+205=328</think>\\boxed{328}<|im_end|>";
  assert.deepEqual(scoreArith(p, good, { truncated: false }), {
    reward: 1,
    correct: true,
    reason: "correct",
    ordinal: 1,
  });
  assert.equal(
    scoreArith(p, "47*3=141\n141-18=123\n123+205=328\n\\boxed{328}", { truncated: false }).reward,
    1,
  );
  assert.equal(scoreArith(p, good, { truncated: true }).reward, 0);
  assert.equal(scoreArith(p, good, { truncated: true }).correct, false);
  const wrong = scoreArith(p, "<think>47*3=141\n141-18=123\n123+205=329</think>\\boxed{329}", {
    truncated: false,
  });
  assert.equal(wrong.reward, 0);
  assert.match(wrong.reason, /wrong: 329/);
  assert.equal(scoreArith(p, "<think>\\boxed{328}", { truncated: false }).reward, 0, "unclosed reasoning");
  assert.equal(scoreArith(p, "<think>x</think>328", { truncated: false }).reward, 0, "must be boxed");
  assert.equal(scoreArith(p, "</think>\\boxed{3a}", { truncated: false }).reward, 0);
});

test("ordinal reward: in [0, 1), partial credit for steps in order and closeness; 1 when correct", () => {
  const p = { id: "x", question: "Compute 47*3-18+205.", gold: "328" };
  const score = (c: string, truncated = false) => scoreArith(p, c, { truncated }, "ordinal");
  assert.equal(score("<think>47*3=141\n141-18=123\n123+205=328</think>\\boxed{328}").reward, 1);
  const oneSlip = score("<think>47*3=141\n141-18=124\n124+205=329</think>\\boxed{329}");
  // 1 of 3 gold steps produced in order; answer off by 1 of 328.
  assert.ok(Math.abs(oneSlip.reward - (0.6 * (1 / 3) + 0.3 / (1 + 1 / 328))) < 1e-12);
  const twoRight = score("<think>47*3=141\n141-18=123\n123+205=338</think>\\boxed{338}");
  assert.ok(twoRight.reward > oneSlip.reward);
  const farOff = score("<think>47*3=141\n141-18=123\n123+205=3280</think>\\boxed{3280}");
  assert.ok(farOff.reward < twoRight.reward);
  const allStepsWrongBox = score("<think>47*3=141\n141-18=123\n123+205=328</think>\\boxed{327}");
  assert.ok(allStepsWrongBox.reward < 1 && allStepsWrongBox.reward > 0.85);
  assert.equal(score("<think>47*3=141\n141-18=123\n123+205=328</think>\\boxed{328}", true).reward, 0);
  assert.equal(score("nothing").reward, 0);
  const outOfOrder = score("<think>123+205=328\n141-18=123\n47*3=141</think>\\boxed{1}");
  assert.ok(outOfOrder.reward < 0.6 * (2 / 3), "order matters");
  for (const r of [oneSlip, twoRight, farOff, allStepsWrongBox, outOfOrder]) {
    assert.equal(r.correct, false);
    assert.ok(r.reward >= 0 && r.reward < 1);
  }
  // Binary reward carries the ordinal value alongside.
  assert.equal(scoreArith(p, "<think>47*3=141</think>\\boxed{329}", { truncated: false }).ordinal! > 0, true);
});

test("createArithTask: names, mix validation, default counts", () => {
  assert.equal(createArithTask().name, "arith");
  assert.equal(createArithTask({ reward: "ordinal" }).name, "arith-ordinal");
  assert.throws(
    () => createArithTask({ mix: [{ level: 9, weight: 1 }] }),
    /mix\[0\]\.level 9 is not a level/,
  );
  assert.throws(() => createArithTask({ mix: [] }), /empty/);
  const task = createArithTask({ mix: [{ level: 1, weight: 1 }], defaultCounts: { train: 20, test: 10 } });
  assert.equal(task.problems("train").length, 20);
  assert.equal(task.problems("test").length, 10);
  for (const p of task.problems("train"))
    assert.equal(parseExpression(p.meta!.expression as string).ops.length, 2);
});
