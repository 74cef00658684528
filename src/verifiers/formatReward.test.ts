import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkFormat, formatReward } from "./formatReward.js";

describe("checkFormat", () => {
  it("accepts one reasoning block and one boxed answer", () => {
    assert.equal(checkFormat("<think>2+2 is 4</think> The answer is \\boxed{4}.").wellFormed, true);
    assert.equal(formatReward("<think>x</think> The final answer is 4."), 0.1);
  });
  it("rejects a truncated completion whatever it contains", () => {
    const r = checkFormat("<think>x</think> \\boxed{4}", { stopReason: "length" });
    assert.equal(r.wellFormed, false);
    assert.match(r.reason, /truncated/);
  });
  it("rejects missing, unclosed, nested or reversed reasoning blocks", () => {
    for (const bad of [
      "\\boxed{4}",
      "<think>never closed \\boxed{4}",
      "<think>a<think>b</think></think> \\boxed{4}",
      "</think> x <think> \\boxed{4}",
      "<think>  </think> \\boxed{4}",
      "preamble <think>x</think> \\boxed{4}",
    ]) {
      assert.equal(checkFormat(bad).wellFormed, false, bad);
    }
  });
  it("rejects several or no final answers", () => {
    assert.equal(checkFormat("<think>x</think> \\boxed{3} or \\boxed{4}").wellFormed, false);
    assert.equal(checkFormat("<think>x</think> I think it is 4").wellFormed, false);
    assert.equal(checkFormat("<think>x</think> \\boxed{4").wellFormed, false);
  });
  it("can go without a reasoning block", () => {
    assert.equal(checkFormat("so \\boxed{4}", { requireReasoning: false }).wellFormed, true);
  });
});
