import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { Tensor } from "./safetensors.js";
import { readSafetensorsHeader } from "./safetensors.js";
import { hasTensors, planShards, readTensors, writeTensors } from "./shardedSafetensors.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-shards-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Tensors a (4 values), b (4), c (4), d (10), e (1): 16, 16, 16, 40, 4 bytes as F32. */
function tensors(): Map<string, Tensor> {
  const t = (n: number, k: number): Tensor => ({
    shape: [n],
    data: Float32Array.from({ length: n }, (_, i) => k + i / 8),
  });
  return new Map([
    ["a", t(4, 1)],
    ["b", t(4, 2)],
    ["c", t(4, 3)],
    ["d", t(10, 4)],
    ["e", t(1, 5)],
  ]);
}

test("planShards: in order, a new shard when the next item would pass the limit, a large item alone", () => {
  assert.deepEqual(planShards([16, 16, 16, 40, 4], 32), [[0, 1], [2], [3], [4]]);
  assert.deepEqual(planShards([16, 16, 16, 40, 4], 1000), [[0, 1, 2, 3, 4]]);
  assert.deepEqual(planShards([], 10), []);
});

test("under the limit: one BASE.safetensors; above it: shards and an index in Hugging Face's layout", () => {
  const single = join(tmp, "single");
  assert.deepEqual(writeTensors(single, "model", tensors(), { metadata: { format: "pt" } }), [
    "model.safetensors",
  ]);
  const back = readTensors(single, "model");
  assert.deepEqual(back.tensors, tensors());
  assert.deepEqual(back.metadata, { format: "pt" });

  const dir = join(tmp, "sharded");
  const files = writeTensors(dir, "model", tensors(), { maxShardBytes: 32, metadata: { format: "pt" } });
  assert.deepEqual(files, [
    "model-00001-of-00004.safetensors",
    "model-00002-of-00004.safetensors",
    "model-00003-of-00004.safetensors",
    "model-00004-of-00004.safetensors",
    "model.safetensors.index.json",
  ]);
  assert.deepEqual(readdirSync(dir).sort(), [...files].sort(), "no temporary file is left behind");
  const index = JSON.parse(readFileSync(join(dir, "model.safetensors.index.json"), "utf8"));
  assert.deepEqual(index, {
    metadata: { total_size: 92 },
    weight_map: {
      a: "model-00001-of-00004.safetensors",
      b: "model-00001-of-00004.safetensors",
      c: "model-00002-of-00004.safetensors",
      d: "model-00003-of-00004.safetensors",
      e: "model-00004-of-00004.safetensors",
    },
  });
  assert.deepEqual([...readSafetensorsHeader(join(dir, files[0])).entries.keys()], ["a", "b"]);
  const read = readTensors(dir, "model");
  assert.deepEqual(read.tensors, tensors());
  assert.deepEqual(read.metadata, { format: "pt" });
  assert.deepEqual(read.files, files);
  assert.ok(hasTensors(dir, "model") && !hasTensors(dir, "optimizer"));
  // only the wanted tensors are read
  assert.deepEqual([...readTensors(dir, "model", { wanted: (n) => n === "d" }).tensors.keys()], ["d"]);

  // BF16: total_size counts 2 bytes per value
  const half = join(tmp, "bf16");
  writeTensors(half, "model", tensors(), { maxShardBytes: 16, dtype: "BF16" });
  assert.equal(
    JSON.parse(readFileSync(join(half, "model.safetensors.index.json"), "utf8")).metadata.total_size,
    46,
  );
  assert.deepEqual(readTensors(half, "model").tensors, tensors(), "these values are exact in bfloat16");
});

test("rewriting in another layout removes the files of the old one", () => {
  const dir = join(tmp, "relayout");
  writeTensors(dir, "model", tensors(), { maxShardBytes: 32 });
  writeFileSync(join(dir, "config.json"), "{}");
  // 56 bytes: [a, b, c] = 48, then [d, e] = 44
  writeTensors(dir, "model", tensors(), { maxShardBytes: 56 });
  assert.deepEqual(readdirSync(dir).sort(), [
    "config.json",
    "model-00001-of-00002.safetensors",
    "model-00002-of-00002.safetensors",
    "model.safetensors.index.json",
  ]);
  assert.deepEqual(readTensors(dir, "model").tensors, tensors());
  writeTensors(dir, "model", tensors());
  assert.deepEqual(readdirSync(dir).sort(), ["config.json", "model.safetensors"]);
  assert.deepEqual(readTensors(dir, "model").tensors, tensors());
});

test("a broken index is named: missing shard, tensor not in its shard, a path outside the directory, no weights", () => {
  const fresh = (name: string) => {
    const dir = join(tmp, name);
    writeTensors(dir, "model", tensors(), { maxShardBytes: 32 });
    return dir;
  };
  const indexOf = (dir: string) => join(dir, "model.safetensors.index.json");
  const missing = fresh("missing");
  rmSync(join(missing, "model-00003-of-00004.safetensors"));
  assert.throws(
    () => readTensors(missing, "model"),
    /index\.json: shard model-00003-of-00004\.safetensors is missing/,
  );

  const moved = fresh("moved");
  const index = JSON.parse(readFileSync(indexOf(moved), "utf8"));
  index.weight_map.d = "model-00001-of-00004.safetensors";
  writeFileSync(indexOf(moved), JSON.stringify(index));
  assert.throws(
    () => readTensors(moved, "model"),
    /tensor "d" is mapped to model-00001-of-00004\.safetensors, which does not hold it/,
  );

  const outside = fresh("outside");
  index.weight_map.d = "../single/model.safetensors";
  writeFileSync(indexOf(outside), JSON.stringify(index));
  assert.throws(() => readTensors(outside, "model"), /field "weight_map\.d".*not a file name/);

  writeFileSync(indexOf(outside), "{}");
  assert.throws(() => readTensors(outside, "model"), /field "weight_map" must be an object/);
  assert.throws(
    () => readTensors(join(tmp, "none"), "model"),
    /neither model\.safetensors nor model\.safetensors\.index\.json/,
  );
});
