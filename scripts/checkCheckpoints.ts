// `npm run check:checkpoints`: checkpoints beyond what `npm test` can hold (issue: "checkpoints of any
// size"). Three parts, each printed as a line of the table in docs/experiments/checkpoints.md:
//   large    one safetensors file larger than 2 GiB (F32), written and read back: every value equal;
//   sharded  the same tensors written as shards + model.safetensors.index.json under a 1 GB limit, read
//            back equal, and a checkpoint manifest (sha256 per file) written and verified over them;
//   model    a Qwen2.5-0.5B-shaped random model (hidden 896, 24 layers, 14 heads, 2 kv heads,
//            intermediate 4864, vocab 151936, tied embeddings): one training step (forward + backward +
//            AdamW), saveState (weights + both AdamW moments), a second step that changes everything,
//            loadState, and saveState again: every file byte-identical to the first save (sha256).
// Each part reports sizes, seconds and the process's peak RSS so far. Memory: `large`/`sharded` hold about
// 2 × the file size; `model` about 14 GB (weights, gradients, two moments, activations).
//
//   npx tsx scripts/checkCheckpoints.ts [--parts large,sharded,model] [--dir DIR] [--threads N] [--keep]
import { createHash } from "node:crypto";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { checkpointProblem, writeManifest } from "../src/run/checkpointManifest.js";
import { LocalEngine } from "../src/engine/local/localEngine.js";
import { readSafetensorsFile, type Tensor } from "../src/engine/local/safetensors.js";
import { readTensors, writeTensors } from "../src/engine/local/shardedSafetensors.js";
import { DEFAULT_ADAM } from "../src/engine/types.js";
import { QWEN25_05B } from "../bench/qwenScale.js";

const GiB = 2 ** 30;

const peakRssGB = () => (process.resourceUsage().maxRSS * 1024) / 1e9;
const now = () => performance.now() / 1000;
const gb = (bytes: number) => (bytes / 1e9).toFixed(2);

function dirBytes(dir: string): { files: number; bytes: number; largest: number } {
  let bytes = 0;
  let largest = 0;
  const names = readdirSync(dir);
  for (const f of names) {
    const size = statSync(join(dir, f)).size;
    bytes += size;
    largest = Math.max(largest, size);
  }
  return { files: names.length, bytes, largest };
}

/** Tensors of `count` float32 values each, value i of tensor k a cheap function of (k, i) that is not constant. */
function patternTensors(sizes: readonly number[]): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  sizes.forEach((n, k) => {
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = ((i * 2654435761 + k) % 1000003) / 1000003 - 0.5;
    out.set(`layer.${k}.weight`, { shape: [n / 1024, 1024], data });
  });
  return out;
}

function sameTensors(a: ReadonlyMap<string, Tensor>, b: ReadonlyMap<string, Tensor>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, t] of a) {
    const u = b.get(name);
    if (!u || u.shape.join() !== t.shape.join()) return false;
    // bytewise: NaN payloads and −0 count too
    if (!Buffer.from(t.data.buffer).equals(Buffer.from(u.data.buffer))) return false;
  }
  return true;
}

const row = (part: string, what: string, size: string, seconds: Record<string, number>, ok: boolean) => {
  const times = Object.entries(seconds)
    .map(([k, s]) => `${k} ${s.toFixed(1)} s`)
    .join(", ");
  console.log(
    `| ${part} | ${what} | ${size} | ${times} | ${peakRssGB().toFixed(1)} GB | ${ok ? "equal" : "DIFFERENT"} |`,
  );
  if (!ok) process.exitCode = 1;
};

function checkLarge(root: string): void {
  // 5 tensors of 120 Mi values (480 MiB each): 2.34 GiB in one file
  const tensors = patternTensors(Array(5).fill(120 * 2 ** 20));
  const dir = join(root, "large");
  let t = now();
  writeTensors(dir, "model", tensors, { maxShardBytes: Number.POSITIVE_INFINITY });
  const write = now() - t;
  const size = statSync(join(dir, "model.safetensors")).size;
  if (size <= 2 * GiB) throw new Error(`large: the file is ${size} bytes, not above 2 GiB`);
  t = now();
  const back = readSafetensorsFile(join(dir, "model.safetensors")).tensors;
  const read = now() - t;
  row(
    "large",
    "one F32 file",
    `${gb(size)} GB (${(size / GiB).toFixed(2)} GiB)`,
    { write, read },
    sameTensors(tensors, back),
  );
  rmSync(dir, { recursive: true, force: true });
}

function checkSharded(root: string): void {
  const tensors = patternTensors(Array(5).fill(120 * 2 ** 20));
  const dir = join(root, "sharded");
  let t = now();
  const files = writeTensors(dir, "model", tensors, { maxShardBytes: 1e9 });
  const write = now() - t;
  t = now();
  const back = readTensors(dir, "model");
  const read = now() - t;
  t = now();
  writeManifest(dir);
  const problem = checkpointProblem(dir);
  const manifest = now() - t;
  const { bytes, largest } = dirBytes(dir);
  row(
    "sharded",
    `${files.length - 1} shards + index, 1 GB limit`,
    `${gb(bytes)} GB, largest file ${gb(largest)} GB`,
    { write, read, "manifest write+verify": manifest },
    sameTensors(tensors, back.tensors) && problem === null,
  );
  if (problem) console.log(`manifest: ${problem}`);
  rmSync(dir, { recursive: true, force: true });
}

/** sha256 of every file of `dir`. */
function fileDigests(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of readdirSync(dir).sort()) {
    const hash = createHash("sha256");
    const fd = openSync(join(dir, f), "r");
    const chunk = Buffer.alloc(64 << 20);
    for (
      let pos = 0, n = readSync(fd, chunk, 0, chunk.length, 0);
      n > 0;
      n = readSync(fd, chunk, 0, chunk.length, pos)
    ) {
      hash.update(chunk.subarray(0, n));
      pos += n;
    }
    closeSync(fd);
    out.set(f, hash.digest("hex"));
  }
  return out;
}

const sameDigests = (a: Map<string, string>, b: Map<string, string>) =>
  a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);

async function checkModel(root: string, threads: number | undefined): Promise<void> {
  const first = join(root, "step-1");
  const again = join(root, "step-1-reloaded");
  let t = now();
  const engine = LocalEngine.fromConfig(QWEN25_05B, 0, { intraOpNumThreads: threads });
  const init = now() - t;
  const params = [...engine.parameters().values()].reduce((a, p) => a + p.length, 0);
  // 32 tokens: the step is about writing its checkpoint, not about speed (bench/ measures that)
  const tokens = Array.from({ length: 33 }, (_, i) => (i * 7919) % QWEN25_05B.vocabSize);
  const datum = {
    inputTokens: tokens.slice(0, -1),
    targetTokens: tokens.slice(1),
    weights: tokens.slice(1).map(() => 1 / 32),
  };
  const step = async () => {
    await engine.forwardBackward([datum], { kind: "cross_entropy" });
    await engine.optimStep({ ...DEFAULT_ADAM, learningRate: 1e-4 });
  };
  t = now();
  await step();
  const train = now() - t;
  t = now();
  await engine.saveState(first);
  const save = now() - t;
  const saved = dirBytes(first);
  const files = readdirSync(first).sort().join(", ");
  // a second step moves weights and moments away from the checkpoint; loadState must bring back exactly
  // what was saved, so saving again gives the same bytes in every file (weights, both moments, state.json)
  await step();
  t = now();
  await engine.loadState(first);
  const load = now() - t;
  await engine.saveState(again);
  const ok = sameDigests(fileDigests(first), fileDigests(again));
  row(
    "model",
    `Qwen2.5-0.5B shape, ${(params / 1e6).toFixed(0)}M parameters: step, saveState, step, loadState, saveState again`,
    `${gb(saved.bytes)} GB in ${saved.files} files (largest ${gb(saved.largest)} GB)`,
    { init, "step (32 tokens)": train, saveState: save, loadState: load },
    ok,
  );
  console.log(`model checkpoint files: ${files}`);
  await engine.close();
  rmSync(first, { recursive: true, force: true });
  rmSync(again, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      parts: { type: "string", default: "large,sharded,model" },
      dir: { type: "string" },
      threads: { type: "string" },
      keep: { type: "boolean", default: false },
    },
  });
  const parts = values.parts.split(",");
  for (const p of parts)
    if (!["large", "sharded", "model"].includes(p)) throw new Error(`--parts: unknown part "${p}"`);
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  if (values.dir) mkdirSync(values.dir, { recursive: true });
  const root = mkdtempSync(join(values.dir ?? tmpdir(), "rlvr-check-checkpoints-"));
  console.log(`node ${process.version}, ${new Date().toISOString()}, files under ${root}`);
  console.log("| part | what | on disk | seconds | peak RSS so far | round trip |");
  console.log("| --- | --- | --- | --- | --- | --- |");
  try {
    if (parts.includes("large")) checkLarge(root);
    if (parts.includes("sharded")) checkSharded(root);
    if (parts.includes("model")) await checkModel(root, threads);
  } finally {
    if (!values.keep) rmSync(root, { recursive: true, force: true });
  }
}

await main();
