// Safetensors reader and writer (format: github.com/huggingface/safetensors): an 8-byte
// little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]},
// "__metadata__"?: {string: string}}, then the raw little-endian tensor bytes, offsets relative to
// the end of the header. Tensors are read as Float32 (F16 and BF16 are widened); written as F32 or
// BF16, sorted by name, header padded with spaces to a multiple of 8 bytes, as the Python library does.
// Files are streamed through a file descriptor, one tensor at a time, so their size is not bounded by
// Node's 2 GiB limit on one read or write (written here because no maintained npm package streams
// safetensors from Node without reading the whole file).
import { closeSync, fstatSync, openSync, readSync, writeSync } from "node:fs";
import { writeFileAtomicWith } from "../../core/atomicFile.js";
import { largeFloat32Array } from "./hugePages.js";

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

/** The dtypes a file may be written in. */
export type StoredDType = "F32" | "BF16";

/** Where one tensor's bytes are in the data section. */
export interface TensorEntry {
  dtype: "F32" | "F16" | "BF16";
  shape: number[];
  /** Byte offsets relative to the start of the data section. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  entries: Map<string, TensorEntry>;
  metadata: Record<string, string>;
  /** Byte offset of the data section in the file: 8 + header length. */
  dataStart: number;
}

const METADATA_KEY = "__metadata__";
const BYTES_PER_ELEMENT: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };
/** Header sizes above this are rejected as corrupt (the Python library's limit is 100 MB). */
const MAX_HEADER_BYTES = 100_000_000;
/** One read or write moves at most this many bytes (Node refuses more than 2 GiB in one call). */
const IO_CHUNK_BYTES = 1 << 28;
/** Elements converted per chunk when widening or narrowing 16-bit tensors. */
const CONVERT_CHUNK = 1 << 22;

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

/** Widens `count` 16-bit values of `bytes` into out[at…]. bfloat16 is the upper half of a float32. */
function widen16(
  dtype: "F16" | "BF16",
  bytes: Uint8Array,
  count: number,
  out: Float32Array,
  at: number,
): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dtype === "F16") {
    for (let i = 0; i < count; i++) out[at + i] = halfToFloat(view.getUint16(2 * i, true));
  } else {
    const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
    for (let i = 0; i < count; i++) bits[at + i] = view.getUint16(2 * i, true) << 16;
  }
}

/**
 * float32 → bfloat16 bits, rounding to nearest even (as PyTorch's `round_to_nearest_even`); NaN
 * becomes the quiet NaN 0x7fc0.
 */
export function toBfloat16Bits(x: Float32Array, out: Uint16Array): void {
  const bits = new Uint32Array(x.buffer, x.byteOffset, x.length);
  for (let i = 0; i < x.length; i++) {
    const b = bits[i];
    if ((b & 0x7fffffff) > 0x7f800000) out[i] = 0x7fc0;
    else out[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
  }
}

/** Validates a parsed header; `dataLen` is the size of the data section. */
function parseHeader(header: unknown, dataLen: number, dataStart: number, file: string): SafetensorsHeader {
  const fail = (what: string): never => {
    throw new Error(`${file}: not a valid safetensors file: ${what}`);
  };
  if (typeof header !== "object" || header === null || Array.isArray(header)) fail("header is not an object");
  const entries = new Map<string, TensorEntry>();
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
    entries.set(name, { dtype: dtype as TensorEntry["dtype"], shape: [...(shape as number[])], begin, end });
  }
  return { entries, metadata, dataStart };
}

function headerLengthOf(first8: Uint8Array, fileSize: number, file: string): number {
  if (fileSize < 8) {
    throw new Error(
      `${file}: not a valid safetensors file: file is ${fileSize} bytes, shorter than the 8-byte header length`,
    );
  }
  const headerLen = Number(new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true));
  if (headerLen > MAX_HEADER_BYTES || 8 + headerLen > fileSize) {
    throw new Error(
      `${file}: not a valid safetensors file: header length ${headerLen} exceeds the file size ${fileSize}`,
    );
  }
  return headerLen;
}

function headerJson(bytes: Uint8Array, file: string): unknown {
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
  } catch (err) {
    throw new Error(`${file}: not a valid safetensors file: header is not JSON (${(err as Error).message})`);
  }
}

/** Parses safetensors bytes held in memory; `file` only names the source in error messages. */
export function parseSafetensors(bytes: Uint8Array, file: string): SafetensorsFile {
  const headerLen = headerLengthOf(bytes, bytes.byteLength, file);
  const json = headerJson(bytes.subarray(8, 8 + headerLen), file);
  const { entries, metadata, dataStart } = parseHeader(
    json,
    bytes.byteLength - 8 - headerLen,
    8 + headerLen,
    file,
  );
  const tensors = new Map<string, Tensor>();
  for (const [name, e] of entries) {
    const count = numel(e.shape);
    const raw = bytes.subarray(dataStart + e.begin, dataStart + e.end);
    const data = largeFloat32Array(count);
    // copied into an aligned buffer (the source offset need not be a multiple of 4)
    if (e.dtype === "F32") new Uint8Array(data.buffer).set(raw);
    else widen16(e.dtype, raw, count, data, 0);
    tensors.set(name, { shape: e.shape, data });
  }
  return { tensors, metadata };
}

function openForReading(path: string): number {
  try {
    return openSync(path, "r");
  } catch (err) {
    throw new Error(`${path}: cannot read safetensors file (${(err as Error).message})`);
  }
}

/** Reads exactly `target.byteLength` bytes at `position`; a short file is an error naming `path`. */
function readExactly(fd: number, target: Uint8Array, position: number, path: string): void {
  let done = 0;
  while (done < target.byteLength) {
    const n = readSync(fd, target, done, Math.min(IO_CHUNK_BYTES, target.byteLength - done), position + done);
    if (n === 0)
      throw new Error(
        `${path}: not a valid safetensors file: ends before byte ${position + target.byteLength}`,
      );
    done += n;
  }
}

function readHeaderFd(fd: number, path: string): SafetensorsHeader {
  const size = fstatSync(fd).size;
  const first8 = new Uint8Array(8);
  if (size >= 8) readExactly(fd, first8, 0, path);
  const headerLen = headerLengthOf(first8, size, path);
  const headerBytes = new Uint8Array(headerLen);
  readExactly(fd, headerBytes, 8, path);
  return parseHeader(headerJson(headerBytes, path), size - 8 - headerLen, 8 + headerLen, path);
}

/** The header of a safetensors file (tensor names, dtypes, shapes, offsets) without its data. */
export function readSafetensorsHeader(path: string): SafetensorsHeader {
  const fd = openForReading(path);
  try {
    return readHeaderFd(fd, path);
  } finally {
    closeSync(fd);
  }
}

export interface ReadOptions {
  /** Read only the tensors for which this is true (default: all). */
  wanted?: (name: string) => boolean;
  /** An array of the tensor's size to read it into, in place (undefined: a new array). */
  into?: (name: string, shape: readonly number[]) => Float32Array | undefined;
}

/**
 * Reads the tensors of a safetensors file, with its `__metadata__`: the header first, then each
 * tensor's byte range into its own Float32Array (F16/BF16 widened chunk by chunk).
 */
export function readSafetensorsFile(path: string, options: ReadOptions = {}): SafetensorsFile {
  const fd = openForReading(path);
  try {
    const { entries, metadata, dataStart } = readHeaderFd(fd, path);
    const tensors = new Map<string, Tensor>();
    let scratch: Uint8Array | null = null;
    for (const [name, e] of entries) {
      if (options.wanted && !options.wanted(name)) continue;
      const count = numel(e.shape);
      const data = options.into?.(name, e.shape) ?? largeFloat32Array(count);
      if (data.length !== count) {
        throw new Error(
          `${path}: tensor "${name}" has ${count} values, the array to read it into ${data.length}`,
        );
      }
      if (e.dtype === "F32") {
        readExactly(
          fd,
          new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
          dataStart + e.begin,
          path,
        );
      } else {
        scratch ??= new Uint8Array(2 * CONVERT_CHUNK);
        for (let at = 0; at < count; at += CONVERT_CHUNK) {
          const n = Math.min(CONVERT_CHUNK, count - at);
          const raw = scratch.subarray(0, 2 * n);
          readExactly(fd, raw, dataStart + e.begin + 2 * at, path);
          widen16(e.dtype, raw, n, data, at);
        }
      }
      tensors.set(name, { shape: e.shape, data });
    }
    return { tensors, metadata };
  } finally {
    closeSync(fd);
  }
}

/** Reads every tensor of a safetensors file as Float32. */
export function readSafetensors(path: string): Map<string, Tensor> {
  return readSafetensorsFile(path).tensors;
}

/** The stored size of a tensor of `count` elements. */
export function storedBytes(count: number, dtype: StoredDType): number {
  return count * BYTES_PER_ELEMENT[dtype];
}

/** The padded header bytes (with their 8-byte length prefix) and the data section's size. */
function headerFor(
  tensors: ReadonlyMap<string, Tensor>,
  names: readonly string[],
  metadata: Record<string, string> | undefined,
  dtype: StoredDType,
): { prefix: Uint8Array; dataBytes: number } {
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
    const bytes = storedBytes(data.length, dtype);
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = Buffer.from(JSON.stringify(header), "utf8");
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);
  const prefix = new Uint8Array(8 + json.length);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(json.length), true);
  prefix.set(json, 8);
  return { prefix, dataBytes: offset };
}

/** Each chunk of a tensor's stored bytes, in order (BF16 narrowed a chunk at a time). */
function* storedChunks(data: Float32Array, dtype: StoredDType): Generator<Uint8Array> {
  if (dtype === "F32") {
    for (let at = 0; at < data.byteLength; at += IO_CHUNK_BYTES) {
      yield new Uint8Array(data.buffer, data.byteOffset + at, Math.min(IO_CHUNK_BYTES, data.byteLength - at));
    }
    return;
  }
  const out = new Uint16Array(Math.min(CONVERT_CHUNK, data.length));
  for (let at = 0; at < data.length; at += CONVERT_CHUNK) {
    const n = Math.min(CONVERT_CHUNK, data.length - at);
    toBfloat16Bits(data.subarray(at, at + n), out);
    yield new Uint8Array(out.buffer, 0, 2 * n);
  }
}

/** Serialises tensors as safetensors bytes in memory (tensors sorted by name; small files only). */
export function serializeSafetensors(
  tensors: ReadonlyMap<string, Tensor>,
  metadata?: Record<string, string>,
  dtype: StoredDType = "F32",
): Uint8Array {
  const names = [...tensors.keys()].sort();
  const { prefix, dataBytes } = headerFor(tensors, names, metadata, dtype);
  const out = new Uint8Array(prefix.length + dataBytes);
  out.set(prefix);
  let pos = prefix.length;
  for (const name of names) {
    for (const chunk of storedChunks(tensors.get(name)!.data, dtype)) {
      out.set(chunk, pos);
      pos += chunk.length;
    }
  }
  return out;
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}

/**
 * Writes tensors as a safetensors file (F32 by default, or BF16), atomically: the header, then each
 * tensor in turn through one file descriptor into a temporary file, fsync, rename.
 */
export function writeSafetensors(
  path: string,
  tensors: ReadonlyMap<string, Tensor>,
  metadata?: Record<string, string>,
  dtype: StoredDType = "F32",
): void {
  const names = [...tensors.keys()].sort();
  const { prefix } = headerFor(tensors, names, metadata, dtype);
  writeFileAtomicWith(path, (fd) => {
    writeAll(fd, prefix);
    for (const name of names)
      for (const chunk of storedChunks(tensors.get(name)!.data, dtype)) writeAll(fd, chunk);
  });
}
