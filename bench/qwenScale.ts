// The scale benchmark: the Qwen2.5-0.5B shape with random weights (hidden 896, 24 layers, 14 query /
// 2 key-value heads, MLP 4864, vocabulary 151936, tied embeddings, q/k/v bias; 494M parameters,
// 1.98 GB in fp32) on the local engine and on PyTorch (bench/pytorch_qwen_scale.py), each measurement
// in its own process so that its peak RSS is its own:
//   full    forward + backward of 8 × 256 tokens (micro-batches of 256 tokens, gradients accumulated)
//           and one AdamW step; peak RSS
//   lora    the same with LoRA rank 16 (α 32, all seven linear layers) on frozen weights; peak RSS
//   sample  sampling tokens/s with the KV cache at batch 1 and 8 (prompt 64 tokens, 32 new tokens)
// Issue 21's targets: training step and sampling at least as fast as PyTorch; full fine-tuning peak RSS
// ≤ 4.5× the fp32 weight bytes, LoRA ≤ 1.6×.
// Usage: npx tsx bench/qwenScale.ts [--json] [--threads N] [--micro-batch-tokens N] [--skip-pytorch]
//        npx tsx bench/qwenScale.ts --worker full|lora|sample [--steps N] [...]   (one measurement, one JSON line)
import { spawn } from "node:child_process";
import { availableParallelism, cpus, loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import { LORA_TARGET_MODULES } from "../src/core/choices.js";
import { Rng } from "../src/core/rng.js";
import { CompiledGraph } from "../src/engine/local/graph/runtime.js";
import { LocalEngine, trainingGraph } from "../src/engine/local/localEngine.js";
import { type Parameters, parameterShapes } from "../src/engine/local/model.js";
import type { ModelConfig } from "../src/engine/local/modelConfig.js";
import { DEFAULT_ADAM, type Datum } from "../src/engine/types.js";
import { openblasEnv } from "./openblas.js";
import { findTorchPython, lastJsonObject, REPO_ROOT } from "./sections.js";
import { formatTable } from "./table.js";
import { largeFloat32Array } from "../src/engine/local/hugePages.js";

/** Qwen/Qwen2.5-0.5B's config.json, in the engine's terms. */
export const QWEN25_05B: ModelConfig = {
  vocabSize: 151936,
  hiddenSize: 896,
  intermediateSize: 4864,
  numHiddenLayers: 24,
  numAttentionHeads: 14,
  numKeyValueHeads: 2,
  headDim: 64,
  rmsNormEps: 1e-6,
  ropeTheta: 1000000,
  maxPositionEmbeddings: 32768,
  tieWordEmbeddings: true,
  attentionBias: true,
  modelType: "qwen2",
};

export const WORKERS = ["full", "lora", "sample"] as const;
type Worker = (typeof WORKERS)[number];

export interface ScaleOptions {
  threads: number;
  seqs: number;
  seqLen: number;
  microBatchTokens: number;
  loraRank: number;
  prompt: number;
  newTokens: number;
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
const secondsSince = (t0: number) => Math.round((performance.now() - t0) / 10) / 100;
/** CPU seconds (user + system, every thread of the process): the work, whatever else loads the machine. */
const cpuSecondsSince = (c0: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(c0);
  return Math.round((c.user + c.system) / 1e4) / 100;
};

/**
 * Random weights of the engine's init scale, fast: U(−a, a) with a = 0.02·√3 (std 0.02, as HF's
 * N(0, 0.02²) init), norms 1, biases 0. initParameters' 494M normal draws take minutes of JS on a
 * loaded 2-core machine; the figures measured here do not depend on the distribution.
 */
export function randomWeights(cfg: ModelConfig, seed: number): Parameters {
  const params: Parameters = new Map();
  let s = seed >>> 0 || 1;
  const a = 0.02 * Math.sqrt(3);
  for (const [name, shape] of parameterShapes(cfg)) {
    const data = largeFloat32Array(shape.reduce((x, y) => x * y, 1));
    if (name.endsWith("norm.weight")) data.fill(1);
    else if (!name.endsWith(".bias")) {
      for (let i = 0; i < data.length; i++) {
        // xorshift32 (Marsaglia 2003)
        s ^= s << 13;
        s ^= s >>> 17;
        s ^= s << 5;
        data[i] = ((s >>> 0) / 4294967296 - 0.5) * 2 * a;
      }
    }
    params.set(name, data);
  }
  return params;
}

/** One measurement on the local engine (run in its own process). */
/**
 * `steps` > 1 (a worker's --steps) trains more steps after the first, whose figures stay those reported:
 * peak_rss_mb is then over all steps (a later step's forward+backward runs beside the AdamW moments, which
 * the first step's does not), step1_peak_rss_mb the first step's.
 */
export async function localWorker(
  mode: Worker,
  o: ScaleOptions,
  steps = 1,
): Promise<Record<string, unknown>> {
  const cfg = QWEN25_05B;
  let t0 = performance.now();
  const params = randomWeights(cfg, 1);
  const nParams = [...parameterShapes(cfg).values()].reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
  const out: Record<string, unknown> = { init_s: secondsSince(t0), params: nParams };
  const lora =
    mode === "lora"
      ? { rank: o.loraRank, alpha: 32, dropout: 0, targetModules: [...LORA_TARGET_MODULES] }
      : undefined;
  const engine = new LocalEngine(cfg, params, {
    intraOpNumThreads: o.threads,
    microBatchTokens: o.microBatchTokens,
    maxSampleBatch: 8,
    seed: 1,
    lora,
  });
  const rng = new Rng(2);
  const tokens = (n: number) => Array.from({ length: n }, () => rng.int(0, cfg.vocabSize - 1));
  if (mode === "sample") {
    const prompts = Array.from({ length: 8 }, () => tokens(o.prompt));
    const sampling = { maxTokens: o.newTokens, temperature: 1, topK: -1, topP: 1 };
    for (const batch of [1, 8]) {
      await engine.sampleMany(prompts.slice(0, batch), 1, { ...sampling, seed: 3 }); // warm-up (compile)
      t0 = performance.now();
      const r = await engine.sampleMany(prompts.slice(0, batch), 1, { ...sampling, seed: 4 });
      const n = r.reduce((s, x) => s + x[0].tokens.length, 0);
      out[`sample_b${batch}_tokens_per_s`] = Math.round((n / ((performance.now() - t0) / 1000)) * 100) / 100;
    }
  } else {
    if (lora)
      out.trained_params = [...engine.loraAdapters()!.adapters.values()].reduce((n, a) => n + a.length, 0);
    const datums: Datum[] = Array.from({ length: o.seqs }, () => {
      const seq = tokens(o.seqLen + 1);
      return {
        inputTokens: seq.slice(0, -1),
        targetTokens: seq.slice(1),
        weights: new Array(o.seqLen).fill(1 / (o.seqs * o.seqLen)),
      };
    });
    t0 = performance.now();
    let c0 = process.cpuUsage();
    await engine.forwardBackward(datums, { kind: "cross_entropy" });
    out.fwd_bwd_s = secondsSince(t0);
    out.fwd_bwd_cpu_s = cpuSecondsSince(c0);
    // the peak so far: the forward+backward's (the AdamW moments do not exist yet in a first step)
    out.fwd_bwd_peak_rss_mb = peakRssMb();
    t0 = performance.now();
    c0 = process.cpuUsage();
    await engine.optimStep({ ...DEFAULT_ADAM, learningRate: 1e-4 });
    out.adamw_s = secondsSince(t0);
    out.adamw_cpu_s = cpuSecondsSince(c0);
    out.step_s = Math.round(((out.fwd_bwd_s as number) + (out.adamw_s as number)) * 100) / 100;
    if (steps > 1) {
      out.steps = steps;
      out.step1_peak_rss_mb = peakRssMb();
      for (let s = 2; s <= steps; s++) {
        t0 = performance.now();
        await engine.forwardBackward(datums, { kind: "cross_entropy" });
        const fwdBwd = secondsSince(t0);
        t0 = performance.now();
        await engine.optimStep({ ...DEFAULT_ADAM, learningRate: 1e-4 });
        // the second step: the AdamW moments exist (no first-touch allocation)
        if (s === 2) Object.assign(out, { step2_fwd_bwd_s: fwdBwd, step2_adamw_s: secondsSince(t0) });
      }
      out.step2_s = Math.round(((out.step2_fwd_bwd_s as number) + (out.step2_adamw_s as number)) * 100) / 100;
    }
    // the peak of the training alone: a second compilation of the graph (below) leaves memory behind
    // (measured: the LoRA step's peak was 414 MB higher with it before the step)
    out.peak_rss_mb = peakRssMb();
    // the part of the first forward+backward that is tracing and compiling (the engine does it once per shape)
    t0 = performance.now();
    const rows = Math.max(1, Math.floor(o.microBatchTokens / o.seqLen));
    const g = trainingGraph(cfg, { kind: "cross_entropy" }, rows, o.seqLen, true, { lora, accumulate: true });
    await (await CompiledGraph.compile(g, { intraOpNumThreads: o.threads })).release();
    out.compile_s = secondsSince(t0);
  }
  out.peak_rss_mb ??= peakRssMb();
  out.threads = o.threads;
  await engine.close();
  return out;
}

/** Runs a command and returns the JSON object on its last stdout line (stderr passes through). */
function runChild(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const figures = lastJsonObject(stdout);
      if (code === 0 && figures) resolve(figures);
      else
        reject(
          new Error(
            `${command} ${args.join(" ")}: ${signal ? `killed by ${signal}` : `exit code ${code}`}\n${stdout.slice(-500)}`,
          ),
        );
    });
  });
}

const optionArgs = (o: ScaleOptions) => [
  "--threads",
  String(o.threads),
  "--seqs",
  String(o.seqs),
  "--seq-len",
  String(o.seqLen),
  "--micro-batch-tokens",
  String(o.microBatchTokens),
  "--lora-rank",
  String(o.loraRank),
  "--prompt",
  String(o.prompt),
  "--new-tokens",
  String(o.newTokens),
];

/** Full fine-tuning trains two steps (a later step runs beside the AdamW moments: its peak is the larger). */
const stepArgs = (w: Worker) => (w === "full" ? ["--steps", "2"] : []);

export interface ScaleReport {
  machine: {
    cpu: string;
    cores: number;
    threads: number;
    load_average_before: number;
    openblas_coretype: string;
  };
  options: ScaleOptions;
  weight_mb: number;
  local: Record<Worker, Record<string, unknown>>;
  pytorch: Record<Worker, Record<string, unknown>> | { skipped: string };
}

/** Every measurement, each in its own child process: the local engine's, then PyTorch's. */
export async function runScaleBench(
  o: ScaleOptions,
  withPytorch: boolean,
  log: (s: string) => void,
): Promise<ScaleReport> {
  const blas = openblasEnv();
  const load = loadavg()[0];
  const local = {} as Record<Worker, Record<string, unknown>>;
  for (const w of WORKERS) {
    log(`  local ${w}…`);
    local[w] = await runChild(process.execPath, [
      "--import",
      "tsx",
      "bench/qwenScale.ts",
      "--worker",
      w,
      ...optionArgs(o),
      ...stepArgs(w),
    ]);
  }
  let pytorch: ScaleReport["pytorch"] = { skipped: "--skip-pytorch" };
  const python = withPytorch ? findTorchPython() : null;
  if (withPytorch && !python) pytorch = { skipped: "no python with torch (scripts/install-pytorch.sh)" };
  if (python) {
    log(`  PyTorch with OPENBLAS_CORETYPE=${blas.OPENBLAS_CORETYPE ?? "(unset)"}`);
    const figures = {} as Record<Worker, Record<string, unknown>>;
    for (const w of WORKERS) {
      log(`  pytorch ${w}…`);
      figures[w] = await runChild(
        python,
        ["bench/pytorch_qwen_scale.py", "--mode", w, ...optionArgs(o), ...stepArgs(w)],
        {
          OPENBLAS_NUM_THREADS: process.env.OPENBLAS_NUM_THREADS ?? "1",
          ...blas,
        },
      );
    }
    pytorch = figures;
  }
  const weightBytes = [...parameterShapes(QWEN25_05B).values()].reduce(
    (n, s) => n + 4 * s.reduce((a, b) => a * b, 1),
    0,
  );
  return {
    machine: {
      cpu: cpus()[0]?.model.trim() ?? "unknown",
      cores: availableParallelism(),
      threads: o.threads,
      load_average_before: Math.round(load * 100) / 100,
      openblas_coretype: blas.OPENBLAS_CORETYPE ?? "(unset)",
    },
    options: o,
    weight_mb: mb(weightBytes),
    local,
    pytorch,
  };
}

const num = (x: unknown) => (typeof x === "number" && Number.isFinite(x) ? x : null);

/** The side-by-side table: each figure for rlvr and PyTorch, ours ÷ theirs as a speed or size ratio, and the target. */
export function scaleTable(r: ScaleReport): string {
  const torch = "skipped" in r.pytorch ? null : r.pytorch;
  const w = r.weight_mb;
  const rows: [string, Worker, string, "s" | "tok/s" | "MB", string][] = [
    ["full FT: forward+backward", "full", "fwd_bwd_s", "s", "≤ PyTorch"],
    ["full FT: AdamW (first step: moments allocated)", "full", "adamw_s", "s", "≤ PyTorch"],
    ["full FT: step (the first)", "full", "step_s", "s", "≤ PyTorch"],
    ["full FT: second step, AdamW", "full", "step2_adamw_s", "s", ""],
    ["full FT: second step", "full", "step2_s", "s", "≤ PyTorch"],
    ["full FT: forward+backward, CPU time", "full", "fwd_bwd_cpu_s", "s", ""],
    ["full FT: AdamW, CPU time", "full", "adamw_cpu_s", "s", ""],
    [
      "full FT: peak RSS (two steps)",
      "full",
      "peak_rss_mb",
      "MB",
      `≤ 4.5× weights = ${Math.round(4.5 * w)} MB`,
    ],
    [`LoRA r${r.options.loraRank}: forward+backward`, "lora", "fwd_bwd_s", "s", "≤ PyTorch"],
    [`LoRA r${r.options.loraRank}: AdamW`, "lora", "adamw_s", "s", ""],
    [`LoRA r${r.options.loraRank}: forward+backward, CPU time`, "lora", "fwd_bwd_cpu_s", "s", ""],
    [
      `LoRA r${r.options.loraRank}: peak RSS`,
      "lora",
      "peak_rss_mb",
      "MB",
      `≤ 1.6× weights = ${Math.round(1.6 * w)} MB`,
    ],
    ["sampling, batch 1", "sample", "sample_b1_tokens_per_s", "tok/s", "≥ PyTorch"],
    ["sampling, batch 8", "sample", "sample_b8_tokens_per_s", "tok/s", "≥ PyTorch"],
  ];
  const fmt = (x: number | null, unit: string) =>
    x === null ? "—" : `${x >= 100 ? x.toFixed(0) : x.toFixed(2)} ${unit}`;
  const table = [
    ["", "rlvr local", ...(torch ? ["PyTorch", "ours vs PyTorch"] : []), "× fp32 weights", "target"],
  ];
  for (const [label, worker, key, unit, target] of rows) {
    const ours = num(r.local[worker]?.[key]);
    const theirs = torch ? num(torch[worker]?.[key]) : null;
    let vs = "—";
    if (ours !== null && theirs !== null && ours > 0 && theirs > 0) {
      if (unit === "MB") vs = `${(ours / theirs).toFixed(2)}×`;
      else {
        const speedup = unit === "s" ? theirs / ours : ours / theirs;
        vs = speedup >= 1 ? `${speedup.toFixed(2)}× faster` : `${(1 / speedup).toFixed(2)}× slower`;
      }
    }
    const ofWeights = unit === "MB" && ours !== null ? `${(ours / w).toFixed(2)}×` : "";
    table.push([label, fmt(ours, unit), ...(torch ? [fmt(theirs, unit), vs] : []), ofWeights, target]);
  }
  return formatTable(table);
}

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${name}: expected a positive integer, got ${process.argv[i + 1]}`);
  return n;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const options: ScaleOptions = {
    threads: flag("--threads", availableParallelism()),
    seqs: flag("--seqs", 8),
    seqLen: flag("--seq-len", 256),
    microBatchTokens: flag("--micro-batch-tokens", 256),
    loraRank: flag("--lora-rank", 16),
    prompt: flag("--prompt", 64),
    newTokens: flag("--new-tokens", 32),
  };
  const wi = process.argv.indexOf("--worker");
  if (wi >= 0) {
    const mode = process.argv[wi + 1] as Worker;
    if (!WORKERS.includes(mode)) throw new Error(`--worker: one of ${WORKERS.join(", ")}`);
    console.log(JSON.stringify(await localWorker(mode, options, flag("--steps", 1))));
  } else {
    const json = process.argv.includes("--json");
    const t0 = performance.now();
    const r = await runScaleBench(options, !process.argv.includes("--skip-pytorch"), (s) =>
      process.stderr.write(`${s}\n`),
    );
    const m = r.machine;
    const say = (s: string) => (json ? process.stderr : process.stdout).write(`${s}\n`);
    say(
      `Qwen2.5-0.5B shape, random weights (${r.weight_mb} MB fp32); ${m.cpu}, ${m.cores} cores, ${m.threads} threads; load average before ${m.load_average_before}; PyTorch's OPENBLAS_CORETYPE=${m.openblas_coretype}`,
    );
    say(scaleTable(r));
    say(`(${Math.round((performance.now() - t0) / 1000)} s in all)`);
    if (json) console.log(JSON.stringify(r));
  }
}
