import assert from "node:assert/strict";
import { test } from "node:test";
import { COMPARED_METRICS, comparisonTable, figuresTable, formatTable, ratio } from "./table.js";

const [train, sampling, rss] = COMPARED_METRICS;

test("ratios read as ours vs PyTorch", () => {
  assert.equal(ratio(train, 250, 500), "2.00× faster");
  assert.equal(ratio(train, 1000, 500), "2.00× slower");
  assert.equal(ratio(sampling, 6000, 3000), "2.00× faster");
  assert.equal(ratio(sampling, 1500, 3000), "2.00× slower");
  assert.equal(ratio(rss, 400, 800), "0.50× PyTorch's");
  assert.equal(ratio(train, null, 500), "—");
});

test("the comparison table has a PyTorch column only when PyTorch was measured", () => {
  const local = { train_step_ms: 400, sample_tokens_per_s: 5000, peak_rss_mb: 600, machine: { threads: 2 } };
  const torch = {
    train_step_ms: 520,
    sample_tokens_per_s: 2700,
    peak_rss_mb: 900,
    torch_version: "1.13.1",
    threads: 1,
  };
  const both = comparisonTable(local, torch).split("\n");
  assert.equal(both.length, 4);
  assert.match(both[0], /rlvr local \(2 threads\)\s+PyTorch 1\.13\.1 \(1 thread\)\s+ours vs PyTorch/);
  assert.match(both[1], /^training step \(ms\)\s+400\s+520\s+1\.30× faster$/);
  assert.match(both[2], /5000\s+2700\s+1\.85× faster$/);
  const alone = comparisonTable(local, null);
  assert.doesNotMatch(alone, /PyTorch/);
  assert.match(comparisonTable(null, torch), /training step \(ms\)\s+—\s+520\s+—/);
});

test("tables align columns; other sections print every figure", () => {
  assert.equal(
    formatTable([
      ["a", "1"],
      ["long", "100"],
    ]),
    "a       1\nlong  100",
  );
  assert.equal(
    figuresTable({ per_s: 12345.6, frac: 0.001234, n: 3, name: "x", cases: [{ ms: 1 }] }),
    "per_s    12346\nfrac   0.00123\nn            3\nname         x",
  );
});
