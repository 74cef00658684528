// Integration: `rlvr sft` trains a few steps into a loadable model directory, records its settings
// (corpus shares included) in warm_start.json, refuses to overwrite a model and rejects a bad share.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { WARM_START_DEFAULTS } from "../../run/warmStart.js";
import { cli } from "../testSupport.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-sft-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const SMALL = ["--steps", "2", "--batch-size", "4", "--corpus-size", "16", "--seed", "5"];

test("sft writes a model, its tokenizer and warm_start.json with the corpus shares", async () => {
  const out = join(tmp, "m");
  const r = await cli(
    "sft",
    "--out",
    out,
    ...SMALL,
    "--mistake-share",
    "0.5",
    "--confirmation-share",
    "0.75",
  );
  assert.equal(r.code, 0, r.err);
  for (const f of ["config.json", "model.safetensors", "tokenizer.json"])
    assert.ok(existsSync(join(out, f)), f);
  const info = JSON.parse(readFileSync(join(out, "warm_start.json"), "utf8"));
  assert.equal(info.steps, 2);
  assert.equal(info.mistakeShare, 0.5);
  assert.equal(info.confirmationShare, 0.75);
  assert.equal(info.correctionShare, WARM_START_DEFAULTS.correctionShare);
  assert.ok(Number.isFinite(info.finalLoss));
  const again = await cli("sft", "--out", out, ...SMALL);
  assert.equal(again.code, 1);
  assert.match(again.err, /already holds a model; pass --force/);
  const ev = await cli("eval", "--model", out, "--n", "2", "--max-tokens", "4", "--json");
  assert.equal(ev.code, 0, ev.err);
  assert.equal(JSON.parse(ev.out).n, 2);
});

test("sft rejects a share outside [0, 1] by its flag", async () => {
  const r = await cli("sft", "--out", join(tmp, "bad"), ...SMALL, "--mistake-share", "1.5");
  assert.equal(r.code, 1);
  assert.match(r.err, /--mistake-share must be a number in \[0, 1\], got 1\.5/);
});

test("sft refuses to overwrite a sharded model too", async () => {
  const dir = join(tmp, "sharded");
  mkdirSync(dir);
  writeFileSync(join(dir, "model.safetensors.index.json"), "{}");
  const r = await cli("sft", "--out", dir, ...SMALL);
  assert.equal(r.code, 1);
  assert.match(r.err, /already holds a model; pass --force/);
});
