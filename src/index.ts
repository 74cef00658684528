// The public surface of the `rlvr` package.
export { Rng } from "./core/rng.js";
export type * from "./engine/types.js";
export {
  type AdvantageEstimator,
  type AdvantageOptions,
  type AdvantageScale,
  type BatchAdvantageOptions,
  computeAdvantages,
  computeBatchAdvantages,
} from "./core/advantages.js";
export { meanPassAtK, passAtK, passAtKFromOutcomes, type SampleCounts } from "./core/passAtK.js";
export {
  type SelfCorrectionMetrics,
  selfCorrectionMetrics,
  type TwoTurnOutcome,
} from "./core/selfCorrectionMetrics.js";
export {
  type AdvantageDiagnostics,
  advantageDiagnostics,
  type DiagnosticsGroup,
} from "./core/advantageDiagnostics.js";
export { klK1, klK2, klK3, klPenaltyIntoRewards, klPerToken } from "./core/kl.js";
export { type AggregationMode, aggregationWeights, mgrpoLayer2Weights } from "./core/aggregation.js";
export { learningRateAt, type LrScheduleOptions } from "./core/schedule.js";
export {
  type Config,
  ConfigError,
  type ConfigInput,
  defaultConfig,
  loadConfigFile,
  mergeConfig,
  parseConfig,
} from "./run/config.js";
export { type DatasetInput, type TrainOptions, train } from "./run/train.js";
export { type TrainRunOptions, type TrainRunResult, trainRun } from "./run/trainRun.js";
export type { RewardExample, RewardFunction } from "./tasks/rewardModule.js";
export { type ModelSession, openSession } from "./run/session.js";
export { evaluateAccuracy } from "./eval/accuracy.js";
