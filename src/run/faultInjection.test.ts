// Runs that never lose work, checked end to end on the `rlvr` command with a tiny model: a run killed
// with SIGKILL at several moments and resumed, or stopped with SIGTERM and resumed, ends with the same
// metrics.jsonl, samples.jsonl and weights as an uninterrupted run; a corrupted newest checkpoint is
// refused and the run resumes from the previous one; a second writer is refused; a failed start writes
// nothing; extending a finished run follows the documented rule.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { cli, tinyModel } from "../cli/testSupport.js";
import { readJsonl } from "./runDirectory.js";

// One thread everywhere (this process and its children), so that every run computes bit for bit alike.
process.env.RLVR_NUM_THREADS = "1";
const MAIN = fileURLToPath(new URL("../cli/main.ts", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "rlvr-faults-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

let model: string;
let reference: string;
const STEPS = 6;
const flags = (out: string, steps = STEPS) => [
  ...["train", "--model", model, "--steps", String(steps), "--seed", "5", "--checkpoint-every", "2"],
  ...["--out", out, "--set", "batch.promptsPerStep=2", "--set", "batch.groupSize=2"],
  ...["--set", "sampling.maxTokens=12", "--set", "run.samplesPerStep=2"],
];

/** `rlvr ARGS` as a child process. */
function spawnCli(args: string[]): {
  child: ChildProcess;
  done: Promise<{ code: number | null; err: string }>;
} {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  child.stderr?.on("data", (d) => {
    err += d;
  });
  const done = new Promise<{ code: number | null; err: string }>((resolve) =>
    child.on("exit", (code) => resolve({ code, err })),
  );
  return { child, done };
}

const lines = (path: string) => (existsSync(path) ? readJsonl(path).length : 0);

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!condition()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const weights = (run: string, step = STEPS) =>
  readFileSync(join(run, "checkpoints", `step-${step}`, "model.safetensors"));

/** The run in `run` ended exactly as the uninterrupted reference. */
function assertSameAsReference(run: string): void {
  for (const f of ["metrics.jsonl", "samples.jsonl"])
    assert.equal(readFileSync(join(run, f), "utf8"), readFileSync(join(reference, f), "utf8"), f);
  assert.ok(weights(run).equals(weights(reference)), "final weights");
  const timings = readJsonl(join(run, "timings.jsonl")).map((t) => t.step);
  assert.deepEqual(timings, [1, 2, 3, 4, 5, 6], "timings.jsonl: each step once");
}

before(async () => {
  model = await tinyModel(tmp);
  reference = join(tmp, "reference");
  const r = await cli(...flags(reference));
  assert.equal(r.code, 0, r.err);
});

for (const [killAfter, delayMs] of [
  [1, 0],
  [3, 40],
  [4, 120],
] as const) {
  test(`SIGKILL after ${killAfter} step(s) + ${delayMs} ms, then --resume: the run ends identical to an uninterrupted one`, async () => {
    const out = join(tmp, `kill-${killAfter}`);
    const { child, done } = spawnCli(flags(out));
    await until(() => lines(join(out, "metrics.jsonl")) >= killAfter, `${killAfter} metrics lines`);
    await new Promise((r) => setTimeout(r, delayMs));
    child.kill("SIGKILL");
    await done;
    const resumed = await cli("train", "--resume", out, "--steps", String(STEPS));
    assert.equal(resumed.code, 0, resumed.err);
    assertSameAsReference(out);
  });
}

test("SIGTERM: the step in progress finishes, its checkpoint is written, exit 0 with how to resume; resumed, identical", async () => {
  const out = join(tmp, "term");
  const { child, done } = spawnCli(flags(out));
  await until(() => lines(join(out, "metrics.jsonl")) >= 1, "a metrics line");
  child.kill("SIGTERM");
  const { code, err } = await done;
  assert.equal(code, 0, err);
  assert.match(err, /SIGTERM: finishing the current step/);
  assert.match(err, new RegExp(`continue with: rlvr train --resume ${out}`));
  const done_ = lines(join(out, "metrics.jsonl"));
  assert.ok(done_ < STEPS, "stopped early");
  assert.ok(
    existsSync(join(out, "checkpoints", `step-${done_}`, "manifest.json")),
    "checkpoint of the last step",
  );
  assert.ok(!existsSync(join(out, "lock.json")), "the lock is released");
  const resumed = await cli("train", "--resume", out);
  assert.equal(resumed.code, 0, resumed.err);
  assert.match(resumed.err, new RegExp(`resuming .* from step ${done_}`));
  assertSameAsReference(out);
});

test("a corrupted newest checkpoint (same size) is refused; the run resumes from the previous one and ends identical", async () => {
  const out = join(tmp, "corrupt");
  assert.equal((await cli(...flags(out))).code, 0);
  const file = join(out, "checkpoints", "step-6", "model.safetensors");
  const bytes = readFileSync(file);
  for (let i = 0; i < 16; i++) bytes[bytes.length - 100 + i] ^= 0xff;
  writeFileSync(file, bytes);
  const r = await cli("train", "--resume", out);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /checkpoint step-6 failed verification \(model\.safetensors does not match its sha256/);
  assert.match(r.err, /resuming from step-4/);
  assert.ok(
    readdirSync(join(out, "checkpoints")).some((n) => n.startsWith("step-6.invalid-")),
    "the bad checkpoint is kept aside, not deleted",
  );
  assertSameAsReference(out);
  // A truncated one is refused the same way; evaluation names the problem.
  writeFileSync(file, readFileSync(file).subarray(0, 100));
  const e = await cli("eval", "--checkpoint", out, "--n", "2", "--max-tokens", "4");
  assert.equal(e.code, 1);
  assert.match(e.err, /model\.safetensors has 100 bytes, the manifest says \d+; it cannot be used/);
});

test("a second writer is refused at once, naming the owner; a dead owner's lock is taken over", async () => {
  const out = join(tmp, "two-writers");
  const constant = ["--set", "optim.schedule=constant", "--set", "optim.warmupRatio=0"];
  const { child, done } = spawnCli([...flags(out, 200), ...constant]);
  await until(
    () => existsSync(join(out, "checkpoints", "step-2", "manifest.json")),
    "the first writer's checkpoint",
  );
  for (const args of [
    [...flags(out, 200), ...constant],
    ["train", "--resume", out],
  ]) {
    const second = await cli(...args);
    assert.equal(second.code, 1);
    assert.match(second.err, new RegExp(`${out} is in use by pid ${child.pid} on .* since`));
  }
  assert.equal(
    readdirSync(tmp).filter((n) => n.startsWith("two-writers.replaced")).length,
    0,
    "nothing moved aside",
  );
  child.kill("SIGKILL");
  await done;
  const newest = Math.max(
    ...readdirSync(join(out, "checkpoints"))
      .filter((n) => /^step-\d+$/.test(n))
      .map((n) => Number(n.slice(5))),
  );
  // Shortened to the steps done (allowed under a constant schedule): nothing left to train.
  const resumed = await cli("train", "--resume", out, "--steps", String(newest));
  assert.equal(resumed.code, 0, resumed.err);
  assert.match(resumed.err, new RegExp(`taking over the lock of pid ${child.pid} .*, which no longer runs`));
  assert.match(resumed.err, new RegExp(`already trained to step ${newest}: nothing to do`));
  assert.ok(!existsSync(join(out, "lock.json")));
});

test("a failed start writes nothing, so the corrected command runs", async () => {
  for (const [i, bad] of [
    ["--set", "task.name=bogus"],
    ["--model", join(tmp, "no-model")],
  ].entries()) {
    const out = join(tmp, `failed-start-${i}`);
    const r = await cli(...flags(out, 2), ...bad);
    assert.equal(r.code, 1);
    assert.ok(!existsSync(out), `${bad.join(" ")}: nothing written`);
    assert.equal((await cli(...flags(out, 2))).code, 0);
  }
});

test("--resume --steps on a finished run: fewer refused, more refused under a cosine schedule, allowed and recorded under a constant one", async () => {
  const cosine = join(tmp, "extend-cosine");
  assert.equal((await cli(...flags(cosine, 2))).code, 0);
  const config = readFileSync(join(cosine, "config.json"), "utf8");
  const fewer = await cli("train", "--resume", cosine, "--steps", "1");
  assert.equal(fewer.code, 1);
  assert.match(fewer.err, /already trained to step 2; --steps 1 would undo that/);
  const more = await cli("train", "--resume", cosine, "--steps", "4");
  assert.equal(more.code, 1);
  assert.match(more.err, /its learning rate follows a cosine schedule .* over 2 steps/);
  assert.equal(readFileSync(join(cosine, "config.json"), "utf8"), config, "config.json untouched");
  const again = await cli("train", "--resume", cosine);
  assert.equal(again.code, 0);
  assert.match(again.err, /already trained to step 2: nothing to do/);

  const constant = join(tmp, "extend-constant");
  const constantFlags = [
    ...flags(constant, 2),
    "--set",
    "optim.schedule=constant",
    "--set",
    "optim.warmupRatio=0",
  ];
  assert.equal((await cli(...constantFlags)).code, 0);
  const extended = await cli("train", "--resume", constant, "--steps", "4");
  assert.equal(extended.code, 0, extended.err);
  assert.match(extended.err, /steps 2 → 4 \(recorded in config_history\.jsonl\)/);
  assert.equal(lines(join(constant, "metrics.jsonl")), 4);
  const entries = readFileSync(join(constant, "config_history.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    entries.map((e) => [e.at_step, e.changes]),
    [[2, [{ field: "steps", from: 2, to: 4 }]]],
  );
});

test("rerunning a config into its run directory says where the previous run went", async () => {
  const out = join(tmp, "rerun");
  assert.equal((await cli(...flags(out, 2))).code, 0);
  const r = await cli(...flags(out, 2));
  assert.equal(r.code, 0);
  assert.match(r.err, new RegExp(`moved the previous run in ${out} with this config to ${out}\\.replaced-`));
});
