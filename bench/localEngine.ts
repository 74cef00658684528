// Benchmark of the local engine on the reference model of issue 2 (Qwen2 architecture: vocab 64,
// d 256, 4 layers, 4 heads / 4 kv heads, MLP 1024, context 128): training step = 16 × 128 tokens
// forward + backward + AdamW (median after warm-up); sampling = 16 prompts of 64 tokens, 64 new
// tokens each with the KV cache; peak RSS of the process.
// Usage: npx tsx bench/localEngine.ts [--json] [--threads N] [--steps N]
import { availableParallelism, cpus, loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import { Rng } from "../src/core/rng.js";
import { LocalEngine } from "../src/engine/local/localEngine.js";
import type { ModelConfig } from "../src/engine/local/modelConfig.js";
import { DEFAULT_ADAM, type Datum } from "../src/engine/types.js";

export const REFERENCE_MODEL: ModelConfig = {
  vocabSize: 64,
  hiddenSize: 256,
  intermediateSize: 1024,
  numHiddenLayers: 4,
  numAttentionHeads: 4,
  numKeyValueHeads: 4,
  headDim: 64,
  rmsNormEps: 1e-6,
  ropeTheta: 10000,
  maxPositionEmbeddings: 128,
  tieWordEmbeddings: false,
  attentionBias: true,
  modelType: "qwen2",
};

export interface LocalEngineBench {
  train_step_ms: number;
  sample_tokens_per_s: number;
  peak_rss_mb: number;
  /** Process CPU time (user + system) per training step: the work, independent of other load. */
  train_step_cpu_ms: number;
  /** The 1-minute load average before the run: figures from a loaded machine are slower. */
  machine: { cores: number; cpu: string; threads: number; load_average: number };
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchLocalEngine(
  options: { threads?: number; steps?: number } = {},
): Promise<LocalEngineBench> {
  const threads = options.threads ?? availableParallelism();
  const steps = options.steps ?? 7;
  const engine = LocalEngine.fromConfig(REFERENCE_MODEL, 1, { intraOpNumThreads: threads });
  const rng = new Rng(2);
  const [batch, context] = [16, 128];
  const datums: Datum[] = Array.from({ length: batch }, () => {
    const seq = Array.from({ length: context + 1 }, () => rng.int(0, REFERENCE_MODEL.vocabSize - 1));
    return {
      inputTokens: seq.slice(0, -1),
      targetTokens: seq.slice(1),
      weights: new Array(context).fill(1 / (batch * context)),
    };
  });
  const adam = { ...DEFAULT_ADAM, learningRate: 1e-3 };
  const loadAverage = loadavg()[0];
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (let i = 0; i < steps + 2; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await engine.forwardBackward(datums, { kind: "cross_entropy" });
    await engine.optimStep(adam);
    const c = process.cpuUsage(c0);
    // two warm-up steps (compile, allocator)
    if (i >= 2) {
      times.push(performance.now() - t0);
      cpuTimes.push((c.user + c.system) / 1000);
    }
  }

  const prompts = Array.from({ length: 16 }, () =>
    Array.from({ length: 64 }, () => rng.int(0, REFERENCE_MODEL.vocabSize - 1)),
  );
  const params = { maxTokens: 64, temperature: 1, topK: -1, topP: 1, seed: 3 };
  await engine.sampleMany(prompts, 1, params); // warm-up (compile)
  const rates: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const out = await engine.sampleMany(prompts, 1, { ...params, seed: 4 + i });
    const tokens = out.reduce((n, r) => n + r[0].tokens.length, 0);
    rates.push(tokens / ((performance.now() - t0) / 1000));
  }
  await engine.close();
  return {
    train_step_ms: Math.round(median(times) * 10) / 10,
    sample_tokens_per_s: Math.round(median(rates)),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    train_step_cpu_ms: Math.round(median(cpuTimes) * 10) / 10,
    machine: {
      cores: availableParallelism(),
      cpu: cpus()[0]?.model ?? "unknown",
      threads,
      load_average: Math.round(loadAverage * 100) / 100,
    },
  };
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const threads = flag("--threads");
  const steps = flag("--steps");
  const r = await benchLocalEngine({
    threads: threads === undefined ? undefined : Number(threads),
    steps: steps === undefined ? undefined : Number(steps),
  });
  if (process.argv.includes("--json")) {
    console.log(JSON.stringify(r));
  } else {
    console.log(`local engine (${r.machine.cores} cores, ${r.machine.cpu}, ${r.machine.threads} threads)`);
    console.log(`  training step (16 × 128 tokens, fwd+bwd+AdamW): ${r.train_step_ms} ms`);
    console.log(`  sampling (16 × 64 new tokens, KV cache):       ${r.sample_tokens_per_s} tokens/s`);
    console.log(`  peak RSS:                                       ${r.peak_rss_mb} MB`);
    console.log(`  CPU time per training step:                     ${r.train_step_cpu_ms} ms`);
    console.log(`  load average before the run:                    ${r.machine.load_average}`);
  }
}
