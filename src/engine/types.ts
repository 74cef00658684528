// The engine interface: what every training loop sees of a model. Semantics follow the
// Tinker training API (tinker-docs.thinkingmachines.ai; docs/algorithms.md, "Engine losses"); names are camelCase TypeScript.

/** Sampling parameters (Tinker SamplingParams). */
export interface SamplingParams {
  /** Maximum number of new tokens. */
  maxTokens: number;
  /** 0 means greedy (argmax). */
  temperature: number;
  /** -1 (or 0) disables top-k. */
  topK: number;
  /** 1 disables nucleus sampling. */
  topP: number;
  /** Seed of this request's random stream; same seed, same prompt, same weights → same tokens. */
  seed?: number;
  /** Token ids that end a sequence (the stop token is included in `tokens`). */
  stopTokens?: number[];
}

export type StopReason = "stop" | "length";

/** One sampled continuation (Tinker SampledSequence). */
export interface SampledSequence {
  /** The new tokens only (the prompt is not repeated). */
  tokens: number[];
  /** log p(token) under the sampling distribution *before* top-k/top-p truncation, at the sampling temperature. */
  logprobs: number[];
  stopReason: StopReason;
}

/**
 * One training example (Tinker Datum). Alignment: `inputTokens = seq[:-1]`, `targetTokens = seq[1:]`;
 * every per-token array has the length of `inputTokens`.
 */
export interface Datum {
  inputTokens: number[];
  targetTokens: number[];
  /** Per-token loss weights: the mask and the aggregation normaliser in one (see core/aggregation). */
  weights: number[];
  /** Sampler's log-probs of the targets (q in the Tinker loss formulas); needed by the RL losses. */
  samplingLogprobs?: number[];
  /** Per-token advantages. */
  advantages?: number[];
  /** Reference-policy log-probs of the targets; needed when a KL term is on. */
  refLogprobs?: number[];
  /** Value targets R_t (the "value" loss). */
  returns?: number[];
  /** The values when the batch was sampled, V_old (the "value" loss clips around them). */
  oldValues?: number[];
}

export type { KlEstimator, PolicyLoss } from "../core/choices.js";
import type { KlEstimator, PolicyLoss } from "../core/choices.js";

/**
 * The loss of a forwardBackward call. Every loss is Σ over datums and tokens of weight_t · ℓ_t
 * (Tinker sums; means and per-sequence normalisation live in the weights).
 */
export type LossSpec =
  /** ℓ = −lp */
  | { kind: "cross_entropy" }
  /** ℓ = −r·A, r = exp(lp − q) */
  | { kind: "importance_sampling" }
  /** ℓ = −min(r·A, clip(r, clipLow, clipHigh)·A); thresholds are absolute ratios (0.8, 1.2). */
  | { kind: "ppo"; clipLow: number; clipHigh: number }
  /** ℓ = −stopgrad(clip(r, clipLow, clipHigh))·A·lp */
  | { kind: "cispo"; clipLow: number; clipHigh: number }
  /**
   * PPO's critic: coef·½·max((V − R)², (V_old + clip(V − V_old, −clipRange, clipRange) − R)²) per token,
   * V = the value head on the policy trunk (needs returns and oldValues; clipRange 0 = unclipped). Its
   * output carries `values` and empty `logprobs`. Engines without a value head reject it.
   */
  | { kind: "value"; clipRange: number; coef: number /** V = scale·(w·h + b); default 1. */; scale?: number }
  /**
   * The native RL loss the algorithms use: a policy term (one of the above) plus
   * klCoef·KL_est(π_θ ‖ π_ref) per token (needs refLogprobs) minus entropyCoef·H(π_θ(·|context)).
   * A positive entropyCoef encourages entropy.
   */
  | {
      kind: "policy";
      policy: PolicyLoss;
      clipLow: number;
      clipHigh: number;
      klCoef: number;
      klEstimator: KlEstimator;
      entropyCoef: number;
      /**
       * PPO's critic in the same pass: adds valueCoef·(the "value" loss's ℓ) per token with the same
       * weights (needs returns and oldValues; the output carries `values`). Absent or 0 = no critic.
       */
      valueCoef?: number;
      /** The value clip of the critic term (0 = unclipped). */
      valueClip?: number;
      /** The value head's output scale (V = valueScale·(w·h + b)); default 1. */
      valueScale?: number;
    };

/** Result of forwardBackward / forward (Tinker ForwardBackwardOutput). */
export interface ForwardBackwardOutput {
  /** Per datum, per token: log p(target_t | input_≤t) under the current weights. */
  logprobs: number[][];
  /** Per datum, per token: the entropy of π_θ(·|input_≤t), where the engine gives it (the local engine does). */
  entropy?: number[][];
  /** Per datum, per token: the value head's V(prefix ≤ t) (the "value" loss only). */
  values?: number[][];
  /**
   * Metrics with reduction suffixes, as Tinker reports them: `loss:sum`, and where they apply
   * `clip_frac:mean`, `kl:mean`, `entropy:mean`, `ratio:mean` (means over weighted tokens).
   */
  metrics: Record<string, number>;
}

/** Adam parameters (Tinker AdamParams; decoupled weight decay; gradClipNorm 0 = off). */
export interface AdamParams {
  learningRate: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  gradClipNorm: number;
}

export const DEFAULT_ADAM: AdamParams = {
  learningRate: 1e-4,
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-12,
  weightDecay: 0,
  gradClipNorm: 0,
};

export interface OptimStepOutput {
  metrics: Record<string, number>;
}

export interface ModelInfo {
  name: string;
  vocabSize: number;
  /** Longest prompt + completion the engine accepts. */
  maxSequenceLength: number;
}

/** What an evaluation needs: sampling only (the OpenAI-compatible engine is one of these). */
export interface SamplingEngine {
  readonly info: ModelInfo;
  /** n completions of one prompt. */
  sample(prompt: number[], n: number, params: SamplingParams): Promise<SampledSequence[]>;
  /**
   * n completions of each prompt, result[p][j]. Engines batch this; the seed of prompt p is
   * derived from params.seed and p so that results do not depend on how requests are batched.
   */
  sampleMany(prompts: number[][], n: number, params: SamplingParams): Promise<SampledSequence[][]>;
}

/**
 * What a training loop needs (the local and Tinker engines). Calls are applied in call order: a caller
 * may submit several (forwardBackward of each micro-batch, then optimStep) before awaiting any, and each
 * sees the state the earlier calls leave (the local engine queues them on one promise chain, the Tinker
 * client numbers its requests with seq_ids in call order). A call after one that failed still runs: a
 * caller that pipelines stops using the engine's state (the run fails and resumes from a checkpoint).
 */
export interface TrainingEngine extends SamplingEngine {
  /** Per sequence: logprobs[t] = log p(seq[t+1] | seq[≤t]); length = seq.length − 1. */
  computeLogprobs(sequences: number[][]): Promise<number[][]>;
  /** Accumulates gradients of the loss (summed into what earlier calls accumulated). */
  forwardBackward(datums: Datum[], loss: LossSpec): Promise<ForwardBackwardOutput>;
  /** The same outputs without touching gradients. */
  forward(datums: Datum[], loss: LossSpec): Promise<ForwardBackwardOutput>;
  /**
   * Applies AdamW to the accumulated gradients, then clears them. Gradients with NaN or ±Inf are not
   * applied; the metrics then have `skipped:sum` 1 (0 or absent otherwise).
   */
  optimStep(params: AdamParams): Promise<OptimStepOutput>;
  /** Weights + optimizer moments + step counter, written atomically into directory `dir`. */
  saveState(dir: string): Promise<void>;
  loadState(dir: string): Promise<void>;
  /** Weights only, in Hugging Face layout (config.json + model.safetensors), for sampling or export. */
  saveWeights(dir: string): Promise<void>;
}
