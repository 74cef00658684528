// `rlvr serve` against the same work in process, robust to a loaded machine: the two are measured in
// turn (in process, served, in process, served, …) so that load drifting over the run hits both alike,
// and the report gives medians with their spread. Besides wall time it gives CPU time (this process's,
// plus the server child's from /proc), which contention does not inflate: on a shared machine it is the
// fairer figure of what serving costs.
//   sampling: tokens/s of 16 prompts × 4 samples, LocalEngine vs TinkerEngine (rank 0: the same
//     weights, no adapter) through the server; target ≥ 90% of in process.
//   GRPO step: one step's time (steps after the first, which compiles) of a GRPO run with a LoRA of
//     rank 32 (Tinker's default) in process vs --engine tinker; target ≤ 1.3×.
//   npx tsx bench/tinkerServe.ts [--quick] [--rounds N] [--threads N] [--json]
import { readFileSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { LocalEngine } from "../src/engine/local/localEngine.js";
import { TinkerEngine } from "../src/engine/tinker/tinkerEngine.js";
import { loadTokenizer } from "../src/engine/tokenizer/loadTokenizer.js";
import type { SamplingEngine, SamplingParams } from "../src/engine/types.js";
import { parseConfig } from "../src/run/config.js";
import { DEFAULT_MODEL_DIR } from "../src/run/models.js";
import { ProgressReporter } from "../src/run/progress.js";
import { readJsonl } from "../src/run/runDirectory.js";
import { trainRun } from "../src/run/trainRun.js";
import { startChildServer } from "../src/serve/childServer.js";
import { describeMachine, type Machine } from "./report.js";

/** A figure measured in rounds: its median, and the smallest and largest round. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** Medians over the rounds (flat, as `npm run bench` tabulates them), and each one's [min, max] in `ranges`. */
export interface TinkerServeBench {
  machine: Machine & { threads: number; loadavg_start: number[]; loadavg_end: number[] };
  rounds: number;
  sample_tokens_per_s_local: number;
  sample_tokens_per_s_served: number;
  /** Served ÷ in-process tokens/s, per round (wall clock). Target ≥ 0.9. */
  sample_served_ratio: number;
  /** In-process ÷ served CPU seconds per token (client + server), per round. Target ≥ 0.9. */
  sample_served_ratio_cpu: number;
  grpo_step_ms_local: number;
  grpo_step_ms_tinker: number;
  /** Tinker ÷ in-process step time, per round (wall clock). Target ≤ 1.3. */
  grpo_step_tinker_ratio: number;
  /** Tinker ÷ in-process CPU seconds per step (client + server), per round. */
  grpo_step_tinker_ratio_cpu: number;
  ranges: Record<string, [number, number]>;
  threads: number;
}

/** The median (the mean of the middle two of an even count: bench/localEngine.ts's takes the upper one). */
function middle(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[h] : (s[h - 1] + s[h]) / 2;
}

const spread = (xs: number[]): Spread => ({ median: middle(xs), min: Math.min(...xs), max: Math.max(...xs) });

/** CPU seconds of a process from /proc/<pid>/stat (utime + stime, in Linux's fixed 100 ticks/s); 0 elsewhere. */
function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // the fields after the command name, which is in parentheses and may hold spaces
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds used so far by this process and the server child. */
function cpuSeconds(serverPid: number | undefined): number {
  const own = process.cpuUsage();
  return (own.user + own.system) / 1e6 + processCpuSeconds(serverPid);
}

/** One timed sampleMany: tokens per wall second and CPU seconds per token. */
async function sampleOnce(
  engine: SamplingEngine,
  prompts: number[][],
  seed: number,
  serverPid: number | undefined,
): Promise<{ tokensPerS: number; cpuPerToken: number }> {
  const params: SamplingParams = { maxTokens: 64, temperature: 1, topK: -1, topP: 1, seed };
  const cpu0 = cpuSeconds(serverPid);
  const t0 = performance.now();
  const out = await engine.sampleMany(prompts, 4, params);
  const wall = (performance.now() - t0) / 1000;
  const tokens = out.flat().reduce((a, s) => a + s.tokens.length, 0);
  return { tokensPerS: tokens / wall, cpuPerToken: (cpuSeconds(serverPid) - cpu0) / tokens };
}

/** A progress reporter that notes the CPU seconds at the end of every step. */
class CpuAtSteps extends ProgressReporter {
  readonly cpuAt: number[] = [];
  constructor(
    total: number,
    private readonly serverPid: number | undefined,
  ) {
    super({ total, stream: { write: () => true, isTTY: false } as never, live: false });
  }
  override update(step: number, values?: Parameters<ProgressReporter["update"]>[1]): void {
    this.cpuAt.push(cpuSeconds(this.serverPid));
    super.update(step, values);
  }
}

/** A short GRPO run: the median wall ms and CPU seconds of its steps after the first (which compiles). */
async function grpoStep(
  dir: string,
  engine: unknown,
  steps: number,
  serverPid: number | undefined,
): Promise<{ ms: number; cpuS: number }> {
  const progress = new CpuAtSteps(steps, serverPid);
  const config = parseConfig(
    {
      model: "default",
      steps,
      seed: 1,
      engine,
      lora: { rank: 32 },
      batch: { promptsPerStep: 8, groupSize: 4 },
      sampling: { maxTokens: 96 },
      run: { out: dir, checkpointEvery: 0, samplesPerStep: 0 },
    },
    "bench",
  );
  await trainRun(config, { progress });
  const timings = readJsonl(join(dir, "timings.jsonl")) as Record<string, number>[];
  const ms = middle(
    timings.slice(1).map((t) => 1000 * ((t["time/prepare_s"] ?? 0) + (t["time/update_s"] ?? 0))),
  );
  const cpu = progress.cpuAt;
  return { ms, cpuS: middle(cpu.slice(1).map((c, i) => c - cpu[i])) };
}

export async function benchTinkerServe(
  o: { threads?: number; rounds?: number; quick?: boolean } = {},
): Promise<TinkerServeBench> {
  const threads = o.threads ?? availableParallelism();
  const rounds = o.rounds ?? (o.quick ? 2 : 5);
  const grpoSteps = o.quick ? 3 : 4;
  const loadavg_start = loadavg();
  const tmp = mkdtempSync(join(tmpdir(), "rlvr-bench-serve-"));
  const server = await startChildServer({ port: 0, threads, checkpointDir: join(tmp, "server") });
  const pid = server.child.pid;
  try {
    const tokenizer = loadTokenizer(DEFAULT_MODEL_DIR);
    const prompts = Array.from({ length: 16 }, (_, i) =>
      tokenizer.encode(`<|im_start|>user\n${i + 11}+${2 * i + 7}=?<|im_end|>\n<|im_start|>assistant\n`),
    );
    const local = LocalEngine.fromDirectory(DEFAULT_MODEL_DIR, { intraOpNumThreads: threads });
    const remote = await TinkerEngine.open({
      baseUrl: server.url,
      baseModel: "arith-warm-start",
      vocabSize: tokenizer.vocabSize,
      loraRank: 0,
    });
    const sampling = {
      local: [] as number[],
      served: [] as number[],
      ratio: [] as number[],
      cpu: [] as number[],
    };
    const grpo = {
      local: [] as number[],
      tinker: [] as number[],
      ratio: [] as number[],
      cpu: [] as number[],
    };
    try {
      // the first call of each compiles its graphs
      await sampleOnce(local, prompts, 0, undefined);
      await sampleOnce(remote, prompts, 0, pid);
      for (let r = 0; r < rounds; r++) {
        const a = await sampleOnce(local, prompts, r + 1, undefined);
        const b = await sampleOnce(remote, prompts, r + 1, pid);
        sampling.local.push(a.tokensPerS);
        sampling.served.push(b.tokensPerS);
        sampling.ratio.push(b.tokensPerS / a.tokensPerS);
        sampling.cpu.push(a.cpuPerToken / b.cpuPerToken);
      }
    } finally {
      await local.close();
      await remote.close();
    }
    const grpoRounds = Math.max(1, Math.ceil(rounds / 2));
    for (let r = 0; r < grpoRounds; r++) {
      const a = await grpoStep(join(tmp, `local-${r}`), { kind: "local", threads }, grpoSteps, undefined);
      const b = await grpoStep(
        join(tmp, `tinker-${r}`),
        { kind: "tinker", baseUrl: server.url, baseModel: "arith-warm-start" },
        grpoSteps,
        pid,
      );
      grpo.local.push(a.ms);
      grpo.tinker.push(b.ms);
      grpo.ratio.push(b.ms / a.ms);
      grpo.cpu.push(b.cpuS / a.cpuS);
    }
    const figures: Record<string, Spread> = {
      sample_tokens_per_s_local: spread(sampling.local),
      sample_tokens_per_s_served: spread(sampling.served),
      sample_served_ratio: spread(sampling.ratio),
      sample_served_ratio_cpu: spread(sampling.cpu),
      grpo_step_ms_local: spread(grpo.local),
      grpo_step_ms_tinker: spread(grpo.tinker),
      grpo_step_tinker_ratio: spread(grpo.ratio),
      grpo_step_tinker_ratio_cpu: spread(grpo.cpu),
    };
    const medians = Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, v.median]));
    return {
      machine: { ...describeMachine(), threads, loadavg_start, loadavg_end: loadavg() },
      rounds,
      ...(medians as Omit<TinkerServeBench, "machine" | "rounds" | "ranges" | "threads">),
      ranges: Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, [v.min, v.max]])),
      threads,
    };
  } finally {
    server.child.kill("SIGTERM");
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const flag = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : undefined;
  };
  const r = await benchTinkerServe({
    threads: flag("--threads"),
    rounds: flag("--rounds"),
    quick: process.argv.includes("--quick"),
  });
  if (process.argv.includes("--json")) process.stdout.write(`${JSON.stringify(r)}\n`);
  else {
    const s = (key: keyof TinkerServeBench, digits = 0) =>
      `${(r[key] as number).toFixed(digits)} (${r.ranges[key].map((x) => x.toFixed(digits)).join("–")})`;
    const m = r.machine;
    process.stdout.write(
      `machine: ${m.cores} cores, ${m.cpuModel}, ${m.totalMemoryMb} MB, Node ${m.node}, ${m.threads} threads; ` +
        `load average ${m.loadavg_start.map((x) => x.toFixed(2)).join(" ")} at the start, ${m.loadavg_end.map((x) => x.toFixed(2)).join(" ")} at the end\n` +
        `medians (min–max) over ${r.rounds} interleaved rounds (GRPO: ${Math.ceil(r.rounds / 2)})\n` +
        `sampling tokens/s: ${s("sample_tokens_per_s_local")} in process, ${s("sample_tokens_per_s_served")} through rlvr serve\n` +
        `  served / in process: ${s("sample_served_ratio", 2)} wall, ${s("sample_served_ratio_cpu", 2)} CPU (target ≥ 0.90)\n` +
        `GRPO step ms (LoRA r32): ${s("grpo_step_ms_local")} in process, ${s("grpo_step_ms_tinker")} through --engine tinker\n` +
        `  tinker / in process: ${s("grpo_step_tinker_ratio", 2)} wall, ${s("grpo_step_tinker_ratio_cpu", 2)} CPU (target ≤ 1.30)\n`,
    );
  }
}
