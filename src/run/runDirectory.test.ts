import assert from "node:assert/strict";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import { type Config, loadConfigFile, parseConfig } from "./config.js";
import {
  checkResumeConfig,
  configDifferences,
  createRunDirectory,
  openRunForResume,
  RunDirectoryError,
  readJsonl,
  readRunConfig,
  resolveCheckpoint,
} from "./runDirectory.js";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "rlvr-run-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const cfg = (over: object = {}): Config => parseConfig({ steps: 20, seed: 1, ...over }, "test");

/** Simulates a run: metrics + samples per step, checkpoints every `every` steps. */
async function simulate(out: string, config: Config, from: number, to: number, every: number) {
  const run = from === 1 ? createRunDirectory(out, config) : openRunForResume(out).run;
  for (let step = from; step <= to; step++) {
    run.appendMetrics({ step, reward: step / 10 });
    run.appendSamples([
      { step, text: `a${step}` },
      { step, text: `b${step}` },
    ]);
    if (step % every === 0) {
      await run.saveCheckpoint({ step, rng: [1, 2, 3, step], cursor: step * 4 }, (dir) => {
        writeFileSync(join(dir, "weights.bin"), `w${step}`);
      });
    }
  }
  run.close();
  return run;
}

test("a new run writes config.json with versions and empty JSONL files", () => {
  const out = join(root, "A");
  const config = cfg();
  const run = createRunDirectory(out, config);
  const stored = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
  assert.equal(stored.versions.rlvr, "0.1.0");
  assert.equal(stored.versions.node, process.version);
  assert.equal(typeof stored.versions.onnxruntime, "string");
  assert.equal(stored.seed, 1);
  assert.equal(readFileSync(join(out, "metrics.jsonl"), "utf8"), "");
  assert.equal(readFileSync(join(out, "samples.jsonl"), "utf8"), "");
  // The stored config is a valid config file itself and resolves to the same config.
  assert.deepEqual(configDifferences(loadConfigFile(join(out, "config.json")), config), []);
  assert.equal(run.previousRun, undefined);
});

test("metrics append one line per step, steps must increase", () => {
  const run = createRunDirectory(join(root, "A"), cfg());
  run.appendMetrics({ step: 1, reward: 0.5 });
  run.appendMetrics({ step: 2, reward: 0.75, nan: Number.NaN });
  assert.throws(() => run.appendMetrics({ step: 2 }), /metrics step 2 after step 2/);
  run.close();
  assert.deepEqual(readJsonl(run.metricsPath), [
    { step: 1, reward: 0.5 },
    { step: 2, reward: 0.75, nan: null },
  ]);
});

test("a checkpoint holds what the caller wrote plus trainer_state.json; latest.json points at it", async () => {
  const out = join(root, "A");
  await simulate(out, cfg(), 1, 10, 5);
  const ck = join(out, "checkpoints");
  assert.deepEqual(readdirSync(ck).sort(), ["latest.json", "step-10", "step-5"]);
  assert.deepEqual(readdirSync(join(ck, "step-10")).sort(), [
    "manifest.json",
    "trainer_state.json",
    "weights.bin",
  ]);
  assert.deepEqual(JSON.parse(readFileSync(join(ck, "latest.json"), "utf8")), { step: 10, path: "step-10" });
  assert.deepEqual(JSON.parse(readFileSync(join(ck, "step-10", "trainer_state.json"), "utf8")), {
    step: 10,
    rng: [1, 2, 3, 10],
    cursor: 40,
  });
});

test("resolveCheckpoint: a run directory gives its newest checkpoint, checkpoints/step-N that one", async () => {
  const out = join(root, "A");
  await simulate(out, cfg(), 1, 10, 5);
  assert.deepEqual(resolveCheckpoint(out), {
    runDir: out,
    checkpoint: { step: 10, path: join(out, "checkpoints", "step-10") },
  });
  assert.deepEqual(resolveCheckpoint(join(out, "checkpoints", "step-5")), {
    runDir: out,
    checkpoint: { step: 5, path: join(out, "checkpoints", "step-5") },
  });
  assert.throws(
    () => resolveCheckpoint(join(out, "checkpoints", "step-7")),
    /step-7: not a complete checkpoint/,
  );
  assert.throws(() => resolveCheckpoint(join(root, "nothing")), /no complete checkpoint/);
});

test("resume after a kill past the checkpoint cuts metrics and samples back to it, then continues", async () => {
  const out = join(root, "A");
  // Killed after writing step 12's metrics; last checkpoint is step 10.
  await simulate(out, cfg(), 1, 12, 5);
  // A torn line from a kill mid-append.
  writeFileSync(
    join(out, "metrics.jsonl"),
    `${readFileSync(join(out, "metrics.jsonl"), "utf8")}{"step": 13, "rew`,
  );
  const resumed = openRunForResume(out);
  assert.equal(resumed.checkpoint?.step, 10);
  assert.equal(resumed.checkpoint?.path, join(out, "checkpoints", "step-10"));
  assert.deepEqual(resumed.trainerState, { step: 10, rng: [1, 2, 3, 10], cursor: 40 });
  assert.equal(resumed.config.seed, 1);
  const steps = readJsonl(join(out, "metrics.jsonl")).map((r) => r.step);
  assert.deepEqual(steps, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(readJsonl(join(out, "samples.jsonl")).at(-1)?.step, 10);
  assert.throws(() => resumed.run.appendMetrics({ step: 10 }), /after step 10/);
  for (let step = 11; step <= 20; step++) resumed.run.appendMetrics({ step, reward: step / 10 });
  resumed.run.close();

  // Identical to an uninterrupted run.
  const ref = join(root, "B");
  await simulate(ref, cfg(), 1, 20, 5);
  assert.equal(
    readFileSync(join(out, "metrics.jsonl"), "utf8"),
    readFileSync(join(ref, "metrics.jsonl"), "utf8"),
  );
});

test("resume uses the newest complete checkpoint even if latest.json lags, and ignores temporaries", async () => {
  const out = join(root, "A");
  await simulate(out, cfg(), 1, 10, 5);
  const ck = join(out, "checkpoints");
  writeFileSync(join(ck, "latest.json"), '{"step": 5, "path": "step-5"}');
  mkdirSync(join(ck, ".step-15.0123456789ab.tmp")); // a kill while writing step 15
  mkdirSync(join(ck, "step-20")); // incomplete (no trainer_state.json): not a checkpoint
  const r = openRunForResume(out);
  assert.equal(r.checkpoint?.step, 10);
  assert.ok(!existsSync(join(ck, ".step-15.0123456789ab.tmp")));
  assert.deepEqual(JSON.parse(readFileSync(join(ck, "latest.json"), "utf8")), { step: 10, path: "step-10" });
});

test("resume without any checkpoint starts over with empty metrics", async () => {
  const out = join(root, "A");
  await simulate(out, cfg(), 1, 3, 100);
  const r = openRunForResume(out);
  assert.equal(r.checkpoint, null);
  assert.equal(r.trainerState, null);
  assert.deepEqual(readJsonl(join(out, "metrics.jsonl")), []);
  r.run.appendMetrics({ step: 1 });
  r.run.close();
});

test("keepCheckpoints keeps the last K", async () => {
  const out = join(root, "A");
  await simulate(out, cfg({ run: { keepCheckpoints: 2 } }), 1, 20, 4);
  assert.deepEqual(readdirSync(join(out, "checkpoints")).sort(), ["latest.json", "step-16", "step-20"]);
});

test("an existing run with a different config is refused; the same config is replaced", async () => {
  const out = join(root, "A");
  await simulate(out, cfg(), 1, 5, 5);
  assert.throws(
    () => createRunDirectory(out, cfg({ seed: 2, loss: { kl: { coef: 0 } } })),
    (err: Error) =>
      err instanceof RunDirectoryError &&
      err.message.includes(out) &&
      err.message.includes("seed, loss.kl.coef") &&
      err.message.includes("--resume") &&
      err.message.includes("another --out"),
  );
  assert.equal(readJsonl(join(out, "metrics.jsonl")).length, 5, "nothing touched");
  const again = createRunDirectory(out, cfg());
  assert.deepEqual(readJsonl(join(out, "metrics.jsonl")), []);
  assert.ok(!existsSync(join(out, "checkpoints")));
  const aside = readdirSync(root).filter((n) => n.startsWith("A.replaced-"));
  assert.equal(aside.length, 1, "the previous run is moved aside, not deleted");
  assert.equal(again.previousRun, join(root, aside[0]), "and the caller is told where");
  assert.equal(readJsonl(join(root, aside[0], "metrics.jsonl")).length, 5);
  const forced = createRunDirectory(out, cfg({ seed: 9 }), { overwrite: true });
  assert.equal(readRunConfig(out).seed, 9);
  forced.close();
});

test("an unwritable output directory fails before anything is written, naming the path", () => {
  const file = join(root, "file");
  writeFileSync(file, "x");
  assert.throws(
    () => createRunDirectory(join(file, "run"), cfg()),
    (err: Error) => {
      return (
        err instanceof RunDirectoryError &&
        err.message.startsWith(`cannot write to run directory ${join(file, "run")}`)
      );
    },
  );
  assert.throws(
    () => createRunDirectory(file, cfg()),
    /cannot write to run directory .*file: exists and is not a directory/,
  );
  if (process.getuid?.() !== 0) {
    const ro = join(root, "ro");
    mkdirSync(ro);
    chmodSync(ro, 0o500);
    try {
      assert.throws(
        () => createRunDirectory(join(ro, "run"), cfg()),
        /cannot write to run directory .*permission denied/,
      );
      assert.throws(() => createRunDirectory(ro, cfg()), /cannot write to run directory .*permission denied/);
    } finally {
      chmodSync(ro, 0o700);
    }
  }
});

test("resume may extend steps (a constant schedule) but not change what the run computes", async () => {
  const out = join(root, "A");
  await simulate(out, cfg({ optim: { schedule: "constant", warmupRatio: 0 } }), 1, 5, 5);
  const stored = readRunConfig(out);
  assert.doesNotThrow(() => checkResumeConfig(out, stored, { ...stored, steps: 40 }));
  assert.throws(
    () => checkResumeConfig(out, stored, { ...stored, optim: { ...stored.optim, lr: 1 } }),
    /cannot resume .* different optim\.lr/,
  );
  const r = openRunForResume(out, { config: { ...stored, steps: 40 } });
  assert.equal(r.config.steps, 40);
  assert.equal(readRunConfig(out).steps, 40);
  assert.deepEqual(JSON.parse(readFileSync(join(out, "config_history.jsonl"), "utf8")).changes, [
    { field: "steps", from: stored.steps, to: 40 },
  ]);
  r.run.close();
});

test("writeEval writes eval/<name>.json atomically and rejects path-like names", () => {
  const run = createRunDirectory(join(root, "A"), cfg());
  const path = run.writeEval("step-10", { n: 3, accuracy: 0.5 });
  assert.deepEqual(JSON.parse(readFileSync(path, "utf8")), { n: 3, accuracy: 0.5 });
  assert.throws(() => run.writeEval("../x", {}), /eval name/);
});

test("openRunForResume on a directory that is not a run says so", () => {
  assert.throws(() => openRunForResume(root), /is not a run directory \(no config\.json\)/);
});

test("a full disk is reported with the path of the file that could not be written", () => {
  if (!existsSync("/dev/full")) return; // Linux only: every write to /dev/full fails with ENOSPC
  const out = join(root, "full");
  const run = createRunDirectory(out, cfg());
  rmSync(join(out, "metrics.jsonl"));
  symlinkSync("/dev/full", join(out, "metrics.jsonl"));
  assert.throws(
    () => run.appendMetrics({ step: 1, "rollout/accuracy": 0.5 }),
    (err: Error) =>
      err instanceof RunDirectoryError &&
      err.message === `cannot append to ${join(out, "metrics.jsonl")}: no space left on device`,
  );
  run.close();
});

test("resume cuts examples.jsonl and label_audit.jsonl back to the checkpoint like metrics", async () => {
  const out = join(root, "hist");
  const run = createRunDirectory(out, cfg());
  for (let step = 1; step <= 5; step++) {
    run.appendMetrics({ step });
    run.appendExampleHistory([{ step, id: "a", accuracy: step / 10 } as { step: number }]);
    run.appendLabelFlags(step % 2 ? [{ step, id: "a" } as { step: number }] : []);
    if (step === 3) await run.saveCheckpoint({ step });
  }
  run.close();
  openRunForResume(out).run.close();
  assert.deepEqual(
    readJsonl(join(out, "examples.jsonl")).map((r) => r.step),
    [1, 2, 3],
  );
  assert.deepEqual(
    readJsonl(join(out, "label_audit.jsonl")).map((r) => r.step),
    [1, 3],
  );
});
