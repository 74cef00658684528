import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Command } from "commander";
import { ConfigError, parseConfig } from "../run/config.js";
import { createRunDirectory } from "../run/runDirectory.js";
import {
  addTrainOptions,
  flagsToOverrides,
  parseSetAssignment,
  resolveConfig,
  resolveTrainConfig,
} from "./trainOptions.js";

function parseFlags(args: string[]) {
  const cmd = addTrainOptions(new Command("train").exitOverride().configureOutput({ writeErr: () => {} }));
  cmd.parse(args, { from: "user" });
  return cmd.opts();
}

test("flags map to config fields", () => {
  const flags = parseFlags([
    "--algo",
    "mgrpo",
    "--task",
    "arith",
    "--model",
    "m",
    "--steps",
    "40",
    "--seed",
    "1",
    "--out",
    "A",
    "--checkpoint-every",
    "5",
    "--system",
    "Be brief.",
    "--prompt-preset",
    "one-shot-rlvr",
  ]);
  assert.deepEqual(flagsToOverrides(flags), {
    algo: "mgrpo",
    task: { name: "arith", prompt: { system: "Be brief.", preset: "one-shot-rlvr" } },
    model: "m",
    steps: 40,
    seed: 1,
    run: { out: "A", checkpointEvery: 5 },
  });
});

test("--set parses JSON values, falls back to strings, and named flags win", () => {
  assert.deepEqual(parseSetAssignment("loss.kl.coef=0"), { loss: { kl: { coef: 0 } } });
  assert.deepEqual(parseSetAssignment('mgrpo.guidePhrases=["a"]'), { mgrpo: { guidePhrases: ["a"] } });
  assert.deepEqual(parseSetAssignment("model=runs/x"), { model: "runs/x" });
  assert.throws(() => parseSetAssignment("nonsense"), ConfigError);
  const c = resolveConfig(parseFlags(["--set", "steps=3", "--set", "loss.clipHigh=0.28", "--steps", "7"]));
  assert.equal(c.steps, 7);
  assert.equal(c.loss.clipHigh, 0.28);
});

test("precedence: defaults < --config file < flags; errors name the file or the flag", () => {
  const dir = mkdtempSync(join(tmpdir(), "rlvr-flags-"));
  try {
    const file = join(dir, "c.json");
    writeFileSync(file, JSON.stringify({ steps: 10, seed: 4, optim: { lr: 0.5 } }));
    const c = resolveConfig(parseFlags(["--config", file, "--steps", "20"]));
    assert.equal(c.steps, 20);
    assert.equal(c.seed, 4);
    assert.equal(c.optim.lr, 0.5);
    assert.equal(c.run.out, "runs/grpo-arith-seed4");

    writeFileSync(file, JSON.stringify({ optim: { lrr: 1 } }));
    assert.throws(() => resolveConfig(parseFlags(["--config", file])), {
      message: new RegExp(`^${file}: optim\\.lrr: unknown field`),
    });
    assert.throws(() => resolveConfig(parseFlags(["--steps", "0"])), {
      message: "command line: --steps: must be >= 1, got 0",
    });
    assert.throws(() => parseFlags(["--steps", "x"]), /argument 'x' is invalid/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--resume uses the run's config; only steps and logging may change", () => {
  const dir = mkdtempSync(join(tmpdir(), "rlvr-resume-"));
  try {
    const out = join(dir, "A");
    createRunDirectory(out, parseConfig({ steps: 10, seed: 3, run: { out } }, "t")).close();
    const r = resolveTrainConfig(parseFlags(["--resume", out, "--steps", "20"]));
    assert.equal(r.resume, out);
    assert.equal(r.config.seed, 3);
    assert.equal(r.config.steps, 20);
    assert.throws(
      () => resolveTrainConfig(parseFlags(["--resume", out, "--seed", "4"])),
      /cannot resume .* different seed/,
    );
    assert.throws(
      () => resolveTrainConfig(parseFlags(["--resume", out, "--config", "x.json"])),
      /--config cannot be combined with --resume/,
    );
    assert.throws(
      () => resolveTrainConfig(parseFlags(["--resume", join(dir, "nope")])),
      /is not a run directory/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--lora-rank and --lora-alpha turn on LoRA (the other lora fields default); absent = full fine-tuning", () => {
  const c = resolveConfig(parseFlags(["--lora-rank", "16", "--lora-alpha", "8"]));
  assert.deepEqual(c.lora, {
    rank: 16,
    alpha: 8,
    dropout: 0,
    targetModules: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
  });
  assert.equal(resolveConfig(parseFlags([])).lora, undefined);
  assert.throws(() => resolveConfig(parseFlags(["--lora-rank", "0"])), /--lora-rank: must be >= 1, got 0/);
  assert.equal(resolveConfig(parseFlags(["--lora-rank", "4", "--lora-dropout", "0.05"])).lora?.dropout, 0.05);
  assert.throws(
    () => resolveConfig(parseFlags(["--lora-dropout", "1"])),
    /--lora-dropout: must be < 1, got 1/,
  );
});
