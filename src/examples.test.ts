// The examples/ run as a user runs them: the custom-reward example trains through the library, and the
// same data and reward through the command line.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { cli } from "./cli/testSupport.js";
import { PACKAGE_ROOT } from "./run/models.js";
import { readJsonl } from "./run/runDirectory.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-examples-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const EXAMPLE = join(PACKAGE_ROOT, "examples", "custom-reward");

test("examples/custom-reward/train.ts trains with its own data and reward function through the library", () => {
  const out = join(tmp, "library");
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", join(EXAMPLE, "train.ts"), "--steps", "2", "--out", out],
    {
      cwd: PACKAGE_ROOT,
      encoding: "utf8",
    },
  );
  assert.equal(r.status, 0, r.stderr);
  const result = JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "");
  assert.equal(result.runDir, out);
  const metrics = readJsonl(join(out, "metrics.jsonl"));
  assert.equal(metrics.length, 2);
  // The example's reward gives 0.1 to a wrong boxed number: rewards other than 0 and 1 show it is in use.
  const samples = readJsonl(join(out, "samples.jsonl"));
  assert.ok(samples.some((s) => s.reward === 0.1 || s.reward === 1));
  assert.ok(samples.every((s) => [0, 0.1, 1].includes(s.reward as number)));
});

test("the same data and reward from the command line: --dataset, field names, --reward", async () => {
  const out = join(tmp, "cli");
  const r = await cli(
    ...["train", "--dataset", join(EXAMPLE, "problems.jsonl"), "--question-field", "prompt"],
    ...["--answer-field", "target", "--reward", join(EXAMPLE, "reward.mjs"), "--steps", "1", "--out", out],
    ...["--set", "batch.promptsPerStep=2", "--set", "batch.groupSize=4", "--set", "sampling.maxTokens=64"],
  );
  assert.equal(r.code, 0, r.err);
  const [config] = readJsonl(join(out, "metrics.jsonl"));
  assert.equal(config["rollout/samples"], 8);
  const samples = readJsonl(join(out, "samples.jsonl"));
  assert.ok(samples.every((s) => [0, 0.1, 1].includes(s.reward as number)));
  assert.ok(samples.every((s) => /^Compute \d\*\d[+-]\d+\.$/.test(s.question as string)));
});
