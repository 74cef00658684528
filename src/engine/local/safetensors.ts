// Safetensors reader and writer (format: github.com/huggingface/safetensors): an 8-byte
// little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]},
// "__metadata__"?: {string: string}}, then the raw little-endian tensor bytes, offsets relative to
// the end of the header. Tensors are read as Float32 (F16 and BF16 are widened); written as F32,
// sorted by name, header padded with spaces to a multiple of 8 bytes, as the Python library does.
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../../core/atomicFile.js";

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

const METADATA_KEY = "__metadata__";
const BYTES_PER_ELEMENT: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };
/** Header sizes above this are rejected as corrupt (the Python library's limit is 100 MB). */
const MAX_HEADER_BYTES = 100_000_000;

function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

// IEEE 754 binary16 → binary32: sign, 5-bit exponent (bias 15), 10-bit mantissa; subnormals are
// mantissa·2^-24, exponent 31 is Inf/NaN.
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

function decode(dtype: string, bytes: Uint8Array, count: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  if (dtype === "F32") {
    // Copy into an aligned buffer (the source offset need not be a multiple of 4).
    new Uint8Array(out.buffer).set(bytes);
  } else if (dtype === "F16") {
    for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
  } else {
    // bfloat16 is the upper half of a float32.
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) bits[i] = view.getUint16(2 * i, true) << 16;
  }
  return out;
}

/** Parses safetensors bytes; `file` only names the source in error messages. */
export function parseSafetensors(bytes: Uint8Array, file: string): SafetensorsFile {
  const fail = (what: string): never => {
    throw new Error(`${file}: not a valid safetensors file: ${what}`);
  };
  if (bytes.byteLength < 8) fail(`file is ${bytes.byteLength} bytes, shorter than the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(dv.getBigUint64(0, true));
  if (headerLen > MAX_HEADER_BYTES || 8 + headerLen > bytes.byteLength) {
    fail(`header length ${headerLen} exceeds the file size ${bytes.byteLength}`);
  }
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, headerLen).toString("utf8"));
  } catch (err) {
    fail(`header is not JSON (${(err as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) fail("header is not an object");
  const dataStart = 8 + headerLen;
  const dataLen = bytes.byteLength - dataStart;
  const tensors = new Map<string, Tensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (typeof entry !== "object" || entry === null || Array.isArray(entry))
        fail(`${METADATA_KEY} is not an object`);
      metadata = { ...(entry as Record<string, string>) };
      continue;
    }
    const where = `tensor "${name}"`;
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== "object" || e === null) fail(`${where}: entry is not an object`);
    const { dtype, shape, data_offsets: offsets } = e;
    if (typeof dtype !== "string") fail(`${where}: missing dtype`);
    const size = BYTES_PER_ELEMENT[dtype as string];
    if (size === undefined) {
      throw new Error(`${file}: tensor "${name}" has dtype ${dtype}; only F32, F16 and BF16 are supported`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      fail(`${where}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isInteger(o) && o >= 0) ||
      offsets[0] > offsets[1] ||
      offsets[1] > dataLen
    ) {
      fail(`${where}: data_offsets ${JSON.stringify(offsets)} outside the data section of ${dataLen} bytes`);
    }
    const [begin, end] = offsets as [number, number];
    const count = numel(shape as number[]);
    if (end - begin !== count * size) {
      fail(
        `${where}: data_offsets span ${end - begin} bytes, but ${dtype} ${JSON.stringify(shape)} needs ${count * size}`,
      );
    }
    const raw = bytes.subarray(dataStart + begin, dataStart + end);
    tensors.set(name, { shape: [...(shape as number[])], data: decode(dtype as string, raw, count) });
  }
  return { tensors, metadata };
}

/** Reads every tensor of a safetensors file, with its `__metadata__`. */
export function readSafetensorsFile(path: string): SafetensorsFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new Error(`${path}: cannot read safetensors file (${(err as Error).message})`);
  }
  return parseSafetensors(bytes, path);
}

/** Reads every tensor of a safetensors file as Float32. */
export function readSafetensors(path: string): Map<string, Tensor> {
  return readSafetensorsFile(path).tensors;
}

/** Serialises tensors as F32 safetensors bytes (tensors sorted by name). */
export function serializeSafetensors(
  tensors: ReadonlyMap<string, Tensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string")
        throw new Error(`safetensors metadata "${k}" must be a string, got ${typeof v}`);
    }
    header[METADATA_KEY] = metadata;
  }
  let offset = 0;
  for (const name of names) {
    if (name === METADATA_KEY)
      throw new Error(`safetensors: "${METADATA_KEY}" is reserved, not a tensor name`);
    const { shape, data } = tensors.get(name)!;
    if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new Error(`safetensors: tensor "${name}" has invalid shape ${JSON.stringify(shape)}`);
    }
    if (numel(shape) !== data.length) {
      throw new Error(
        `safetensors: tensor "${name}" has shape ${JSON.stringify(shape)} but ${data.length} values`,
      );
    }
    header[name] = { dtype: "F32", shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  let json = Buffer.from(JSON.stringify(header), "utf8");
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let pos = 8 + json.length;
  for (const name of names) {
    const { data } = tensors.get(name)!;
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), pos);
    pos += data.byteLength;
  }
  return out;
}

/** Writes tensors as an F32 safetensors file, atomically (temp file, fsync, rename). */
export function writeSafetensors(
  path: string,
  tensors: ReadonlyMap<string, Tensor>,
  metadata?: Record<string, string>,
): void {
  writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}
