import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ALGOS } from "../core/choices.js";
import { taskNames } from "../tasks/registry.js";
import { defaultConfig } from "../run/config.js";
import { runCli } from "./main.js";

async function cli(...args: string[]) {
  let out = "";
  let err = "";
  const code = await runCli(["node", "rlvr", ...args], {
    writeOut: (t) => (out += t),
    writeErr: (t) => (err += t),
  });
  return { code, out, err };
}

test("--version prints package.json's version", async () => {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  const r = await cli("--version");
  assert.equal(r.code, 0);
  assert.equal(r.out.trim(), pkg.version);
});

test("--help lists the commands", async () => {
  const r = await cli("--help");
  assert.equal(r.code, 0);
  assert.match(r.out, /Usage: rlvr/);
  for (const command of ["train", "sft", "eval", "verify", "config", "logprobs"]) {
    assert.match(r.out, new RegExp(`\\n  ${command} `), `--help lists ${command}`);
  }
});

test("--help and train --help offer only what runs: the built algorithms and the registered tasks", async () => {
  const top = await cli("--help");
  for (const command of ["serve", "select-examples"])
    assert.match(top.out, new RegExp(`\\n  ${command} `), `--help lists ${command}`);
  const train = await cli("train", "--help");
  assert.equal(train.code, 0);
  const flat = train.out.replace(/\s+/g, " ");
  assert.match(flat, new RegExp(`choices: ${ALGOS.map((a) => `"${a}"`).join(", ")}\\)`));
  assert.match(flat, new RegExp(`--task <name> task \\(${taskNames().join(", ")}\\)`));
  assert.doesNotMatch(flat, /\bsft\b/i);
});

test("config --print prints the resolved config; flags override", async () => {
  const r = await cli("config", "--print");
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(JSON.parse(r.out), defaultConfig());
  const m = await cli("config", "--print", "--algo", "mgrpo", "--seed", "2", "--set", "loss.kl.coef=0");
  const c = JSON.parse(m.out);
  assert.equal(c.algo, "mgrpo");
  assert.equal(c.loss.kl.coef, 0);
  assert.equal(c.run.out, "runs/mgrpo-arith-seed2");
});

test("config --validate: ok, or `rlvr: file: field: message` and exit 1, no stack", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rlvr-cli-"));
  try {
    const good = join(dir, "good.json");
    writeFileSync(good, '{"algo": "grpo", "loss": {"kl": {"coef": 0}}}');
    assert.deepEqual(await cli("config", "--validate", good), { code: 0, out: `${good}: valid\n`, err: "" });
    const bad = join(dir, "bad.json");
    writeFileSync(bad, '{"loss": {"kl": {"coef": "x"}}, "optim": {"lrr": 1}}');
    const r = await cli("config", "--validate", bad);
    assert.equal(r.code, 1);
    assert.equal(
      r.err,
      `rlvr: ${bad}: loss.kl.coef: expected number, got "x"\nrlvr: ${bad}: optim.lrr: unknown field (did you mean "lr"?)\n`,
    );
    const broken = join(dir, "broken.json");
    writeFileSync(broken, '{\n  "steps": 3,,\n}');
    assert.equal(
      (await cli("config", "--validate", broken)).err,
      `rlvr: ${broken}:2:14: invalid JSON: unexpected ",", expected a quoted key\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("usage errors exit 1 with an rlvr: message", async () => {
  const r = await cli("config", "--print", "--steps", "0");
  assert.equal(r.code, 1);
  assert.equal(r.err, "rlvr: command line: --steps: must be >= 1, got 0\n");
  const u = await cli("nosuch");
  assert.equal(u.code, 1);
  assert.match(u.err, /^rlvr: unknown command 'nosuch'/);
  const o = await cli("config", "--bogus");
  assert.equal(o.code, 1);
  assert.match(o.err, /^rlvr: unknown option '--bogus'/);
  const both = await cli("eval", "--checkpoint", "runs/x", "--model", "default");
  assert.equal(both.code, 1);
  assert.match(both.err, /^rlvr: eval: give either --checkpoint .* or --model, not both/);
});
