// The RL training loop around an algorithm step: data order, learning-rate schedule, metrics and
// samples files, checkpoints and resume. Everything that varies between runs with the same seed
// (wall-clock times, tokens/s) goes to timings.jsonl, so metrics.jsonl is identical across reruns.
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { type GrpoContext, type GrpoOptions, grpoStep } from "../algorithms/grpo.js";
import type { RolloutGroup } from "../algorithms/rollouts.js";
import { Rng } from "../core/rng.js";
import { learningRateAt } from "../core/schedule.js";
import type { AdamParams, SamplingParams, TrainingEngine } from "../engine/types.js";
import type { Problem } from "../tasks/types.js";
import type { Config } from "./config.js";
import type { ProgressReporter } from "./progress.js";
import type { RunDirectory, TrainerState } from "./runDirectory.js";

export const TIMINGS_FILE = "timings.jsonl";

/** Problems of step `step`: epoch-wise shuffles of the pool under the seed, a pure function of (seed, step). */
export function problemsForStep(
  pool: readonly Problem[],
  step: number,
  perStep: number,
  seed: number,
): Problem[] {
  if (pool.length === 0) throw new Error("training pool is empty");
  const out: Problem[] = [];
  let epochCache = -1;
  let order: Problem[] = [];
  for (let j = 0; j < perStep; j++) {
    const k = step * perStep + j;
    const epoch = Math.floor(k / pool.length);
    if (epoch !== epochCache) {
      order = Rng.derive(seed, 0x5eed, epoch).shuffle(pool);
      epochCache = epoch;
    }
    out.push(order[k % pool.length]);
  }
  return out;
}

/** The GRPO options of a config (the algorithm layer does not import the config schema). */
export function grpoOptionsOf(config: Config, microBatchSize = 32): GrpoOptions {
  return {
    groupSize: config.batch.groupSize,
    sampling: { ...config.sampling },
    reward: config.reward.kind,
    advantage: config.advantage,
    loss: config.loss,
    updatesPerBatch: config.optim.updatesPerBatch,
    microBatchSize,
  };
}

/** AdamW parameters of step `step` (0-based) under the config's schedule. */
export function adamAt(config: Config, step: number): AdamParams {
  const o = config.optim;
  return {
    learningRate: learningRateAt(step, config.steps, {
      baseLr: o.lr,
      schedule: o.schedule,
      warmupRatio: o.warmupRatio,
      minLrRatio: o.minLrRatio,
    }),
    beta1: o.beta1,
    beta2: o.beta2,
    eps: o.eps,
    weightDecay: o.weightDecay,
    gradClipNorm: o.gradClipNorm,
  };
}

/** The sample records of one step: the first `limit` trajectories, with their group's advantages. */
export function sampleRecords(
  step: number,
  groups: readonly RolloutGroup[],
  advantages_PG: number[][],
  limit: number,
) {
  const out: { step: number; [k: string]: unknown }[] = [];
  for (const [p, g] of groups.entries()) {
    for (const [i, t] of g.trajectories_G.entries()) {
      if (out.length >= limit) return out;
      out.push({
        step,
        problem_id: g.problem.id,
        question: g.problem.question,
        gold: g.problem.gold,
        completion: t.completionText,
        reward: t.reward,
        correct: t.correct,
        truncated: t.truncated,
        advantage: advantages_PG[p][i],
        reason: t.reason,
      });
    }
  }
  return out;
}

/** What one algorithm step returns to the loop (GRPO's and MGRPO's steps both fit). */
export interface AlgorithmStepResult {
  groups: RolloutGroup[];
  advantages_PG: number[][];
  /** Learning metrics (deterministic under the seed) and, under time_* / *_per_s keys, wall-clock ones. */
  metrics: Record<string, number | null>;
}

/** One step of an algorithm: the step's problems, AdamW parameters and sampling parameters (seeded). */
export type AlgorithmStep = (
  problems: readonly Problem[],
  adam: AdamParams,
  sampling: SamplingParams,
  step: number,
) => Promise<AlgorithmStepResult>;

export interface TrainLoopOptions {
  run: RunDirectory;
  config: Config;
  engine: TrainingEngine;
  step: AlgorithmStep;
  pool: readonly Problem[];
  /** Completed steps at start (from the checkpoint when resuming). */
  startStep: number;
  progress?: ProgressReporter;
}

/** Wall-clock metrics go to timings.jsonl, the rest to metrics.jsonl. */
function isTiming(key: string): boolean {
  return key.startsWith("time_") || key.endsWith("_per_s");
}

/** Runs an algorithm from `startStep` to `config.steps`, checkpointing as configured and at the end. */
export async function runTrainingLoop(o: TrainLoopOptions): Promise<Record<string, number | null>> {
  const { run, config } = o;
  let last: Record<string, number | null> = {};
  for (let s = o.startStep; s < config.steps; s++) {
    const problems = problemsForStep(o.pool, s, config.batch.promptsPerStep, config.seed);
    const sampling = { ...config.sampling, seed: Rng.derive(config.seed, 0x5a3b, s).nextU32() };
    const result = await o.step(problems, adamAt(config, s), sampling, s);
    const step = s + 1;
    last = result.metrics;
    const learning = Object.fromEntries(Object.entries(result.metrics).filter(([k]) => !isTiming(k)));
    const timing = Object.fromEntries(Object.entries(result.metrics).filter(([k]) => isTiming(k)));
    run.appendMetrics({ step, ...learning });
    appendFileSync(join(run.dir, TIMINGS_FILE), `${JSON.stringify({ step, ...timing })}\n`);
    run.appendSamples(sampleRecords(step, result.groups, result.advantages_PG, config.run.samplesPerStep));
    const every = config.run.checkpointEvery;
    if ((every > 0 && step % every === 0) || step === config.steps) {
      const state: TrainerState = { step };
      await run.saveCheckpoint(state, (dir) => o.engine.saveState(dir));
    }
    o.progress?.update(step, {
      reward: result.metrics.reward_mean ?? undefined,
      accuracy: result.metrics.accuracy ?? undefined,
      tokensPerSecond: result.metrics.sample_tokens_per_s ?? undefined,
    });
  }
  return last;
}

/** The GRPO step of a config, for runTrainingLoop. */
export function grpoAlgorithmStep(config: Config, ctx: GrpoContext): AlgorithmStep {
  const options = grpoOptionsOf(config);
  return (problems, adam, sampling) => grpoStep(ctx, problems, { ...options, sampling }, adam);
}
