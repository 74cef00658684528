// GRPO (docs/algorithms.md#grpo; Shao et al. 2024 §4.1): sample G completions per prompt, verify,
// group-relative advantages, clipped surrogate with a KL term. prepareGrpoBatch builds the batch
// (sample → rewards → advantages → datums); grpoStep is that batch and one policy update
// (algorithms/policyUpdate.ts). The loop around it (data order, checkpoints, metrics files) is
// run/trainLoop.ts; this file only sees the engine interface.
import { advantageDiagnostics, tokenMass } from "../core/advantageDiagnostics.js";
import { computeBatchAdvantages, mean } from "../core/advantages.js";
import type { AdvantageEstimator, AdvantageScale, DeadZoneMode, RewardKind } from "../core/choices.js";
import { isZeroVariance } from "../core/deadZone.js";
import { advantageMetrics, type Metrics, rolloutMetrics, seconds, updateMetrics } from "../core/metrics.js";
import { Rng } from "../core/rng.js";
import type { AdamParams, SamplingParams } from "../engine/types.js";
import type { Problem } from "../tasks/types.js";
import type { AlgorithmContext, MoreProblems, StepResult } from "./context.js";
import { dynamicSample } from "./dynamicSampling.js";
import {
  buildPolicyDatums,
  type PolicyBatch,
  type PolicyLossOptions,
  policyLossSpec,
  trainingRewards,
  updatePolicy,
} from "./policyUpdate.js";
import { type RolloutGroup, sampleGroups } from "./rollouts.js";

export interface GrpoOptions {
  groupSize: number;
  sampling: SamplingParams;
  reward: RewardKind;
  advantage: { estimator: AdvantageEstimator; scale: AdvantageScale; rMinCorrect: number };
  loss: PolicyLossOptions;
  updatesPerBatch: number;
  /** Sequences per forwardBackward call (memory bound of the engine); the loss is still the whole batch's. */
  microBatchSize: number;
  /**
   * Zero-variance groups: "keep" them (GRPO as written) or "dynamic-sampling" (DAPO: drop them, sample more
   * prompts until the batch is full, at most `maxRounds` rounds in all, the first included). Default keep.
   */
  deadZone?: { mode: DeadZoneMode; maxRounds: number };
}

/** A GRPO batch ready for the update, with what the loop and MGRPO's layer 2 need of it. */
export interface GrpoBatch extends PolicyBatch {
  /** The groups trained on (all sampled groups in keep mode). */
  groups: RolloutGroup[];
  advantages_PG: number[][];
  /** Every group sampled this step, trained on or dropped by dynamic sampling. */
  sampledGroups: RolloutGroup[];
  /** Messages for the run log (dynamic sampling stopped at its cap). */
  warnings: string[];
  /** rollout/, advantage/ and time/ metrics of the batch. */
  metrics: Metrics;
}

/** The sampling seed of extra round `round` of a step (round 0 uses the step's own seed). */
export function roundSamplingSeed(seed: number | undefined, round: number): number | undefined {
  return round === 0 ? seed : Rng.derive(seed ?? 0, 0xd5a3, round).nextU32();
}

/** Samples, scores and weighs one GRPO batch; touches no weights. */
export async function prepareGrpoBatch(
  ctx: AlgorithmContext,
  problems: readonly Problem[],
  options: GrpoOptions,
  moreProblems: MoreProblems = () => [],
): Promise<GrpoBatch> {
  const t0 = performance.now();
  const sample = (ps: readonly Problem[], round: number) =>
    sampleGroups(ctx.engine, ctx.tokenizer, ctx.task, ps, {
      groupSize: options.groupSize,
      sampling: { ...options.sampling, seed: roundSamplingSeed(options.sampling.seed, round) },
      renderPrompt: ctx.renderPrompt,
      reward: options.reward,
    });
  const dynamic = options.deadZone?.mode === "dynamic-sampling";
  const ds = dynamic
    ? await dynamicSample(
        problems,
        { sample, moreProblems, rewardsOf: (g) => g.trajectories_G.map((t) => t.reward) },
        { targetGroups: problems.length, maxRounds: options.deadZone?.maxRounds ?? 1 },
      )
    : null;
  const sampledGroups = ds ? ds.sampled : await sample(problems, 0);
  const groups = ds ? ds.kept : sampledGroups;
  const tSample = performance.now();

  // On-policy measures over every sampled group (kept or dropped), so they compare across dead-zone modes.
  const rollout = rolloutMetrics(
    sampledGroups.flatMap((g) => g.trajectories_G),
    "rollout",
  );
  const metrics: Metrics = {
    ...rollout,
    "rollout/zero_variance_share": mean(
      sampledGroups.map((g) => (isZeroVariance(g.trajectories_G.map((t) => t.reward)) ? 1 : 0)),
    ),
    "rollout/dynamic_sampling_rounds": ds ? ds.rounds : 1,
    "rollout/dynamic_sampling_capped": ds?.capped ? 1 : 0,
    "rollout/trained_groups": groups.length,
    "time/sample_s": seconds(t0, tSample),
    "time/sample_tokens_per_s": Number(rollout["rollout/sampled_tokens"]) / seconds(t0, tSample),
  };
  const warnings = ds?.warning ? [ds.warning] : [];
  const loss = policyLossSpec(options.loss);
  if (groups.length === 0) {
    // Dynamic sampling at its cap with no group with variance: no gradient, no update.
    Object.assign(metrics, advantageMetrics(null));
    return { groups, advantages_PG: [], sampledGroups, warnings, metrics, datums: [], loss };
  }

  const rewards_PG = await trainingRewards(
    ctx.reference,
    groups.map((g) => g.trajectories_G),
    options.loss,
  );
  const advantages_PG = computeBatchAdvantages(rewards_PG, options.advantage);
  // Sequences with zero advantage carry no policy gradient; with KL in the loss they still carry the KL term.
  const sequences = groups.flatMap((g, p) =>
    g.trajectories_G.map((t, i) => ({ ...t, advantage: advantages_PG[p][i] })),
  );
  const datums = await buildPolicyDatums(ctx.reference, sequences, options.loss, options.sampling.maxTokens);
  const mass = tokenMass(datums.map((d) => d.weights));
  let k = 0;
  const diag = advantageDiagnostics(
    groups.map((g, p) => ({
      rewards_G: rewards_PG[p],
      advantages_G: advantages_PG[p],
      correct_G: g.trajectories_G.map((t) => t.correct),
      tokenMass_G: g.trajectories_G.map(() => mass[k++]),
    })),
  );
  Object.assign(metrics, advantageMetrics(diag), { "time/prepare_s": seconds(tSample, performance.now()) });
  return { groups, advantages_PG, sampledGroups, warnings, metrics, datums, loss };
}

/** Updates the policy on a prepared batch (nothing when it has no datums); optim/ and time/ metrics. */
export async function applyBatch(
  ctx: Pick<AlgorithmContext, "engine">,
  batch: PolicyBatch,
  options: Pick<GrpoOptions, "updatesPerBatch" | "microBatchSize">,
  adam: AdamParams,
  ns: "optim" | "layer2" = "optim",
): Promise<Metrics> {
  const t0 = performance.now();
  const engine =
    batch.datums.length > 0
      ? await updatePolicy(ctx.engine, batch, adam, options.updatesPerBatch, options.microBatchSize)
      : null;
  const time = ns === "optim" ? "time/update_s" : "time/layer2_update_s";
  return { ...updateMetrics(engine, ns), [time]: seconds(t0, performance.now()) };
}

export type GrpoStepResult = StepResult & Pick<GrpoBatch, "sampledGroups" | "warnings">;

/** One GRPO step: prepare the batch, update the policy once on it (μ optimizer steps). */
export async function grpoStep(
  ctx: AlgorithmContext,
  problems: readonly Problem[],
  options: GrpoOptions,
  adam: AdamParams,
  moreProblems: MoreProblems = () => [],
): Promise<GrpoStepResult> {
  const batch = await prepareGrpoBatch(ctx, problems, options, moreProblems);
  const update = await applyBatch(ctx, batch, options, adam);
  return { ...batch, metrics: { ...batch.metrics, ...update, "optim/lr": adam.learningRate } };
}
