// The training step of a config's algorithm, for runTrainingLoop: the one dispatch from config.algo to
// the step that `rlvr train` and the comparison scripts run.
import type { GrpoContext } from "../algorithms/grpo.js";
import type { Config } from "./config.js";
import { mgrpoAlgorithmStep } from "./mgrpoStep.js";
import { starExternalAlgorithmStep } from "./starStep.js";
import { type AlgorithmStep, grpoAlgorithmStep } from "./trainLoop.js";

/** The algorithms runTrainingLoop trains (PPO and SFT have their own loops). */
const LOOP_ALGOS = ["grpo", "mgrpo", "star"] as const;
export type LoopAlgo = (typeof LOOP_ALGOS)[number];

export function isLoopAlgo(algo: Config["algo"]): algo is LoopAlgo {
  return (LOOP_ALGOS as readonly string[]).includes(algo);
}

export function algorithmStepOf(config: Config & { algo: LoopAlgo }, ctx: GrpoContext): AlgorithmStep {
  switch (config.algo) {
    case "mgrpo":
      return mgrpoAlgorithmStep(config, ctx);
    case "star":
      return starExternalAlgorithmStep(config, ctx);
    case "grpo":
      return grpoAlgorithmStep(config, ctx);
  }
}
