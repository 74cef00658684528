import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
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
import { median } from "./localEngine.js";

export interface TinkerServeBench {
  sample_tokens_per_s_local: number;
  sample_tokens_per_s_served: number;
  sample_served_ratio: number;
  grpo_step_ms_local: number;
  grpo_step_ms_tinker: number;
  grpo_step_tinker_ratio: number;
  threads: number;
}

async function tokensPerSecond(engine: SamplingEngine, prompts: number[][]): Promise<number> {
  const params: SamplingParams = { maxTokens: 64, temperature: 1, topK: -1, topP: 1 };
  const rates: number[] = [];
  for (let i = 0; i < 4; i++) {
    const t0 = performance.now();
    const out = await engine.sampleMany(prompts, 4, { ...params, seed: i });
    const tokens = out.flat().reduce((a, s) => a + s.tokens.length, 0);
    if (i > 0) rates.push(tokens / ((performance.now() - t0) / 1000)); // the first compiles
  }
  return median(rates);
}

async function grpoStepMs(dir: string, engine: unknown): Promise<number> {
  const quiet = new ProgressReporter({
    total: 4,
    stream: { write: () => true, isTTY: false } as never,
    live: false,
  });
  const config = parseConfig(
    {
      model: "default",
      steps: 4,
      seed: 1,
      engine,
      batch: { promptsPerStep: 8, groupSize: 4 },
      sampling: { maxTokens: 96 },
      run: { out: dir, checkpointEvery: 0, samplesPerStep: 0 },
    },
    "bench",
  );
  await trainRun(config, { progress: quiet });
  const timings = readJsonl(join(dir, "timings.jsonl")) as Record<string, number>[];
  return median(timings.slice(1).map((t) => 1000 * ((t["time/prepare_s"] ?? 0) + (t["time/update_s"] ?? 0))));
}

export async function benchTinkerServe(threads = availableParallelism()): Promise<TinkerServeBench> {
  const tmp = mkdtempSync(join(tmpdir(), "rlvr-bench-serve-"));
  const server = await startChildServer({ port: 0, threads, checkpointDir: join(tmp, "server") });
  try {
    const tokenizer = loadTokenizer(DEFAULT_MODEL_DIR);
    const prompts = Array.from({ length: 16 }, (_, i) =>
      tokenizer.encode(`<|im_start|>user\n${i + 11}+${2 * i + 7}=?<|im_end|>\n<|im_start|>assistant\n`),
    );
    const local = LocalEngine.fromDirectory(DEFAULT_MODEL_DIR, { intraOpNumThreads: threads });
    const sample_tokens_per_s_local = await tokensPerSecond(local, prompts);
    await local.close();
    const remote = await TinkerEngine.open({
      baseUrl: server.url,
      baseModel: "arith-warm-start",
      vocabSize: tokenizer.vocabSize,
    });
    const sample_tokens_per_s_served = await tokensPerSecond(remote, prompts);
    await remote.close();
    const grpo_step_ms_local = await grpoStepMs(join(tmp, "local"), { kind: "local", threads });
    const grpo_step_ms_tinker = await grpoStepMs(join(tmp, "tinker"), {
      kind: "tinker",
      baseUrl: server.url,
      baseModel: "arith-warm-start",
    });
    return {
      sample_tokens_per_s_local,
      sample_tokens_per_s_served,
      sample_served_ratio: sample_tokens_per_s_served / sample_tokens_per_s_local,
      grpo_step_ms_local,
      grpo_step_ms_tinker,
      grpo_step_tinker_ratio: grpo_step_ms_tinker / grpo_step_ms_local,
      threads,
    };
  } finally {
    server.child.kill("SIGTERM");
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const i = process.argv.indexOf("--threads");
  const r = await benchTinkerServe(i > 0 ? Number(process.argv[i + 1]) : undefined);
  if (process.argv.includes("--json")) process.stdout.write(`${JSON.stringify(r)}\n`);
  else
    process.stdout.write(
      `sampling: ${r.sample_tokens_per_s_local.toFixed(0)} tokens/s in process, ${r.sample_tokens_per_s_served.toFixed(0)} through rlvr serve (${(100 * r.sample_served_ratio).toFixed(0)}%, target ≥ 90%)\n` +
        `GRPO step: ${r.grpo_step_ms_local.toFixed(0)} ms in process, ${r.grpo_step_ms_tinker.toFixed(0)} ms through --engine tinker (${r.grpo_step_tinker_ratio.toFixed(2)}×, target ≤ 1.3×)\n`,
    );
}
