// The training step of a config's algorithm, for runTrainingLoop: the one dispatch from config.algo to
// its step.
import type { AlgorithmContext } from "../algorithms/context.js";
import type { Config } from "./config.js";
import { mgrpoAlgorithmStep } from "./mgrpoStep.js";
import { ppoAlgorithmStep } from "./ppoStep.js";
import { starExternalAlgorithmStep, starRationalizeAlgorithmStep } from "./starStep.js";
import { type AlgorithmStep, grpoAlgorithmStep } from "./trainLoop.js";

export function algorithmStepOf(config: Config, ctx: AlgorithmContext): AlgorithmStep {
  switch (config.algo) {
    case "mgrpo":
      return mgrpoAlgorithmStep(config, ctx);
    case "star":
      return starExternalAlgorithmStep(config, ctx);
    case "ppo":
      return ppoAlgorithmStep(config, ctx);
    case "star-rationalize":
      return starRationalizeAlgorithmStep(config, ctx);
    case "grpo":
      return grpoAlgorithmStep(config, ctx);
  }
}
