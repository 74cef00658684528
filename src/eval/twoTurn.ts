// Two-turn self-correction evaluation (docs/algorithms.md "MGRPO", Evaluation; after Kumar et al. 2024):
// turn 1 answers q (K samples per problem); turn 2 is the correction query built from each turn-1
// answer and a guide phrase (drawn from the pool with a seeded stream), or the intrinsic-correction
// instruction of Huang et al. 2023 for the "intrinsic self-correction" baseline; one turn-2 sample per
// turn-1 sample. Metrics: core/selfCorrectionMetrics.ts over the (turn 1, turn 2) pairs.
import { type CorrectionGroup, guidePhraseFor, sampleCorrections } from "../algorithms/correctionRollouts.js";
import { type RolloutGroup, sampleGroups } from "../algorithms/rollouts.js";
import { Rng } from "../core/rng.js";
import { type SelfCorrectionMetrics, selfCorrectionMetrics } from "../core/selfCorrectionMetrics.js";
import type { Tokenizer } from "../engine/tokenizer/types.js";
import type { SamplingEngine, SamplingParams } from "../engine/types.js";
import {
  type CorrectionRendering,
  INTRINSIC_CORRECTION_INSTRUCTION,
  type ModelChatFormat,
} from "../tasks/correctionPrompt.js";
import type { Problem, Task } from "../tasks/types.js";

/** Turn 2's prompt: a guide phrase from a pool, or the intrinsic-correction instruction (always "new-turn"). */
export type TwoTurnGuide = { kind: "pool"; name: string; phrases: readonly string[] } | { kind: "intrinsic" };

export interface TwoTurnOptions {
  renderPrompt: (problem: Problem) => string;
  /** The model's own chat template for the turn-2 queries; the built-in one when absent. */
  modelChat?: ModelChatFormat;
  /** Both turns' sampling; turn 2's completion budget is capped to fit the model (correctionRollouts.ts). */
  sampling: SamplingParams;
  samplesPerProblem: number;
  guide: TwoTurnGuide;
  /** Rendering of the turn-2 query with a pool guide; the intrinsic baseline always uses "new-turn". */
  rendering: CorrectionRendering;
  /** Problems per engine call (bounds memory on the local engine). */
  chunkSize?: number;
}

/** What a two-turn evaluation ran with (printed beside the metrics). */
export interface TwoTurnSettings {
  samples_per_problem: number;
  guide: string;
  rendering: CorrectionRendering;
  temperature: number;
  top_k: number;
  top_p: number;
  max_tokens: number;
  /** The smallest turn-2 completion budget used (≤ max_tokens). */
  turn2_max_tokens: number;
  seed: number;
  /** How often each guide phrase (or the instruction) was used. */
  guide_phrases: Record<string, number>;
}

export interface TwoTurnResult {
  metrics: SelfCorrectionMetrics;
  settings: TwoTurnSettings;
  turn1: RolloutGroup[];
  /** turn2[k + K·p] corrects turn1[p].trajectories_G[k]. */
  turn2: CorrectionGroup[];
}

/** Stream key of the turn-2 sampling seeds. */
const TURN2_STREAM = 0x7e2;

export async function evaluateTwoTurn(
  engine: SamplingEngine,
  tokenizer: Tokenizer,
  task: Task,
  problems: readonly Problem[],
  options: TwoTurnOptions,
): Promise<TwoTurnResult> {
  const K = options.samplesPerProblem;
  if (!Number.isInteger(K) || K < 1) throw new Error(`two-turn: samplesPerProblem must be ≥ 1, got ${K}`);
  if (options.guide.kind === "pool" && options.guide.phrases.length === 0)
    throw new Error(`two-turn: guide pool ${options.guide.name} is empty`);
  const seed = options.sampling.seed ?? 0;
  const rendering = options.guide.kind === "intrinsic" ? "new-turn" : options.rendering;
  const chunk = options.chunkSize ?? 64;
  const turn1: RolloutGroup[] = [];
  const turn2: CorrectionGroup[] = [];
  let turn2MaxTokens = options.sampling.maxTokens;
  for (let i = 0; i < problems.length; i += chunk) {
    const groups = await sampleGroups(engine, tokenizer, task, problems.slice(i, i + chunk), {
      groupSize: K,
      sampling: { ...options.sampling, seed: seed + i },
      renderPrompt: options.renderPrompt,
      reward: "binary",
    });
    const guide = options.guide;
    const attempts = groups.flatMap((g, q) =>
      g.trajectories_G.map((t, k) => ({
        problem: g.problem,
        attemptText: t.completionText,
        attemptCorrect: t.correct,
        guidePhrase:
          guide.kind === "intrinsic"
            ? INTRINSIC_CORRECTION_INSTRUCTION
            : guidePhraseFor(seed, i + q, k, guide.phrases),
      })),
    );
    const corrected = await sampleCorrections(engine, tokenizer, task, attempts, {
      groupSize: 1,
      sampling: { ...options.sampling, seed: Rng.derive(seed, TURN2_STREAM, i).nextU32() },
      rendering,
      reward: "binary",
      model: options.modelChat,
    });
    turn2MaxTokens = Math.min(turn2MaxTokens, corrected.maxTokens);
    turn1.push(...groups);
    turn2.push(...corrected.groups);
  }
  // (t1, t2) of sample k of problem p: turn 2 corrects that sample's own turn 1
  const outcomes_PK = turn1.map((g, p) =>
    g.trajectories_G.map((t, k) => ({ t1: t.correct, t2: turn2[p * K + k].trajectories_H[0].correct })),
  );
  const guidePhrases: Record<string, number> = {};
  for (const g of turn2) guidePhrases[g.guidePhrase] = (guidePhrases[g.guidePhrase] ?? 0) + 1;
  return {
    metrics: selfCorrectionMetrics(outcomes_PK),
    settings: {
      samples_per_problem: K,
      guide: options.guide.kind === "intrinsic" ? "intrinsic" : options.guide.name,
      rendering,
      temperature: options.sampling.temperature,
      top_k: options.sampling.topK,
      top_p: options.sampling.topP,
      max_tokens: options.sampling.maxTokens,
      turn2_max_tokens: turn2MaxTokens,
      seed,
      guide_phrases: guidePhrases,
    },
    turn1,
    turn2,
  };
}
