import assert from "node:assert/strict";
import { test } from "node:test";
import { type AuditSample, auditGroup, sequenceConfidence } from "./labelAudit.js";

const o = { minConfidence: 0.8, minAgreement: 0.6, minConfident: 4 };
const s = (answer: string | null, correct: boolean, confidence: number): AuditSample => ({
  answer,
  correct,
  confidence,
});

test("flags a group whose confident majority disagrees with the gold (the π1 case: gold 12.8, ∛2048 ≈ 12.70)", () => {
  const group = [
    s("12.70", false, 0.95),
    s("12.70", false, 0.9),
    s("12.70", false, 0.85),
    s("12.8", true, 0.82),
    s("12.70", false, 0.9),
    s("13", false, 0.3), // not confident: ignored
    s(null, false, 0.99), // no answer: ignored
  ];
  // confident with an answer: 5; "12.70" holds 4 of them = 0.8 ≥ 0.6, and it is marked wrong
  assert.deepEqual(auditGroup(group, o), { answer: "12.70", agreement: 0.8, confident: 5 });
});

test("no flag when the majority is right, split, or too few are confident", () => {
  const right = [s("12.8", true, 0.9), s("12.8", true, 0.9), s("12.8", true, 0.9), s("12.7", false, 0.9)];
  assert.equal(auditGroup(right, o), null);
  // 2 of 4 = 0.5 < 0.6
  const split = [s("1", false, 0.9), s("1", false, 0.9), s("2", false, 0.9), s("3", false, 0.9)];
  assert.equal(auditGroup(split, o), null);
  // only 3 confident < minConfident 4
  const few = [s("1", false, 0.9), s("1", false, 0.9), s("1", false, 0.9), s("1", false, 0.1)];
  assert.equal(auditGroup(few, o), null);
});

test("sequenceConfidence is the geometric-mean token probability", () => {
  // exp((ln 0.5 + ln 0.125)/2) = exp(ln 0.0625 / 2) = 0.25
  assert.ok(Math.abs(sequenceConfidence([Math.log(0.5), Math.log(0.125)]) - 0.25) < 1e-12);
  assert.equal(sequenceConfidence([]), 0);
});
