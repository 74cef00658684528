// The dead zone (docs/algorithms.md "GRPO", Dead zone; textbook 004): when all G rewards of a
// group are equal every centred advantage is 0 and the group carries no gradient. Remedies: DAPO's dynamic
// sampling (drop such groups, sample more prompts until the batch is full, with a cap on rounds) and a
// difficulty filter keeping prompts whose recent success rate is strictly between two bounds.

/** True when every reward of the group is the same (exact equality); a group of one or none counts. */
export function isZeroVariance(rewards_G: readonly number[]): boolean {
  return rewards_G.every((r) => r === rewards_G[0]);
}

export interface DynamicSamplingOptions {
  /** Groups with variance wanted for one training step (the batch size in prompts). */
  targetGroups: number;
  /** Cap on sampling rounds in all, the first one included (DAPO's max_num_gen_batches). */
  maxRounds: number;
}

export type DynamicSamplingPlan =
  | {
      action: "sample-more";
      /** Indices (into rewards_PG) of the groups with variance kept so far. */
      keep: number[];
      /** Groups with variance still missing: sample at least this many more prompts. */
      needed: number;
      droppedZeroVariance: number;
    }
  | {
      action: "train";
      /** Indices of the groups to train on: the first targetGroups with variance, fewer at the cap. */
      keep: number[];
      droppedZeroVariance: number;
      /** Groups with variance beyond the target, not used. */
      surplus: number;
      /** True when the round cap stopped sampling before the batch was full. */
      capReached: boolean;
      /** A message to log when capReached, else null. */
      warning: string | null;
    };

/**
 * DAPO dynamic sampling (Yu et al. 2025 §3.2) as a pure planner. rewards_PG: the rewards of every group
 * sampled so far this step, in sampling order; roundsDone: sampling rounds done so far (≥ 1). Keeps the
 * groups with variance in order; trains when `targetGroups` of them exist, or when `maxRounds` rounds are
 * done (then with what there is, and a warning). Every group with variance is kept up to the target, so a
 * step is never without gradient while any group has variance.
 */
export function planDynamicSampling(
  rewards_PG: readonly (readonly number[])[],
  roundsDone: number,
  options: DynamicSamplingOptions,
): DynamicSamplingPlan {
  const { targetGroups, maxRounds } = options;
  if (!Number.isInteger(targetGroups) || targetGroups < 1) {
    throw new Error(`planDynamicSampling: targetGroups must be an integer ≥ 1, got ${targetGroups}`);
  }
  if (!Number.isInteger(maxRounds) || maxRounds < 1) {
    throw new Error(`planDynamicSampling: maxRounds must be an integer ≥ 1, got ${maxRounds}`);
  }
  if (!Number.isInteger(roundsDone) || roundsDone < 1) {
    throw new Error(`planDynamicSampling: roundsDone must be an integer ≥ 1, got ${roundsDone}`);
  }
  const informative: number[] = [];
  rewards_PG.forEach((rewards_G, p) => {
    if (!isZeroVariance(rewards_G)) informative.push(p);
  });
  const droppedZeroVariance = rewards_PG.length - informative.length;
  if (informative.length >= targetGroups) {
    return {
      action: "train",
      keep: informative.slice(0, targetGroups),
      droppedZeroVariance,
      surplus: informative.length - targetGroups,
      capReached: false,
      warning: null,
    };
  }
  if (roundsDone < maxRounds) {
    return {
      action: "sample-more",
      keep: informative,
      needed: targetGroups - informative.length,
      droppedZeroVariance,
    };
  }
  const warning =
    `dynamic sampling stopped at its cap of ${maxRounds} rounds with ${informative.length} of ${targetGroups} ` +
    `groups with variance (${droppedZeroVariance} zero-variance groups dropped)` +
    (informative.length === 0 ? "; this step has no gradient" : "; training on a partial batch");
  return { action: "train", keep: informative, droppedZeroVariance, surplus: 0, capReached: true, warning };
}

export interface DifficultyFilterOptions {
  /** Keep a prompt when lo < rate (strict). Default 0. */
  lo?: number;
  /** Keep a prompt when rate < hi (strict). Default 1. */
  hi?: number;
  /** Success rates remembered per prompt (the most recent ones). Default 4. */
  window?: number;
}

/** The JSON form of a DifficultyFilter, for checkpoints. */
export interface DifficultyFilterState {
  version: 1;
  lo: number;
  hi: number;
  window: number;
  /** Per prompt id, its most recent success rates, oldest first (at most `window`). */
  history: Record<string, number[]>;
}

/**
 * Keeps prompts whose recent success rate (the mean of the last `window` recorded rates) is strictly between
 * lo and hi; prompts never seen are kept. Defaults lo = 0, hi = 1: drop the always-solved and never-solved.
 */
export class DifficultyFilter {
  readonly lo: number;
  readonly hi: number;
  readonly window: number;
  private readonly history = new Map<string, number[]>();

  constructor(options: DifficultyFilterOptions = {}) {
    const { lo = 0, hi = 1, window = 4 } = options;
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) {
      throw new Error(`DifficultyFilter: need finite lo < hi, got lo=${lo}, hi=${hi}`);
    }
    if (!Number.isInteger(window) || window < 1) {
      throw new Error(`DifficultyFilter: window must be an integer ≥ 1, got ${window}`);
    }
    this.lo = lo;
    this.hi = hi;
    this.window = window;
  }

  /** Records one observation of a prompt: its success rate in [0, 1] (e.g. correct samples / G). */
  record(promptId: string, successRate: number): void {
    if (!(successRate >= 0 && successRate <= 1)) {
      throw new Error(
        `DifficultyFilter.record: success rate of prompt "${promptId}" must be in [0, 1], got ${successRate}`,
      );
    }
    const h = this.history.get(promptId) ?? [];
    h.push(successRate);
    if (h.length > this.window) h.splice(0, h.length - this.window);
    this.history.set(promptId, h);
  }

  /** Mean of the remembered rates, or undefined for a prompt never recorded. */
  rate(promptId: string): number | undefined {
    const h = this.history.get(promptId);
    if (h === undefined || h.length === 0) return undefined;
    return h.reduce((s, x) => s + x, 0) / h.length;
  }

  /** lo < rate < hi; true for a prompt never seen. */
  keep(promptId: string): boolean {
    const r = this.rate(promptId);
    return r === undefined || (this.lo < r && r < this.hi);
  }

  toJSON(): DifficultyFilterState {
    const history: Record<string, number[]> = {};
    for (const [id, h] of this.history) history[id] = [...h];
    return { version: 1, lo: this.lo, hi: this.hi, window: this.window, history };
  }

  /** Restores a filter from toJSON()'s value (e.g. after JSON.parse); throws naming the bad field. */
  static fromJSON(state: unknown): DifficultyFilter {
    const s = state as Partial<DifficultyFilterState> | null;
    if (s === null || typeof s !== "object")
      throw new Error("DifficultyFilter.fromJSON: state is not an object");
    if (s.version !== 1)
      throw new Error(`DifficultyFilter.fromJSON: unsupported version ${String(s.version)}`);
    if (s.history === null || typeof s.history !== "object") {
      throw new Error("DifficultyFilter.fromJSON: field history must be an object");
    }
    const f = new DifficultyFilter({ lo: s.lo, hi: s.hi, window: s.window });
    for (const [id, h] of Object.entries(s.history)) {
      if (!Array.isArray(h)) throw new Error(`DifficultyFilter.fromJSON: history["${id}"] must be an array`);
      for (const rate of h) f.record(id, rate);
    }
    return f;
  }
}
