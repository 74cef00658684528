import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { cli, tinyModel } from "../cli/testSupport.js";
import { readGenerationConfig } from "../engine/generationConfig.js";
import { LocalEngine } from "../engine/local/localEngine.js";
import { locateTensors } from "../engine/local/shardedSafetensors.js";
import { checkpointProblem } from "./checkpointManifest.js";
import { parseConfig } from "./config.js";
import { DEFAULT_MODEL_DIR, resolveModelDir } from "./models.js";
import { openSession } from "./session.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-models-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

test("a model directory has config.json, tokenizer.json and model.safetensors or a shard index", () => {
  assert.equal(resolveModelDir("default"), DEFAULT_MODEL_DIR);
  for (const f of ["config.json", "tokenizer.json"]) copyFileSync(join(DEFAULT_MODEL_DIR, f), join(tmp, f));
  assert.throws(
    () => resolveModelDir(tmp),
    /model\.safetensors or model\.safetensors\.index\.json not found/,
  );
  writeFileSync(join(tmp, "model.safetensors.index.json"), "{}");
  assert.equal(resolveModelDir(tmp), tmp);
  rmSync(join(tmp, "tokenizer.json"));
  assert.throws(() => resolveModelDir(tmp), /tokenizer\.json or vocab\.json not found/);
});

test("eval and train open a model whose weights are sharded; engine.saveDtype and maxShardBytes make a run's checkpoints bfloat16 shards, which eval --checkpoint reads", async () => {
  const model = await tinyModel(tmp);
  const sharded = join(tmp, "sharded");
  const source = LocalEngine.fromDirectory(model, { intraOpNumThreads: 1 });
  const engine = new LocalEngine(source.config, new Map(source.parameters()), { maxShardBytes: 8192 });
  await engine.saveWeights(sharded);
  copyFileSync(join(model, "tokenizer.json"), join(sharded, "tokenizer.json"));
  assert.ok(!existsSync(join(sharded, "model.safetensors")));
  assert.ok(existsSync(join(sharded, "model-00007-of-00007.safetensors")));
  const ev = await cli("eval", "--model", sharded, "--n", "2", "--max-tokens", "4", "--json");
  assert.equal(ev.code, 0, ev.err);
  assert.equal(JSON.parse(ev.out).n, 2);
  const out = join(tmp, "run");
  const small = [
    "--set",
    "batch.promptsPerStep=2",
    "--set",
    "batch.groupSize=2",
    "--set",
    "sampling.maxTokens=4",
  ];
  const tr = await cli(
    "train",
    "--model",
    sharded,
    "--steps",
    "1",
    "--out",
    out,
    ...small,
    "--set",
    "engine.kind=local",
    "--set",
    "engine.saveDtype=bfloat16",
    "--set",
    "engine.maxShardBytes=8192",
  );
  assert.equal(tr.code, 0, tr.err);
  const step1 = join(out, "checkpoints", "step-1");
  // engine.saveDtype and maxShardBytes: the checkpoint's weights in bfloat16 shards, the moments in float32 shards
  const weights = locateTensors(step1, "model");
  const moments = locateTensors(step1, "optimizer");
  assert.ok(existsSync(join(step1, "model.safetensors.index.json")));
  assert.ok(existsSync(join(step1, "optimizer.safetensors.index.json")));
  assert.ok([...weights.values()].every((l) => l.entry.dtype === "BF16"));
  assert.ok([...moments.values()].every((l) => l.entry.dtype === "F32"));
  assert.equal(JSON.parse(readFileSync(join(step1, "config.json"), "utf8")).torch_dtype, "bfloat16");
  assert.equal(checkpointProblem(step1), null);
  const fromCheckpoint = await cli("eval", "--checkpoint", out, "--n", "2", "--max-tokens", "4", "--json");
  assert.equal(fromCheckpoint.code, 0, fromCheckpoint.err);
  for (const e of [source, engine]) await e.close();
});

test("a model's generation_config.json: its eos ids stop sampling, and eval samples with its defaults unless --temperature is given", async () => {
  const model = await tinyModel(join(tmp, "gen"));
  const spec = parseConfig({ model, engine: { kind: "local", threads: 1 } }, "test");
  const plain = await openSession(spec);
  assert.equal(plain.generationConfig, null);
  const stops = plain.stopTokens;
  await plain.close();
  // another token than the eos stops generation too
  const extra = plain.tokenizer.encode("=")[0];
  assert.ok(!stops.includes(extra));
  writeFileSync(
    join(model, "generation_config.json"),
    JSON.stringify({ do_sample: true, temperature: 0.7, top_p: 0.8, top_k: 20, eos_token_id: [extra] }),
  );
  const withGen = await openSession(spec);
  assert.deepEqual(withGen.stopTokens, [...stops, extra]);
  await withGen.close();
  const json = async (...args: string[]) => {
    const r = await cli("eval", "--model", model, "--n", "2", "--max-tokens", "4", "--json", ...args);
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out);
  };
  const own = await json();
  assert.deepEqual([own.temperature, own.top_p, own.top_k], [0.7, 0.8, 20]);
  const given = await json("--temperature", "0");
  assert.deepEqual([given.temperature, given.top_p, given.top_k], [0, 1, -1]);
  // a run's checkpoints keep the model's generation_config.json
  const out = join(tmp, "gen-run");
  const small = [
    "--set",
    "batch.promptsPerStep=1",
    "--set",
    "batch.groupSize=2",
    "--set",
    "sampling.maxTokens=4",
  ];
  const tr = await cli("train", "--model", model, "--steps", "1", "--out", out, ...small);
  assert.equal(tr.code, 0, tr.err);
  assert.deepEqual(readGenerationConfig(join(out, "checkpoints", "step-1"))?.eosTokenIds, [extra]);
});
