// The "STaR with external prompts" step of a config, for runTrainingLoop: G attempts per prompt
// (batch.groupSize), H revisions per attempt with the MGRPO guide phrases and rendering (config.mgrpo),
// SFT on the right revisions.
import type { AlgorithmContext } from "../algorithms/context.js";
import { starExternalStep } from "../algorithms/starExternal.js";
import { starRationalizeStep } from "../algorithms/starRationalize.js";
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

/** The STaR-with-rationalisation step of a config: one round per step on the step's problems. */
export function starRationalizeAlgorithmStep(
  config: Config,
  ctx: AlgorithmContext,
  microBatchSize = 32,
): AlgorithmStep {
  const options = {
    groupSize: config.batch.groupSize,
    rationalizationSamples: config.star.rationalizationSamples,
    hint: config.star.hint,
    maxTracesPerProblem: config.star.maxTracesPerProblem,
    sftSteps: config.star.sftSteps,
    microBatchSize,
  };
  return (problems, adam, sampling) => starRationalizeStep(ctx, problems, { ...options, sampling }, adam);
}
