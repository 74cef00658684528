// The PPO step of a config, for runTrainingLoop: the ppo section and the shared loss settings (clip,
// entropy, aggregation, KL β and estimator; PPO always puts the KL into the reward).
import { ppoStep } from "../algorithms/ppo.js";
import type { AlgorithmContext } from "../algorithms/context.js";
import type { Config } from "./config.js";
import type { AlgorithmStep } from "./trainLoop.js";

export function ppoAlgorithmStep(config: Config, ctx: AlgorithmContext, microBatchSize = 32): AlgorithmStep {
  const options = {
    groupSize: config.batch.groupSize,
    reward: config.reward.kind,
    gamma: config.ppo.gamma,
    lambda: config.ppo.lambda,
    kl: { coef: config.loss.kl.coef, estimator: config.loss.kl.estimator },
    clipLow: config.loss.clipLow,
    clipHigh: config.loss.clipHigh,
    valueClip: config.ppo.valueClip,
    valueScale: config.ppo.valueScale,
    valueCoef: config.ppo.valueCoef,
    entropyCoef: config.loss.entropyCoef,
    epochs: config.ppo.epochs,
    minibatches: config.ppo.minibatches,
    whitenAdvantages: config.ppo.whitenAdvantages,
    aggregation: config.loss.aggregation,
    microBatchSize,
  };
  return (problems, adam, sampling) => ppoStep(ctx, problems, { ...options, sampling }, adam);
}
