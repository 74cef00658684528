import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { agreement } from "./verifierAgreement.js";

describe("verifierAgreement", () => {
  it("counts agreements, false positives and false negatives per kind", () => {
    const pairs = [
      { gold: "1", pred: "1", label: true, kind: "a" },
      { gold: "1", pred: "2", label: false, kind: "a" },
      { gold: "1", pred: "1.0", label: true, kind: "b" },
      { gold: "(1,2)", pred: "\\{1,2\\}", label: false, kind: "b" },
    ];
    const verdicts = [
      { equivalent: true, reason: "equal" },
      { equivalent: false, reason: "different" },
      { equivalent: false, reason: "different" }, // a false negative
      { equivalent: true, reason: "equal" }, // a false positive
    ];
    const a = agreement(pairs, verdicts);
    // 2 of 4 agree; one of each error; kind a 2/2, kind b 0/2.
    assert.deepEqual(
      { pairs: a.pairs, agreeing: a.agreeing, fp: a.falsePositives, fn: a.falseNegatives },
      { pairs: 4, agreeing: 2, fp: 1, fn: 1 },
    );
    assert.deepEqual(a.byKind.a, { pairs: 2, agreeing: 2, falsePositives: 0, falseNegatives: 0 });
    assert.deepEqual(a.byKind.b, { pairs: 2, agreeing: 0, falsePositives: 1, falseNegatives: 1 });
    assert.equal(a.disagreements.length, 2);
  });
  it("refuses verdicts that do not line up with the pairs", () => {
    assert.throws(() => agreement([{ gold: "1", pred: "1", label: true }], []), /1 labelled pairs but 0/);
  });
});
