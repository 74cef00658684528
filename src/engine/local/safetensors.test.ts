import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  parseSafetensors,
  readSafetensors,
  readSafetensorsFile,
  readSafetensorsHeader,
  serializeSafetensors,
  type Tensor,
  toBfloat16Bits,
  writeSafetensors,
} from "./safetensors.js";

const FIXTURE = new URL("../../../test-data/tiny-qwen2/model.safetensors", import.meta.url).pathname;

/** Builds a safetensors file by hand from a header object and raw data bytes. */
function handMade(header: unknown, data: Uint8Array): Uint8Array {
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

test("reads the tiny-qwen2 checkpoint: 27 float32 tensors with Hugging Face names", () => {
  const tensors = readSafetensors(FIXTURE);
  assert.equal(tensors.size, 27);
  const emb = tensors.get("model.embed_tokens.weight")!;
  assert.deepEqual(emb.shape, [96, 64]);
  assert.equal(emb.data.length, 96 * 64);
  assert.deepEqual(tensors.get("model.layers.0.self_attn.q_proj.bias")?.shape, [64]);
  assert.deepEqual(tensors.get("model.layers.1.self_attn.k_proj.weight")?.shape, [32, 64]);
  assert.deepEqual(tensors.get("lm_head.weight")?.shape, [96, 64]);
  // Values agree with a direct little-endian decode of the file's first data bytes.
  const bytes = readFileSync(FIXTURE);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString("utf8"));
  const [begin] = header["model.embed_tokens.weight"].data_offsets;
  for (const i of [0, 1, 777, 96 * 64 - 1]) {
    assert.equal(emb.data[i], bytes.readFloatLE(8 + n + begin + 4 * i));
  }
  for (const t of tensors.values()) assert.ok(t.data.every(Number.isFinite));
});

test("write then read round-trips values, shapes and metadata; the file is sorted and aligned", () => {
  const dir = mkdtempSync(join(tmpdir(), "st-"));
  try {
    const tensors = new Map<string, Tensor>([
      ["z.last", { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 1e-30, -0, Number.NaN]) }],
      ["a.first", { shape: [3], data: Float32Array.from([0.1, 0.2, 0.3]) }],
      ["m.scalar", { shape: [], data: Float32Array.from([7]) }],
      ["m.empty", { shape: [0, 4], data: new Float32Array(0) }],
    ]);
    const path = join(dir, "model.safetensors");
    writeSafetensors(path, tensors, { format: "pt", step: "3" });
    assert.deepEqual(readdirSync(dir), ["model.safetensors"], "no temporary file is left behind");
    const back = readSafetensorsFile(path);
    assert.deepEqual(back.metadata, { format: "pt", step: "3" });
    assert.deepEqual([...back.tensors.keys()], ["a.first", "m.empty", "m.scalar", "z.last"]);
    for (const [name, t] of tensors) {
      const r = back.tensors.get(name)!;
      assert.deepEqual(r.shape, t.shape, name);
      assert.deepEqual(r.data, t.data, name);
    }
    const bytes = readFileSync(path);
    assert.equal(Number(bytes.readBigUInt64LE(0)) % 8, 0, "header padded to 8 bytes");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("reading the fixture and writing it back gives identical tensors", () => {
  const dir = mkdtempSync(join(tmpdir(), "st-"));
  try {
    const tensors = readSafetensors(FIXTURE);
    const path = join(dir, "copy.safetensors");
    writeSafetensors(path, tensors);
    assert.deepEqual(readSafetensors(path), tensors);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("F16 and BF16 tensors are widened to float32", () => {
  // F16: 1.0 = 0x3c00, -2.0 = 0xc000, 65504 = 0x7bff, smallest subnormal 2^-24 = 0x0001, +Inf = 0x7c00.
  const f16 = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00]).buffer);
  // BF16: 1.0 = 0x3f80, -0.5 = 0xbf00, 3.140625 = 0x4049.
  const bf16 = new Uint8Array(new Uint16Array([0x3f80, 0xbf00, 0x4049]).buffer);
  const data = new Uint8Array(16);
  data.set(f16, 0);
  data.set(bf16, 10);
  const file = handMade(
    {
      h: { dtype: "F16", shape: [5], data_offsets: [0, 10] },
      b: { dtype: "BF16", shape: [3], data_offsets: [10, 16] },
    },
    data,
  );
  const { tensors } = parseSafetensors(file, "mixed.safetensors");
  assert.deepEqual([...tensors.get("h")!.data], [1, -2, 65504, 2 ** -24, Number.POSITIVE_INFINITY]);
  assert.deepEqual([...tensors.get("b")!.data], [1, -0.5, 3.140625]);
  // the same from a file, through the streamed reader
  const dir = mkdtempSync(join(tmpdir(), "st-"));
  try {
    writeFileSync(join(dir, "mixed.safetensors"), file);
    assert.deepEqual(readSafetensors(join(dir, "mixed.safetensors")), tensors);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("unsupported dtypes and corrupt files are rejected with the file and tensor named", () => {
  const i64 = handMade({ ids: { dtype: "I64", shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8));
  assert.throws(() => parseSafetensors(i64, "ids.safetensors"), /ids\.safetensors.*"ids".*I64/);

  const short = handMade({ w: { dtype: "F32", shape: [4], data_offsets: [0, 16] } }, new Uint8Array(8));
  assert.throws(() => parseSafetensors(short, "short.safetensors"), /short\.safetensors.*"w".*data_offsets/);

  const wrongSize = handMade({ w: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8));
  assert.throws(() => parseSafetensors(wrongSize, "size.safetensors"), /size\.safetensors.*"w".*needs 12/);

  const hugeHeader = new Uint8Array(16);
  new DataView(hugeHeader.buffer).setBigUint64(0, 1000n, true);
  assert.throws(() => parseSafetensors(hugeHeader, "big.safetensors"), /big\.safetensors.*header length/);

  const notJson = new Uint8Array(12);
  new DataView(notJson.buffer).setBigUint64(0, 4n, true);
  notJson.set(Buffer.from("{{{{"), 8);
  assert.throws(() => parseSafetensors(notJson, "junk.safetensors"), /junk\.safetensors.*not JSON/);

  assert.throws(() => parseSafetensors(new Uint8Array(3), "tiny.safetensors"), /tiny\.safetensors/);

  const dir = mkdtempSync(join(tmpdir(), "st-"));
  try {
    const path = join(dir, "trunc.safetensors");
    writeFileSync(path, readFileSync(FIXTURE).subarray(0, 5000));
    assert.throws(() => readSafetensors(path), /trunc\.safetensors/);
    assert.throws(
      () => readSafetensors(join(dir, "missing.safetensors")),
      /missing\.safetensors.*cannot read/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("writing rejects a shape that does not match the data", () => {
  const bad = new Map<string, Tensor>([["w", { shape: [2, 2], data: new Float32Array(3) }]]);
  assert.throws(() => serializeSafetensors(bad), /"w".*\[2,2\].*3 values/);
});

test("float32 → bfloat16 rounds to nearest, ties to even, as PyTorch", () => {
  const x = Float32Array.from([
    1, // 0x3f80
    1 + 2 ** -8, // halfway between 0x3f80 and 0x3f81: to even 0x3f80
    1 + 3 * 2 ** -8, // halfway between 0x3f81 and 0x3f82: to even 0x3f82
    1 + 2 ** -8 + 2 ** -20, // just above halfway: up to 0x3f81
    -2.5, // exact: 0xc020
    Number.POSITIVE_INFINITY, // 0x7f80
    3.4028234663852886e38, // largest float32 rounds up to +Inf, 0x7f80
    Number.NaN, // quiet NaN 0x7fc0
  ]);
  const out = new Uint16Array(x.length);
  toBfloat16Bits(x, out);
  assert.deepEqual([...out], [0x3f80, 0x3f80, 0x3f82, 0x3f81, 0xc020, 0x7f80, 0x7f80, 0x7fc0]);
});

test("BF16 files: half the bytes, the header says BF16, values read back rounded", () => {
  const dir = mkdtempSync(join(tmpdir(), "st-"));
  try {
    const path = join(dir, "w.safetensors");
    const data = Float32Array.from([1, 1 + 3 * 2 ** -8, -2.5, 0.1]);
    writeSafetensors(path, new Map([["w", { shape: [2, 2], data }]]), undefined, "BF16");
    const header = readSafetensorsHeader(path);
    assert.deepEqual(header.entries.get("w"), { dtype: "BF16", shape: [2, 2], begin: 0, end: 8 });
    // 0.1 = 0x3dcccccd → 0x3dcd = 0.10009765625
    assert.deepEqual([...readSafetensors(path).get("w")!.data], [1, 1.015625, -2.5, 0.10009765625]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("streamed I/O crosses its chunk boundaries intact and reads only the wanted tensors", () => {
  const dir = mkdtempSync(join(tmpdir(), "st-"));
  try {
    // more elements than one conversion chunk (2^22), values exact in bfloat16
    const n = (1 << 22) + 3;
    const big = Float32Array.from({ length: n }, (_, i) => (i % 256) - 128);
    const small = Float32Array.from([0.5, -0.25]);
    const tensors = new Map<string, Tensor>([
      ["big", { shape: [n], data: big }],
      ["small", { shape: [2], data: small }],
    ]);
    for (const dtype of ["F32", "BF16"] as const) {
      const path = join(dir, `${dtype}.safetensors`);
      writeSafetensors(path, tensors, { k: "v" }, dtype);
      const back = readSafetensorsFile(path);
      assert.deepEqual(back.metadata, { k: "v" });
      assert.deepEqual(back.tensors.get("big")!.data, big, dtype);
      assert.deepEqual(back.tensors.get("small")!.data, small, dtype);
      const only = readSafetensorsFile(path, { wanted: (name) => name === "small" });
      assert.deepEqual([...only.tensors.keys()], ["small"]);
      assert.deepEqual(serializeSafetensors(tensors, { k: "v" }, dtype), new Uint8Array(readFileSync(path)));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
