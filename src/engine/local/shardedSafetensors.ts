// Tensors stored under one base name in a directory, in Hugging Face's layout: `BASE.safetensors` when
// they fit in one file, else shards `BASE-00001-of-0000N.safetensors` and `BASE.safetensors.index.json`
// ({"metadata": {"total_size": stored bytes}, "weight_map": {tensor: shard file}}), split as
// huggingface_hub's `split_torch_state_dict_into_shards` does: tensors in order, a new shard whenever
// the next tensor would take the current one past the limit. Model weights use BASE = "model", the
// optimizer's moments BASE = "optimizer", so neither is ever one write of everything.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { writeFileAtomic } from "../../core/atomicFile.js";
import {
  type ReadOptions,
  readSafetensorsFile,
  readSafetensorsHeader,
  type StoredDType,
  storedBytes,
  type Tensor,
  type TensorEntry,
  writeSafetensors,
} from "./safetensors.js";

/** huggingface_hub's default largest shard ("5GB", decimal). */
export const DEFAULT_MAX_SHARD_BYTES = 5_000_000_000;

export interface WriteTensorsOptions {
  /** Largest shard in stored bytes (default DEFAULT_MAX_SHARD_BYTES); a larger tensor gets a shard of its own. */
  maxShardBytes?: number;
  dtype?: StoredDType;
  /** `__metadata__` of every file written. */
  metadata?: Record<string, string>;
}

export const singleFileName = (base: string) => `${base}.safetensors`;
export const indexFileName = (base: string) => `${base}.safetensors.index.json`;
export const shardFileName = (base: string, i: number, n: number) =>
  `${base}-${String(i + 1).padStart(5, "0")}-of-${String(n).padStart(5, "0")}.safetensors`;

/** Groups of consecutive indices of `sizes` whose sums stay ≤ maxBytes (a larger item stands alone). */
export function planShards(sizes: readonly number[], maxBytes: number): number[][] {
  const shards: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  sizes.forEach((size, i) => {
    if (current.length > 0 && bytes + size > maxBytes) {
      shards.push(current);
      current = [];
      bytes = 0;
    }
    current.push(i);
    bytes += size;
  });
  if (current.length > 0) shards.push(current);
  return shards;
}

/** Files of `base` in `dir` in either layout (single file, shards, index). */
function filesOf(dir: string, base: string): string[] {
  if (!existsSync(dir)) return [];
  const shard = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-\\d{5}-of-\\d{5}\\.safetensors$`);
  return readdirSync(dir).filter(
    (f) => f === singleFileName(base) || f === indexFileName(base) || shard.test(f),
  );
}

/**
 * Writes `tensors` (in their map order) under `base` in `dir`, sharded above the size limit; files of
 * `base` from an earlier write that the new layout does not use are removed after the new ones are
 * complete. Returns the file names written.
 */
export function writeTensors(
  dir: string,
  base: string,
  tensors: ReadonlyMap<string, Tensor>,
  options: WriteTensorsOptions = {},
): string[] {
  const dtype = options.dtype ?? "F32";
  const maxBytes = options.maxShardBytes ?? DEFAULT_MAX_SHARD_BYTES;
  if (!(maxBytes > 0)) throw new Error(`writeTensors: maxShardBytes must be positive, got ${maxBytes}`);
  const names = [...tensors.keys()];
  const sizes = names.map((n) => storedBytes(tensors.get(n)!.data.length, dtype));
  const plan = planShards(sizes, maxBytes);
  const before = filesOf(dir, base);
  let written: string[];
  if (plan.length <= 1) {
    writeSafetensors(join(dir, singleFileName(base)), tensors, options.metadata, dtype);
    written = [singleFileName(base)];
  } else {
    const weightMap: Record<string, string> = {};
    written = plan.map((members, i) => {
      const file = shardFileName(base, i, plan.length);
      const shard = new Map(members.map((m) => [names[m], tensors.get(names[m])!]));
      writeSafetensors(join(dir, file), shard, options.metadata, dtype);
      for (const m of members) weightMap[names[m]] = file;
      return file;
    });
    const totalSize = sizes.reduce((a, b) => a + b, 0);
    const index = { metadata: { total_size: totalSize }, weight_map: weightMap };
    writeFileAtomic(join(dir, indexFileName(base)), `${JSON.stringify(index, null, 2)}\n`);
    written.push(indexFileName(base));
  }
  for (const f of before) if (!written.includes(f)) rmSync(join(dir, f), { force: true });
  return written;
}

/** The shard files named by `dir`/BASE.safetensors.index.json, checked (names stay inside `dir`). */
function shardsOfIndex(dir: string, base: string): { indexFile: string; weightMap: Map<string, string> } {
  const indexFile = join(dir, indexFileName(base));
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(indexFile, "utf8"));
  } catch (err) {
    throw new Error(`${indexFile}: cannot read the shard index (${(err as Error).message})`);
  }
  const map = (json as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== "object" || map === null || Array.isArray(map)) {
    throw new Error(`${indexFile}: field "weight_map" must be an object {tensor name: shard file}`);
  }
  const weightMap = new Map<string, string>();
  for (const [name, file] of Object.entries(map)) {
    if (typeof file !== "string" || file !== basename(file) || file === "." || file === "..") {
      throw new Error(
        `${indexFile}: field "weight_map.${name}": ${JSON.stringify(file)} is not a file name in ${dir}`,
      );
    }
    weightMap.set(name, file);
  }
  return { indexFile, weightMap };
}

export interface StoredTensors {
  tensors: Map<string, Tensor>;
  /** `__metadata__` of the (first) file. */
  metadata: Record<string, string>;
  /** The files read, relative to the directory. */
  files: string[];
}

/** Whether `dir` holds tensors under `base` in either layout. */
export function hasTensors(dir: string, base: string): boolean {
  return existsSync(join(dir, singleFileName(base))) || existsSync(join(dir, indexFileName(base)));
}

export interface TensorLocation {
  /** The file, relative to the directory. */
  file: string;
  entry: TensorEntry;
}

/**
 * Where each tensor stored under `base` in `dir` is (headers only, no data): BASE.safetensors if present,
 * else the shards of BASE.safetensors.index.json, each tensor the index names checked to be in its shard.
 */
export function locateTensors(dir: string, base: string): Map<string, TensorLocation> {
  const single = singleFileName(base);
  const out = new Map<string, TensorLocation>();
  if (existsSync(join(dir, single))) {
    for (const [name, entry] of readSafetensorsHeader(join(dir, single)).entries)
      out.set(name, { file: single, entry });
    return out;
  }
  if (!existsSync(join(dir, indexFileName(base)))) {
    throw new Error(`${dir}: neither ${single} nor ${indexFileName(base)} is there`);
  }
  const { indexFile, weightMap } = shardsOfIndex(dir, base);
  for (const file of new Set(weightMap.values())) {
    const path = join(dir, file);
    if (!existsSync(path)) throw new Error(`${indexFile}: shard ${file} is missing`);
    const { entries } = readSafetensorsHeader(path);
    for (const [name, f] of weightMap) {
      if (f !== file) continue;
      const entry = entries.get(name);
      if (!entry)
        throw new Error(`${indexFile}: tensor "${name}" is mapped to ${file}, which does not hold it`);
      out.set(name, { file, entry });
    }
  }
  return out;
}

/**
 * Reads the tensors stored under `base` in `dir` (layouts as locateTensors). `options.wanted` skips
 * tensors before they are read (e.g. a tied model's lm_head); `options.into` reads into given arrays.
 */
export function readTensors(dir: string, base: string, options: ReadOptions = {}): StoredTensors {
  const locations = locateTensors(dir, base);
  const files = [...new Set([...locations.values()].map((l) => l.file))];
  const tensors = new Map<string, Tensor>();
  let metadata: Record<string, string> | undefined;
  for (const file of files) {
    // a tensor is read from the file the index maps it to
    const here = (name: string) =>
      locations.get(name)?.file === file && (!options.wanted || options.wanted(name));
    const read = readSafetensorsFile(join(dir, file), { ...options, wanted: here });
    metadata ??= read.metadata;
    for (const [name, t] of read.tensors) tensors.set(name, t);
  }
  const indexed = !existsSync(join(dir, singleFileName(base)));
  return { tensors, metadata: metadata ?? {}, files: indexed ? [...files, indexFileName(base)] : files };
}
