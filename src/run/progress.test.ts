import assert from "node:assert/strict";
import { test } from "node:test";
import { estimateEta, formatDuration, formatProgress, ProgressReporter } from "./progress.js";

test("formatDuration", () => {
  assert.equal(formatDuration(0), "0s");
  assert.equal(formatDuration(44.6), "45s");
  assert.equal(formatDuration(185), "3m05s");
  assert.equal(formatDuration(3720), "1h02m");
  assert.equal(formatDuration(2 * 86400 + 3 * 3600), "2d03h");
  assert.equal(formatDuration(Number.NaN), "?");
});

test("formatProgress shows step/total, reward, accuracy, tokens/s and ETA", () => {
  assert.equal(
    formatProgress({
      label: "train",
      step: 12,
      total: 40,
      reward: 0.41234,
      accuracy: 0.385,
      tokensPerSecond: 812.4,
      etaSeconds: 65,
    }),
    "train 12/40 (30%)  reward 0.412  acc 38.5%  812 tok/s  ETA 1m05s",
  );
  assert.equal(formatProgress({ step: 3, total: 100, tokensPerSecond: 12.34 }), "  3/100 (3%)  12.3 tok/s");
  assert.equal(formatProgress({ step: 1, total: 2, reward: Number.NaN }), "1/2 (50%)  reward –");
});

test("formatProgress truncates to the terminal width", () => {
  const line = formatProgress(
    { label: "train", step: 12, total: 40, reward: 0.5, accuracy: 0.5, etaSeconds: 5 },
    20,
  );
  assert.equal(line.length, 19);
  assert.ok(line.endsWith("…"));
});

test("estimateEta uses the pace since start, not counting resumed steps", () => {
  assert.equal(estimateEta({ startStep: 10, startTimeMs: 0, step: 10, nowMs: 5000, total: 40 }), undefined);
  // 2 steps in 4 s → 2 s/step, 28 steps left.
  assert.equal(estimateEta({ startStep: 10, startTimeMs: 0, step: 12, nowMs: 4000, total: 40 }), 56);
  assert.equal(estimateEta({ startStep: 0, startTimeMs: 0, step: 40, nowMs: 4000, total: 40 }), 0);
});

function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, columns: 200, write: (t: string) => chunks.push(t) } };
}

test("on a TTY one line is rewritten in place; messages go above it", () => {
  const { chunks, stream } = fakeStream(true);
  let t = 0;
  const p = new ProgressReporter({ total: 4, label: "train", stream, now: () => t });
  t = 1000;
  p.update(1, { reward: 0.5 });
  p.log("checkpoint step-1");
  t = 2000;
  p.update(2, { reward: 0.25 });
  p.done("done");
  assert.deepEqual(chunks, [
    "\rtrain 1/4 (25%)  reward 0.500  ETA 3s\x1b[K",
    "\r\x1b[Kcheckpoint step-1\ntrain 1/4 (25%)  reward 0.500  ETA 3s",
    "\rtrain 2/4 (50%)  reward 0.250  ETA 2s\x1b[K",
    "\n",
    "done\n",
  ]);
});

test("otherwise plain lines, one per update", () => {
  const { chunks, stream } = fakeStream(false);
  const p = new ProgressReporter({ total: 2, stream, now: () => 0 });
  p.update(1, { accuracy: 1 });
  p.log("note");
  p.update(2);
  p.done();
  assert.deepEqual(chunks, ["1/2 (50%)  acc 100.0%  ETA 0s\n", "note\n", "2/2 (100%)  ETA 0s\n"]);
});
