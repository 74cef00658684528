// The RL training loop around an algorithm step: data order, learning-rate schedule, metrics and
// samples files, checkpoints and resume. Everything that varies between runs with the same seed
// (wall-clock times, tokens/s) goes to timings.jsonl, so metrics.jsonl is identical across reruns.
import {
  type AlgorithmContext,
  type MoreProblems,
  type SampleRecord,
  type StepResult,
  trajectoryRecord,
} from "../algorithms/context.js";
import { type GrpoOptions, grpoStep } from "../algorithms/grpo.js";
import type { RolloutGroup } from "../algorithms/rollouts.js";
import { DifficultyFilter } from "../core/deadZone.js";
import { isTimingKey, type Metrics } from "../core/metrics.js";
import { Rng } from "../core/rng.js";
import { learningRateAt } from "../core/schedule.js";
import type { AdamParams, SamplingParams, TrainingEngine } from "../engine/types.js";
import type { Problem } from "../tasks/types.js";
import type { Config } from "./config.js";
import { exampleHistoryRecords, labelAuditRecords, reflectionMetrics } from "./exampleRecords.js";
import type { ProgressReporter } from "./progress.js";
import type { RunDirectory, TrainerState } from "./runDirectory.js";

/** Problem k of the seeded order: epoch-wise shuffles of the pool under the seed, a pure function of (seed, k). */
export function problemsAt(pool: readonly Problem[], start: number, count: number, seed: number): Problem[] {
  if (pool.length === 0) throw new Error("training pool is empty");
  const out: Problem[] = [];
  let epochCache = -1;
  let order: Problem[] = [];
  for (let k = start; k < start + count; k++) {
    const epoch = Math.floor(k / pool.length);
    if (epoch !== epochCache) {
      order = Rng.derive(seed, 0x5eed, epoch).shuffle(pool);
      epochCache = epoch;
    }
    out.push(order[k % pool.length]);
  }
  return out;
}

/** Problems of step `step` when every step draws `perStep` problems: problemsAt(pool, step·perStep, perStep). */
export function problemsForStep(
  pool: readonly Problem[],
  step: number,
  perStep: number,
  seed: number,
): Problem[] {
  return problemsAt(pool, step * perStep, perStep, seed);
}

/**
 * The training data stream: the seeded order read from a cursor (problems drawn so far), through the
 * difficulty filter when there is one. Without extra draws (no dynamic sampling) and without a filter the
 * cursor of step s is s·perStep, so the order is problemsForStep's.
 */
export class ProblemStream {
  /** Problems of the seeded order consumed so far (kept or skipped by the filter). */
  cursor: number;
  /** Problems the filter skipped since the last call to takeSkipped(). */
  private skipped = 0;

  constructor(
    readonly pool: readonly Problem[],
    readonly seed: number,
    cursor: number,
    readonly filter: DifficultyFilter | null,
  ) {
    this.cursor = cursor;
  }

  /**
   * The next `count` problems the filter keeps, scanning at most one pass over the pool; when the filter
   * keeps none of them, the next `count` problems unfiltered (a step always has problems).
   */
  take(count: number): Problem[] {
    if (count <= 0) return [];
    if (!this.filter) {
      const out = problemsAt(this.pool, this.cursor, count, this.seed);
      this.cursor += count;
      return out;
    }
    const start = this.cursor;
    const scan = problemsAt(this.pool, start, Math.max(count, this.pool.length), this.seed);
    const out: Problem[] = [];
    let used = 0;
    for (const p of scan) {
      if (out.length === count) break;
      used++;
      if (this.filter.keep(p.id)) out.push(p);
    }
    if (out.length === 0) {
      this.cursor = start + count;
      return scan.slice(0, count);
    }
    this.skipped += used - out.length;
    this.cursor = start + used;
    return out;
  }

  /** Skipped-by-filter count since the previous call, reset to 0. */
  takeSkipped(): number {
    const n = this.skipped;
    this.skipped = 0;
    return n;
  }
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
    // config.deadZone.maxRounds counts the extra rounds; the planner counts every round.
    deadZone: { mode: config.deadZone.mode, maxRounds: config.deadZone.maxRounds + 1 },
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
): SampleRecord[] {
  const out: SampleRecord[] = [];
  for (const [p, g] of groups.entries()) {
    for (const [i, t] of g.trajectories_G.entries()) {
      if (out.length >= limit) return out;
      out.push({ ...trajectoryRecord(step, g.problem, t), advantage: advantages_PG[p][i] });
    }
  }
  return out;
}

/** One step of an algorithm: the step's problems, AdamW parameters and sampling parameters (seeded). */
export type AlgorithmStep = (
  problems: readonly Problem[],
  adam: AdamParams,
  sampling: SamplingParams,
  step: number,
  /** More problems from the data stream (dynamic sampling's extra rounds); advances the stream. */
  moreProblems: MoreProblems,
) => Promise<StepResult>;

/** What the loop checkpoints beside the step, to continue a run exactly. */
export interface LoopState extends TrainerState {
  /** Problems of the seeded order drawn so far. */
  cursor: number;
  /** The difficulty filter's per-prompt history (DifficultyFilter.toJSON), when the filter is on. */
  difficultyFilter?: unknown;
}

export interface TrainLoopOptions {
  run: RunDirectory;
  config: Config;
  engine: TrainingEngine;
  step: AlgorithmStep;
  pool: readonly Problem[];
  /** Completed steps at start (from the checkpoint when resuming). */
  startStep: number;
  /** The checkpoint's trainer state when resuming (cursor, difficulty filter); absent = a fresh run. */
  trainerState?: TrainerState | null;
  progress?: ProgressReporter;
  /** Held-out evaluation after step `step` (1-based), merged into its metrics; null = none this step. */
  evaluate?: (step: number) => Promise<Metrics> | null;
  /** Polled after each step: true ends the loop there, with a checkpoint of that step (a stop signal). */
  stopRequested?: () => boolean;
  /** Where sampling stops (the session's stop tokens); absent = the tokenizer's (algorithms/rollouts.ts). */
  stopTokens?: number[];
  /** Writes what a checkpoint holds beside the engine's state (the model's tokenizer files). */
  checkpointFiles?: (dir: string) => void;
}

export interface LoopResult {
  /** The last step's metrics (empty when no step ran). */
  lastMetrics: Metrics;
  /** The step the loop stopped after on request, when it did not reach config.steps. */
  stoppedAt?: number;
}

/** The data stream at the start of a run or a resume (cursor and filter from the trainer state). */
export function streamAt(
  pool: readonly Problem[],
  config: Config,
  startStep: number,
  state?: TrainerState | null,
): ProblemStream {
  const f = config.deadZone.difficultyFilter;
  const saved = state as Partial<LoopState> | null | undefined;
  let filter: DifficultyFilter | null = null;
  if (f.enabled) {
    filter =
      saved?.difficultyFilter !== undefined
        ? DifficultyFilter.fromJSON(saved.difficultyFilter)
        : new DifficultyFilter({ lo: f.lo, hi: f.hi, window: f.window });
  }
  const cursor = typeof saved?.cursor === "number" ? saved.cursor : startStep * config.batch.promptsPerStep;
  return new ProblemStream(pool, config.seed, cursor, filter);
}

/** Runs an algorithm from `startStep` to `config.steps`, checkpointing as configured and at the end. */
export async function runTrainingLoop(o: TrainLoopOptions): Promise<LoopResult> {
  const { run, config } = o;
  const stream = streamAt(o.pool, config, o.startStep, o.trainerState);
  let last: Metrics = {};
  let nonFiniteSteps = 0;
  for (let s = o.startStep; s < config.steps; s++) {
    const problems = stream.take(config.batch.promptsPerStep);
    const sampling = {
      ...config.sampling,
      ...(o.stopTokens ? { stopTokens: o.stopTokens } : {}),
      seed: Rng.derive(config.seed, 0x5a3b, s).nextU32(),
    };
    const result = await o.step(problems, adamAt(config, s), sampling, s, (count) => stream.take(count));
    const step = s + 1;
    const metrics = { ...result.metrics };
    if (stream.filter) {
      // r_i = #correct / G per sampled prompt (the filter's history)   (docs/algorithms.md GRPO, Dead zone)
      for (const g of result.sampledGroups ?? result.groups) {
        const G = g.trajectories_G.length;
        if (G > 0) stream.filter.record(g.problem.id, g.trajectories_G.filter((t) => t.correct).length / G);
      }
      metrics["rollout/difficulty_filter_skipped"] = stream.takeSkipped();
    }
    const sampled = result.sampledGroups ?? result.groups;
    Object.assign(metrics, reflectionMetrics(sampled, config.run.reflectionWords));
    const audit = config.run.labelAudit;
    const flags = audit.enabled ? labelAuditRecords(step, sampled, audit) : [];
    metrics["rollout/label_audit_flags"] = flags.length;
    Object.assign(metrics, await o.evaluate?.(step));
    const skipped =
      Number(metrics["optim/skipped_updates"] ?? 0) + Number(metrics["layer2/skipped_updates"] ?? 0);
    nonFiniteSteps = skipped > 0 ? nonFiniteSteps + 1 : 0;
    if (skipped > 0)
      o.progress?.log(`step ${step}: update skipped: the gradients were not finite (NaN or Inf)`);
    for (const w of result.warnings ?? []) o.progress?.log(`step ${step}: ${w}`);
    last = metrics;
    const learning = Object.fromEntries(Object.entries(metrics).filter(([k]) => !isTimingKey(k)));
    const timing = Object.fromEntries(Object.entries(metrics).filter(([k]) => isTimingKey(k)));
    run.appendMetrics({ step, ...learning });
    run.appendTimings({ step, ...timing });
    run.appendExampleHistory(exampleHistoryRecords(step, sampled));
    run.appendLabelFlags(flags);
    const limit = config.run.samplesPerStep;
    run.appendSamples([
      ...sampleRecords(step, result.groups, result.advantages_PG, limit),
      ...(result.extraSamples?.(step, limit) ?? []),
    ]);
    const every = config.run.checkpointEvery;
    const stopping = step < config.steps && (o.stopRequested?.() ?? false);
    if ((every > 0 && step % every === 0) || step === config.steps || stopping) {
      const state: LoopState = { step, cursor: stream.cursor };
      if (stream.filter) state.difficultyFilter = stream.filter.toJSON();
      await run.saveCheckpoint(state, async (dir) => {
        await o.engine.saveState(dir);
        o.checkpointFiles?.(dir);
      });
    }
    o.progress?.update(step, {
      reward: metrics["rollout/reward_mean"] ?? undefined,
      accuracy: metrics["rollout/accuracy"] ?? undefined,
      tokensPerSecond: metrics["time/sample_tokens_per_s"] ?? undefined,
    });
    if (stopping) return { lastMetrics: last, stoppedAt: step };
    if (nonFiniteSteps >= config.run.maxNonFiniteSteps)
      throw new Error(
        `stopped after step ${step}: ${nonFiniteSteps} steps in a row had non-finite gradients, so no update ` +
          `was applied (the weights are still those of step ${step - nonFiniteSteps}); lower optim.lr or ` +
          `check the rewards, then resume from the last checkpoint`,
      );
  }
  return { lastMetrics: last };
}

/** The GRPO step of a config, for runTrainingLoop. */
export function grpoAlgorithmStep(config: Config, ctx: AlgorithmContext): AlgorithmStep {
  const options = grpoOptionsOf(config);
  return (problems, adam, sampling, _step, moreProblems) =>
    grpoStep(ctx, problems, { ...options, sampling }, adam, moreProblems);
}
