// The CLI around rlvr serve: `rlvr serve` refuses a non-loopback address without a key and a bad port;
// `rlvr train --engine tinker` and `rlvr eval --engine tinker|openai` reach an in-test server and say what
// is missing when a flag is.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { DEFAULT_MODEL_DIR } from "../../run/models.js";
import { type RunningServer, startServer } from "../../serve/server.js";
import { cli } from "../testSupport.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-serve-cli-"));
let server: RunningServer;
before(async () => {
  server = await startServer({ modelDir: DEFAULT_MODEL_DIR, port: 0, checkpointDir: join(tmp, "server") });
});
after(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

test("serve: a non-loopback host needs --api-key; the port is checked", async () => {
  const open = await cli("serve", "--model", "default", "--host", "0.0.0.0", "--port", "0");
  assert.equal(open.code, 1);
  assert.match(open.err, /--host 0\.0\.0\.0 is reachable from other machines; give --api-key/);
  const port = await cli("serve", "--model", "default", "--port", "99999");
  assert.equal(port.code, 1);
  assert.match(port.err, /--port must be an integer from 0 to 65535/);
});

test("train --engine tinker trains on the server and records it; eval --checkpoint evaluates through it", async () => {
  const out = join(tmp, "run");
  const r = await cli(
    "train",
    "--engine",
    "tinker",
    "--base-url",
    server.url,
    "--base-model",
    "arith-warm-start",
    "--lora-rank",
    "8",
    "--steps",
    "1",
    "--out",
    out,
    "--set",
    "batch.promptsPerStep=1",
    "--set",
    "batch.groupSize=2",
    "--set",
    "sampling.maxTokens=16",
  );
  assert.equal(r.code, 0, r.err);
  const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
  assert.deepEqual(config.engine, {
    kind: "tinker",
    baseUrl: server.url,
    baseModel: "arith-warm-start",
  });
  assert.equal(config.lora.rank, 8, "--lora-rank is the lora section's, which the Tinker engine asks for");
  const e = await cli("eval", "--checkpoint", out, "--n", "2", "--max-tokens", "16", "--json");
  assert.equal(e.code, 0, e.err);
  assert.equal(JSON.parse(e.out).n, 2);
});

test("eval --engine openai and --engine tinker reach the server; missing flags are named", async () => {
  const o = await cli(
    "eval",
    "--engine",
    "openai",
    "--base-url",
    server.url,
    "--model",
    "arith-warm-start",
    "--n",
    "2",
    "--max-tokens",
    "16",
    "--json",
  );
  assert.equal(o.code, 0, o.err);
  assert.equal(JSON.parse(o.out).n, 2);
  const t = await cli(
    "eval",
    "--engine",
    "tinker",
    "--base-url",
    server.url,
    "--base-model",
    "arith-warm-start",
    "--model",
    "default",
    "--n",
    "2",
    "--max-tokens",
    "16",
    "--json",
  );
  assert.equal(t.code, 0, t.err);
  const noUrl = await cli("eval", "--engine", "openai", "--model", "x");
  assert.match(noUrl.err, /--engine openai needs --base-url URL/);
  const noBase = await cli("train", "--engine", "tinker", "--base-url", server.url, "--steps", "1");
  assert.equal(noBase.code, 1);
  assert.match(noBase.err, /engine\.baseModel/);
  const wrongModel = await cli(
    "eval",
    "--engine",
    "tinker",
    "--base-url",
    server.url,
    "--base-model",
    "nope",
    "--model",
    "default",
    "--n",
    "1",
  );
  assert.match(wrongModel.err, /engine\.baseModel "nope": the server at .* serves "arith-warm-start"/);
});
