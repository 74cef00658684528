// The "STaR with external prompts" step of a config, for runTrainingLoop: G attempts per prompt
// (batch.groupSize), H revisions per attempt with the MGRPO guide phrases and rendering (config.mgrpo),
// SFT on the right revisions.
import type { AlgorithmContext } from "../algorithms/context.js";
import { starExternalStep } from "../algorithms/starExternal.js";
import type { Config } from "./config.js";
import { guidePoolOf } from "./mgrpoStep.js";
import type { AlgorithmStep } from "./trainLoop.js";

export function starExternalAlgorithmStep(
  config: Config,
  ctx: AlgorithmContext,
  microBatchSize = 32,
): AlgorithmStep {
  const options = {
    groupSize: config.batch.groupSize,
    layer2Group: config.mgrpo.layer2Group,
    guidePhrases: guidePoolOf(config),
    rendering: config.mgrpo.rendering,
    microBatchSize,
  };
  return (problems, adam, sampling) => starExternalStep(ctx, problems, { ...options, sampling }, adam);
}
