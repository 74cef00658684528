// The metric names every algorithm writes, in namespaces: rollout/ (what was sampled and how it scored),
// advantage/ (the advantage batch and its diagnostics), optim/ (the update the engine reports), layer2/
// (MGRPO's correction layer, STaR's revisions), star/ (STaR's kept and rationalised traces), ppo/ (the
// critic: value loss, explained variance), eval/ (held-out evaluation) and time/ (wall-clock: these
// go to timings.jsonl, so that metrics.jsonl is identical across reruns of one seed). Counts are
// counted here from what was sampled, never reconstructed from other metrics.
import type { AdvantageDiagnostics } from "./advantageDiagnostics.js";
import { mean } from "./advantages.js";

/** One step's metrics; null where a value does not exist this step (no update, no negative advantage). */
export type Metrics = Record<string, number | null>;

/** Wall-clock metrics (timings.jsonl) rather than learning metrics (metrics.jsonl). */
export function isTimingKey(key: string): boolean {
  return key.startsWith("time/");
}

/** What rolloutMetrics reads of a sampled completion. */
export interface ScoredSample {
  reward: number;
  correct: boolean;
  truncated: boolean;
  completionTokens: readonly number[];
  /** Set when the verifier threw or timed out (the sample got reward 0). */
  rewardError?: string;
}

/** Reward, accuracy, truncation and token counts of sampled completions, under `ns`/ (nulls when none). */
export function rolloutMetrics(samples: readonly ScoredSample[], ns: "rollout" | "layer2"): Metrics {
  const tokens = samples.reduce((s, t) => s + t.completionTokens.length, 0);
  const any = samples.length > 0;
  return {
    [`${ns}/reward_mean`]: any ? mean(samples.map((t) => t.reward)) : null,
    [`${ns}/accuracy`]: any ? mean(samples.map((t) => (t.correct ? 1 : 0))) : null,
    [`${ns}/truncated_share`]: any ? mean(samples.map((t) => (t.truncated ? 1 : 0))) : null,
    [`${ns}/completion_tokens_mean`]: any ? tokens / samples.length : null,
    [`${ns}/samples`]: samples.length,
    [`${ns}/reward_errors`]: samples.filter((t) => t.rewardError !== undefined).length,
    [`${ns}/sampled_tokens`]: tokens,
  };
}

/** The advantage batch's statistics and CoRPO diagnostics (core/advantageDiagnostics.ts); nulls without a batch. */
export function advantageMetrics(d: AdvantageDiagnostics | null): Metrics {
  return {
    "advantage/mean": d?.advantageMean ?? null,
    "advantage/std": d?.advantageStd ?? null,
    "advantage/min": d?.advantageMin ?? null,
    "advantage/max": d?.advantageMax ?? null,
    "advantage/failed_positive_share": d?.failedPositiveShare ?? null,
    "advantage/r_count": d?.rCount ?? null,
    "advantage/r_loss": d?.rLoss ?? null,
  };
}

const finiteOrNull = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? null : v);

/**
 * An update's engine metrics (Tinker suffixes: loss:sum, kl:mean, …; null when no update ran) under
 * `ns`/: optim/ for the step's update, layer2/ for MGRPO's separate layer-2 update.
 */
export function updateMetrics(
  engine: Readonly<Record<string, number>> | null,
  ns: "optim" | "layer2",
): Metrics {
  return {
    [`${ns}/loss`]: finiteOrNull(engine?.["loss:sum"]),
    [`${ns}/kl`]: finiteOrNull(engine?.["kl:mean"]),
    [`${ns}/entropy`]: finiteOrNull(engine?.["entropy:mean"]),
    [`${ns}/clip_frac`]: finiteOrNull(engine?.["clip_frac:mean"]),
    [`${ns}/grad_norm`]: finiteOrNull(engine?.grad_norm),
    [`${ns}/skipped_updates`]: engine?.skipped_updates ?? 0,
  };
}

/** Seconds between performance.now() stamps, under time/. */
export function seconds(from: number, to: number): number {
  return (to - from) / 1000;
}
