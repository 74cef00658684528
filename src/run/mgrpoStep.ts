// The MGRPO step of a config, for runTrainingLoop (the algorithm layer does not import the config schema).
import { type MgrpoOptions, mgrpoStep } from "../algorithms/mgrpo.js";
import type { GrpoContext } from "../algorithms/grpo.js";
import { PAPER_GUIDE_PHRASES, validateGuidePhrases } from "../tasks/guidePhrases.js";
import type { Config } from "./config.js";
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
    },
  };
}

export function mgrpoAlgorithmStep(config: Config, ctx: GrpoContext): AlgorithmStep {
  const options = mgrpoOptionsOf(config);
  return (problems, adam, sampling, _step, moreProblems) =>
    mgrpoStep(ctx, problems, { ...options, sampling }, adam, moreProblems);
}
