import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { scoreMathCompletion } from "./mathReward.js";
import { AnswerVerifier, verifyAnswerFast } from "./verify.js";

const BUDGET_MS = 1500;
const verifier = new AnswerVerifier({ timeoutMs: BUDGET_MS });
after(() => verifier.close());

describe("adversarial answers get a reason and no reward", () => {
  it("several boxes with different values", async () => {
    const r = await verifier.verifySolution("4", "It is \\boxed{3}. Or \\boxed{4}. Or \\boxed{5}.");
    assert.equal(r.equivalent, false);
    assert.match(r.reason, /several boxed answers/);
    const lastWins = await verifier.verifySolution("5", "\\boxed{3} then \\boxed{5}", {
      conflictingBoxes: "use-last",
    });
    assert.equal(lastWins.equivalent, true);
    const never = await verifier.verifySolution("3, 5", "\\boxed{3} and \\boxed{5}", {
      conflictingBoxes: "reject",
    });
    assert.equal(never.equivalent, false);
  });
  it("several boxes are the several answers of a problem", async () => {
    const r = await verifier.verifySolution(
      "(1,5), (5,1)",
      "So \\boxed{(1, 5)} \\quad \\text{and} \\quad \\boxed{(5, 1)}.",
    );
    assert.equal(r.equivalent, true, r.reason);
    const missing = await verifier.verifySolution("(1,5), (5,1)", "So \\boxed{(1, 5)}.");
    assert.equal(missing.equivalent, false);
  });
  it("a box inside the reasoning block only", async () => {
    const r = await verifier.verifySolution("5", "<think>the answer is \\boxed{5}</think> I am not sure.");
    assert.equal(r.equivalent, false);
    assert.match(r.reason, /no answer/);
  });
  it("a truncated solution (stop reason length)", async () => {
    const r = await verifier.verifySolution("5", "<think>ok</think> \\boxed{5}", { stopReason: "length" });
    assert.deepEqual(r, { equivalent: false, reason: "truncated (stop reason: length)" });
  });
  it("enormous numbers are compared exactly or time out within the budget", async () => {
    await verifier.warmUp(); // a cold start counts against the budget: leave it out of this test
    const cases: [string, string][] = [
      ["1", "100000!"],
      ["1", "(10^{10^{10}})!"],
      ["1", "9^{9^{9}}"],
      ["3", `3${"0".repeat(3000)}`],
      [`1${"0".repeat(1000)}`, `1${"0".repeat(999)}1`],
      ["1", "\\sqrt{\\sqrt{\\sqrt{\\sqrt{\\sqrt{\\sqrt{\\sqrt{\\sqrt{2^{1000000}}}}}}}}}"],
    ];
    for (const [gold, pred] of cases) {
      const started = performance.now();
      const r = await verifier.verifyAnswer(gold, pred);
      const elapsed = performance.now() - started;
      assert.equal(r.equivalent, false, pred.slice(0, 40));
      assert.ok(r.reason.length > 0);
      assert.ok(elapsed < BUDGET_MS + 1000, `${pred.slice(0, 40)} took ${elapsed} ms`);
    }
  });
  it("deeply nested braces", async () => {
    const deep = `\\boxed{${"{".repeat(500)}5${"}".repeat(500)}}`;
    const r = await verifier.verifySolution("5", deep);
    assert.equal(r.equivalent, false);
    assert.match(r.reason, /nested too deeply/);
    const frac = `${"\\frac{1}{".repeat(61)}2${"}".repeat(61)}`;
    const r2 = await verifier.verifyAnswer("2", frac);
    assert.equal(r2.equivalent, false);
  });
  it("unbalanced LaTeX", async () => {
    for (const pred of ["\\frac{1}{2", "\\sqrt{4", "\\left( 1, 2", "\\begin{pmatrix} 1 & 2", "}{"]) {
      const r = await verifier.verifyAnswer("\\frac{1}{2}", pred);
      assert.equal(r.equivalent, false, pred);
      assert.ok(r.reason.length > 0);
    }
    const boxed = await verifier.verifySolution("2", "so \\boxed{\\frac{4}{2}");
    assert.equal(boxed.equivalent, false);
    assert.match(boxed.reason, /unbalanced/);
  });
  it("answers that try to look like everything at once", async () => {
    for (const pred of [
      "1,2,3,4,5,6,7,8,9",
      "x",
      "\\text{any}",
      "\\infty",
      "NaN",
      "\\pm\\infty",
      "0/0",
      "\\frac{1}{0}",
      "",
      "   ",
    ]) {
      const r = await verifier.verifyAnswer("5", pred);
      assert.equal(r.equivalent, false, JSON.stringify(pred));
    }
  });
  it("never throws on non-string input", async () => {
    const r = await verifier.verifyAnswer("5", undefined as unknown as string);
    assert.equal(r.equivalent, false);
  });
});

describe("the time budget", () => {
  it("bounds the whole call, a cold start of the worker included", async () => {
    const cold = new AnswerVerifier({ timeoutMs: 300 });
    try {
      const started = performance.now();
      const r = await cold.verifyAnswer("1", "\\pi^{100000!}");
      const elapsed = performance.now() - started;
      assert.equal(r.reason, "timeout");
      assert.ok(elapsed < 300 + 400, `took ${elapsed} ms`); // 300 ms and timer slack on a busy machine
      // The worker that was starting was kept: once ready, the next call is decided in time.
      await cold.warmUp();
      const next = await cold.verifyAnswer("\\sqrt{2}/2", "\\frac{1}{\\sqrt2}");
      assert.equal(next.equivalent, true, next.reason);
    } finally {
      await cold.close();
    }
  });
  it("returns reason timeout and recovers for the next check", async () => {
    const slow = new AnswerVerifier({ timeoutMs: 300 });
    try {
      await slow.warmUp();
      // Not exact (π), so the algebra system computes it: seconds. The worker is terminated.
      const r = await slow.verifyAnswer("1", "\\pi^{100000!}");
      assert.equal(r.reason, "timeout");
      await slow.warmUp(); // the spare, started when the first worker was ready, takes over
      const next = await slow.verifyAnswer("\\sqrt{2}/2", "\\frac{1}{\\sqrt2}");
      assert.equal(next.equivalent, true);
    } finally {
      await slow.close();
    }
  });
  it("with two workers, an answer that hangs does not hold up the answers queued behind it", async () => {
    const pool = new AnswerVerifier({ timeoutMs: 1500, workers: 2 });
    try {
      await pool.warmUp();
      const done: string[] = [];
      const hang = pool.verifyAnswer("1", "\\pi^{100000!}").then((r) => done.push(`hang:${r.reason}`));
      const rest = ["\\sqrt{8}", "2\\sqrt{2}", "\\frac{4}{\\sqrt{2}}"].map((pred) =>
        pool.verifyAnswer("2\\sqrt2", pred).then((r) => done.push(`${pred}:${r.equivalent}`)),
      );
      await Promise.all([hang, ...rest]);
      // the three comparisons went to the free worker and finished while the first one was still running
      assert.deepEqual(done.slice(0, 3).sort(), [
        "2\\sqrt{2}:true",
        "\\frac{4}{\\sqrt{2}}:true",
        "\\sqrt{8}:true",
      ]);
      assert.equal(done[3], "hang:timeout");
    } finally {
      await pool.close();
    }
  });
});

describe("fast path", () => {
  it("decides plain numbers inline and leaves the rest to the worker", () => {
    assert.equal(verifyAnswerFast("1,000", "1000")?.equivalent, true);
    assert.equal(verifyAnswerFast("0.28", "28")?.equivalent, false);
    assert.equal(verifyAnswerFast("\\frac{1}{2}", "0.5")?.equivalent, true);
    assert.equal(verifyAnswerFast("\\sqrt{2}", "\\sqrt2/1"), undefined);
  });
});

describe("verifySolution and scoreMathCompletion", () => {
  it("extracts and says how", async () => {
    const r = await verifier.verifySolution(
      "\\frac{14}{3}",
      "so f = 2+\\frac{5}{3}+1=\\boxed{\\frac{14}{3}}",
    );
    assert.equal(r.equivalent, true);
    assert.match(r.reason, /extracted by boxed/);
  });
  it("prefers a final-answer statement written after the last box", async () => {
    const r = await verifier.verifySolution(
      "10455",
      "first \\boxed{200} then \\boxed{255}. Final Answer: The final answer is $10,455$. I hope it is correct.",
    );
    assert.equal(r.equivalent, true);
  });
  it("scores reward with a format bonus", async () => {
    const good = await scoreMathCompletion(verifier, "4", "<think>2+2</think> \\boxed{4}", {
      formatWeight: 0.1,
      requireReasoning: true,
    });
    assert.equal(good.reward, 1.1);
    const wrong = await scoreMathCompletion(verifier, "4", "<think>2+2</think> \\boxed{5}", {
      formatWeight: 0.1,
      requireReasoning: true,
    });
    assert.equal(wrong.reward, 0.1);
    const cut = await scoreMathCompletion(verifier, "4", "<think>2+2</think> \\boxed{4}", {
      formatWeight: 0.1,
      stopReason: "length",
    });
    assert.equal(cut.reward, 0);
  });
});

describe("exactness beyond the evaluation precision", () => {
  it("tells apart numbers that differ beyond 50 digits", async () => {
    assert.equal((await verifier.verifyAnswer("2^{100}", "2^{100}+1")).equivalent, false);
    assert.equal(
      (await verifier.verifyAnswer("2^{100}", "1267650600228229401496703205376")).equivalent,
      true,
    );
    assert.equal((await verifier.verifyAnswer("\\frac{1}{3^{80}}", "\\frac{1}{3^{80}+1}")).equivalent, false);
  });
});
