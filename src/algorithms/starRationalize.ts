// STaR with rationalisation (docs/algorithms.md#star; Zelikman et al. 2022, "STaR: Bootstrapping Reasoning
// With Reasoning", §3.1 and Algorithm 1; the textbook's §8.3.4). One round per step, on the step's
// problems: sample G rationales per problem and keep the verified-correct ones; for each problem with no
// correct sample, *rationalise*: show the gold answer as a hint in the prompt and sample R rationales,
// keeping those the verifier marks correct; then fine-tune (token-mean cross-entropy, `sftSteps` optimizer
// steps) from the round's starting model on the union, with the hint removed from the prompt that is
// trained on (the model learns to produce the rationale without being told the answer).
import { mean } from "../core/advantages.js";
import { type Metrics, rolloutMetrics, seconds } from "../core/metrics.js";
import { Rng } from "../core/rng.js";
import type { AdamParams, SamplingParams } from "../engine/types.js";
import type { Problem } from "../tasks/types.js";
import { type AlgorithmContext, type SampleRecord, type StepResult, trajectoryRecord } from "./context.js";
import { applyBatch } from "./grpo.js";
import { type RolloutGroup, type ScoredTrajectory, sampleGroups } from "./rollouts.js";
import { crossEntropyDatums } from "./starExternal.js";

export interface StarRationalizeOptions {
  /** G, rationales sampled per problem. */
  groupSize: number;
  /** R, rationalisations sampled per failed problem (with the hint). */
  rationalizationSamples: number;
  /** The hint appended to the question; `{answer}` is replaced by the gold answer. */
  hint: string;
  /** Keep at most this many correct traces per problem (kept and rationalised alike); 0 = all. */
  maxTracesPerProblem: number;
  /** Optimizer steps of SFT on the round's traces. */
  sftSteps: number;
  sampling: SamplingParams;
  microBatchSize: number;
}

/** Stream key of the rationalisation sampling seed. */
const RATIONALIZE_STREAM = 0x57a7;

/** The problem with the hint: q' = q + hint(gold)   (STaR §3.1, rationalisation) */
export function hintedProblem(problem: Problem, hint: string): Problem {
  if (!hint.includes("{answer}"))
    throw new Error(`star.hint must contain {answer}, got ${JSON.stringify(hint)}`);
  return { ...problem, question: `${problem.question}${hint.replaceAll("{answer}", problem.gold)}` };
}

/** The first `max` correct trajectories of a group (all of them when max is 0). */
export function correctTraces(group: RolloutGroup, max: number): ScoredTrajectory[] {
  const right = group.trajectories_G.filter((t) => t.correct);
  return max > 0 ? right.slice(0, max) : right;
}

export async function starRationalizeStep(
  ctx: Pick<AlgorithmContext, "engine" | "tokenizer" | "task" | "renderPrompt">,
  problems: readonly Problem[],
  options: StarRationalizeOptions,
  adam: AdamParams,
): Promise<StepResult> {
  const t0 = performance.now();
  const seed = options.sampling.seed ?? 0;
  const groups = await sampleGroups(ctx.engine, ctx.tokenizer, ctx.task, problems, {
    groupSize: options.groupSize,
    sampling: options.sampling,
    renderPrompt: ctx.renderPrompt,
    reward: "binary",
  });
  const kept = groups.map((g) => correctTraces(g, options.maxTracesPerProblem));
  const failed = groups.filter((_, p) => kept[p].length === 0);
  const hinted =
    failed.length > 0 && options.rationalizationSamples > 0
      ? await sampleGroups(
          ctx.engine,
          ctx.tokenizer,
          ctx.task,
          failed.map((g) => hintedProblem(g.problem, options.hint)),
          {
            groupSize: options.rationalizationSamples,
            sampling: { ...options.sampling, seed: Rng.derive(seed, RATIONALIZE_STREAM).nextU32() },
            renderPrompt: ctx.renderPrompt,
            reward: "binary",
          },
        )
      : [];
  const tSample = performance.now();
  // Rationales reached with the hint are trained on the prompt *without* it.
  const rationalised = hinted.map((h, j) => {
    const promptTokens = ctx.tokenizer.encode(ctx.renderPrompt(failed[j].problem));
    return correctTraces(h, options.maxTracesPerProblem).map((t) => ({ ...t, promptTokens }));
  });
  const traces = [...kept.flat(), ...rationalised.flat()];
  let update: Metrics = {};
  if (traces.length > 0) {
    const datums = crossEntropyDatums(traces);
    for (let s = 0; s < options.sftSteps; s++) {
      update = await applyBatch(
        ctx,
        { datums, loss: { kind: "cross_entropy" } },
        { updatesPerBatch: 1, microBatchSize: options.microBatchSize },
        adam,
      );
    }
  }
  const rationalisedCount = rationalised.reduce((s, r) => s + r.length, 0);
  const samples = groups.flatMap((g) => g.trajectories_G);
  const metrics: Metrics = {
    ...rolloutMetrics(samples, "rollout"),
    ...(hinted.length > 0
      ? rolloutMetrics(
          hinted.flatMap((g) => g.trajectories_G),
          "layer2",
        )
      : {}),
    "star/kept": kept.reduce((s, k) => s + k.length, 0),
    "star/rationalised": rationalisedCount,
    "star/failed_problems": failed.length,
    // share of failed problems that got at least one correct rationalisation
    "star/rationalised_problems_share":
      failed.length > 0 ? mean(rationalised.map((r) => (r.length > 0 ? 1 : 0))) : null,
    "star/trained_traces": traces.length,
    "optim/loss": update["optim/loss"] ?? null,
    "optim/grad_norm": update["optim/grad_norm"] ?? null,
    "optim/skipped_updates": update["optim/skipped_updates"] ?? 0,
    "optim/lr": adam.learningRate,
    "time/sample_s": seconds(t0, tSample),
    "time/update_s": seconds(tSample, performance.now()),
  };
  const extraSamples = (step: number, limit: number): SampleRecord[] =>
    hinted
      .flatMap((g) =>
        g.trajectories_G.map((t) => ({ ...trajectoryRecord(step, g.problem, t), hinted: true })),
      )
      .slice(0, limit);
  return {
    groups,
    advantages_PG: groups.map((g) => g.trajectories_G.map(() => 0)),
    extraSamples,
    metrics,
  };
}
