import assert from "node:assert/strict";
import { test } from "node:test";
import {
  classifyCorrection,
  type Layer2Group,
  selectLayer2Group,
  summarizeLayer2Selection,
} from "./mgrpoSelection.js";

const close = (a: number | null, b: number, tol = 1e-12) =>
  assert.ok(a !== null && Math.abs(a - b) <= tol, `${a} ≠ ${b}`);

test("classification of the four (attempt, correction) cases", () => {
  assert.equal(classifyCorrection(false, true), "successful-correction");
  assert.equal(classifyCorrection(true, true), "successful-confirmation");
  assert.equal(classifyCorrection(false, false), "failed-correction");
  assert.equal(classifyCorrection(true, false), "failed-confirmation");
});

test("case 1: wrong attempt, some corrections right → kept", () => {
  assert.deepEqual(selectLayer2Group(false, [true, false, true]), {
    kept: true,
    attemptCorrect: false,
    outcomes_H: ["successful-correction", "failed-correction", "successful-correction"],
    numRight: 2,
  });
});

test("case 2: wrong attempt, every correction wrong → discarded (the paper's rule)", () => {
  const g = selectLayer2Group(false, [false, false]);
  assert.deepEqual(g, {
    kept: false,
    reason: "wrong-then-all-wrong",
    attemptCorrect: false,
    outcomes_H: ["failed-correction", "failed-correction"],
  });
  // the option does not rescue it
  assert.equal(selectLayer2Group(false, [false, false], { discardRightThenAllWrong: false }).kept, false);
});

test("case 3: right attempt, some corrections right → kept", () => {
  assert.deepEqual(selectLayer2Group(true, [true, false]), {
    kept: true,
    attemptCorrect: true,
    outcomes_H: ["successful-confirmation", "failed-confirmation"],
    numRight: 1,
  });
});

test("case 4: right attempt, every correction wrong → discarded by default, kept with the option off", () => {
  const g = selectLayer2Group(true, [false, false]);
  assert.equal(g.kept, false);
  assert.ok(!g.kept && g.reason === "right-then-all-wrong");
  assert.deepEqual(selectLayer2Group(true, [false, false], { discardRightThenAllWrong: false }), {
    kept: true,
    attemptCorrect: true,
    outcomes_H: ["failed-confirmation", "failed-confirmation"],
    numRight: 0,
  });
  assert.throws(() => selectLayer2Group(true, []), /at least one correction/);
});

test("summary counts and rates over a hand-built step", () => {
  const groups: Layer2Group[] = [
    selectLayer2Group(false, [true, false]), // 1 successful correction, 1 failed correction
    selectLayer2Group(false, [false, false]), // discarded; 2 failed corrections
    selectLayer2Group(true, [true, true]), // 2 successful confirmations
    selectLayer2Group(true, [false, false]), // discarded; 2 failed confirmations
  ];
  const s = summarizeLayer2Selection(groups);
  assert.equal(s.groups, 4);
  assert.equal(s.keptGroups, 2);
  assert.equal(s.discardedGroups, 2);
  assert.equal(s.discardedWrongThenAllWrong, 1);
  assert.equal(s.discardedRightThenAllWrong, 1);
  // 8 corrections: sc 1, sf 2, fc 3, ff 2
  assert.deepEqual(
    [
      s.corrections,
      s.successfulCorrections,
      s.successfulConfirmations,
      s.failedCorrections,
      s.failedConfirmations,
      s.failures,
    ],
    [8, 1, 2, 3, 2, 5],
  );
  // attempt acc over pairs = (2+2)/8 = 0.5; correction acc = (1+2)/8 = 0.375
  close(s.attemptAccuracy, 0.5);
  close(s.correctionAccuracy, 0.375);
  // i→c = 1/8 = 0.125; c→i = 2/8 = 0.25; 0.375 − 0.5 = −0.125 = 0.125 − 0.25
  close(s.i2cRate, 0.125);
  close(s.c2iRate, 0.25);
  close(s.correctionAccuracy! - s.attemptAccuracy!, s.i2cRate! - s.c2iRate!);
  // among wrong attempts' corrections: 1/4; among right attempts': 2/4
  close(s.correctionSuccessRate, 0.25);
  close(s.confirmationSuccessRate, 0.5);
  const empty = summarizeLayer2Selection([]);
  assert.equal(empty.i2cRate, null);
  assert.equal(empty.corrections, 0);
});
