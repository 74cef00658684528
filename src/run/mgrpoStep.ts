// The MGRPO step of a config, for runTrainingLoop (the algorithm layer does not import the config schema).
import type { CorrectionGroup } from "../algorithms/correctionRollouts.js";
import { type MgrpoOptions, mgrpoStep } from "../algorithms/mgrpo.js";
import type { Layer2Group } from "../core/mgrpoSelection.js";
import { PAPER_GUIDE_PHRASES, validateGuidePhrases } from "../tasks/guidePhrases.js";
import type { Config } from "./config.js";
import { type AlgorithmContext, type SampleRecord, trajectoryRecord } from "../algorithms/context.js";
import { type AlgorithmStep, grpoOptionsOf } from "./trainLoop.js";

/** The guide-phrase pool of a config: "preset" = the paper's pool (001 §3.2.4), else the user's list. */
export function guidePoolOf(config: Pick<Config, "mgrpo">): readonly string[] {
  const g = config.mgrpo.guidePhrases;
  return g === "preset" ? PAPER_GUIDE_PHRASES : validateGuidePhrases(g, "mgrpo.guidePhrases");
}

/** The MGRPO options of a config: GRPO's for layer 1 (and layer 2's loss), plus config.mgrpo. */
export function mgrpoOptionsOf(config: Config, microBatchSize = 32): MgrpoOptions {
  return {
    ...grpoOptionsOf(config, microBatchSize),
    mgrpo: {
      layer2Group: config.mgrpo.layer2Group,
      guidePhrases: guidePoolOf(config),
      rendering: config.mgrpo.rendering,
      order: config.mgrpo.order,
      discardRightThenAllWrong: config.mgrpo.discardRightThenAllWrong,
      normalization: config.mgrpo.layer2Normalization,
      dropZeroAdvantageGroups: config.mgrpo.dropZeroAdvantageGroups,
    },
  };
}

/** samples.jsonl records of layer 2: the first `limit` corrections, with their attempt, guide phrase and case. */
export function layer2SampleRecords(
  step: number,
  groups: readonly CorrectionGroup[],
  selection: readonly Layer2Group[],
  advantages_JH: number[][],
  limit: number,
): SampleRecord[] {
  const out: SampleRecord[] = [];
  for (const [j, g] of groups.entries()) {
    for (const [h, t] of g.trajectories_H.entries()) {
      if (out.length >= limit) return out;
      out.push({
        ...trajectoryRecord(step, g.problem, t),
        layer: 2,
        attempt: g.attemptText,
        attempt_correct: g.attemptCorrect,
        guide_phrase: g.guidePhrase,
        outcome: selection[j].outcomes_H[h],
        kept: selection[j].kept,
        advantage: advantages_JH[j][h],
      });
    }
  }
  return out;
}

export function mgrpoAlgorithmStep(config: Config, ctx: AlgorithmContext): AlgorithmStep {
  const options = mgrpoOptionsOf(config);
  return async (problems, adam, sampling, _step, moreProblems) => {
    const r = await mgrpoStep(ctx, problems, { ...options, sampling }, adam, moreProblems);
    return {
      ...r,
      extraSamples: (step, limit) =>
        layer2SampleRecords(step, r.layer2, r.selection, r.layer2Advantages_JH, limit),
    };
  };
}
