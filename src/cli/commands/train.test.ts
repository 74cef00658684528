// Integration: a few GRPO steps on a tiny random model through the CLI, checking the run directory
// (metrics, samples, checkpoints), reproducibility under a seed, and resume after a checkpoint.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { cli, tinyModel as writeTinyModel } from "../testSupport.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-train-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const tinyModel = () => writeTinyModel(tmp);

const SMALL = [
  "--set",
  "batch.promptsPerStep=2",
  "--set",
  "batch.groupSize=3",
  "--set",
  "sampling.maxTokens=12",
  "--set",
  "run.samplesPerStep=2",
];

const metricsOf = (dir: string) => readFileSync(join(dir, "metrics.jsonl"), "utf8");

test("train: metrics and checkpoints are written; two runs with one seed agree; resume continues the same run", async () => {
  const model = await tinyModel();
  const a = join(tmp, "A");
  const trainInto = (out: string) =>
    cli(
      "train",
      "--model",
      model,
      "--steps",
      "3",
      "--seed",
      "1",
      "--checkpoint-every",
      "2",
      "--out",
      out,
      ...SMALL,
    );
  const r = await trainInto(a);
  assert.equal(r.code, 0, r.err);
  const lines = metricsOf(a)
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((l) => l.step),
    [1, 2, 3],
  );
  for (const l of lines) {
    for (const k of [
      "rollout/reward_mean",
      "rollout/accuracy",
      "rollout/zero_variance_share",
      "optim/kl",
      "optim/entropy",
      "optim/clip_frac",
      "optim/loss",
      "optim/lr",
    ]) {
      assert.ok(k in l, `metrics.jsonl lacks ${k}`);
    }
    const entropy = l["optim/entropy"];
    assert.ok(Number.isFinite(entropy) && entropy > 0, "entropy of a random model is positive");
  }
  assert.deepEqual(
    readdirSync(join(a, "checkpoints"))
      .filter((n) => n.startsWith("step-"))
      .sort(),
    ["step-2", "step-3"],
  );
  const samples = readFileSync(join(a, "samples.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.equal(samples.length, 6);
  assert.ok(samples.every((s) => typeof s.completion === "string" && typeof s.advantage === "number"));

  const b = join(tmp, "B");
  assert.equal((await trainInto(b)).code, 0);
  assert.equal(metricsOf(b), metricsOf(a), "same seed, same metrics.jsonl");

  // Simulate a kill after the step-2 checkpoint: drop step 3's checkpoint and metrics line, then resume.
  rmSync(join(b, "checkpoints", "step-3"), { recursive: true });
  writeFileSync(join(b, "metrics.jsonl"), metricsOf(b).split("\n").slice(0, 2).join("\n") + "\n");
  const resumed = await cli("train", "--resume", b, "--steps", "3");
  assert.equal(resumed.code, 0, resumed.err);
  assert.equal(metricsOf(b), metricsOf(a), "resumed run ends with the uninterrupted run's metrics");
});

test("train: a bad config field is rejected by name before anything is written", async () => {
  const r = await cli("train", "--out", join(tmp, "bad"), "--set", "loss.kl.coeff=1");
  assert.equal(r.code, 1);
  assert.match(r.err, /loss\.kl\.coeff/);
});

test("train: an algorithm that is not built (sft is a command, not an algorithm) is refused by name, nothing written", async () => {
  for (const algo of ["sft", "dpo"]) {
    const out = join(tmp, `refused-${algo}`);
    const r = await cli("train", "--algo", algo, "--out", out);
    assert.equal(r.code, 1);
    assert.match(
      r.err,
      new RegExp(`'${algo}' is invalid.*Allowed choices are grpo, mgrpo, star, star-rationalize, ppo`),
    );
    assert.equal(existsSync(out), false);
  }
});
