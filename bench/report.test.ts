import assert from "node:assert/strict";
import { test } from "node:test";
import { describeMachine, jsonReport } from "./report.js";

test("the machine names its cores, CPU model and Node version", () => {
  const m = describeMachine();
  assert.ok(m.cores >= 1);
  assert.ok(m.cpuModel.length > 0);
  assert.equal(m.node, process.version);
});

test("the JSON report puts the local figures at the top level and others under their names", () => {
  const machine = describeMachine();
  const report = jsonReport(machine, [
    {
      name: "local",
      status: "ok",
      figures: {
        train_step_ms: 400,
        sample_tokens_per_s: 5000,
        peak_rss_mb: 600,
        machine: { threads: 2, cpu: "x" },
      },
    },
    { name: "pytorch", status: "ok", figures: { train_step_ms: 520, torch_version: "1.13.1" } },
    { name: "verifier", status: "skipped", reason: "not here" },
  ]);
  assert.deepEqual(report, {
    machine,
    train_step_ms: 400,
    sample_tokens_per_s: 5000,
    peak_rss_mb: 600,
    threads: 2,
    pytorch: { train_step_ms: 520, torch_version: "1.13.1" },
  });
  const failed = jsonReport(machine, [
    { name: "local", status: "failed", reason: "bench/localEngine.ts does not exist yet" },
  ]);
  assert.deepEqual(failed, { machine, errors: { local: "bench/localEngine.ts does not exist yet" } });
});
