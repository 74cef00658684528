// Every enumeration a config can name, as one `as const` tuple each: the types below and the zod enums
// of run/config.ts are both built from these, so a value added here is selectable, and a value used in
// code but missing here does not compile.

/** The RL algorithms `rlvr train` runs (docs/algorithms.md). */
export const ALGOS = ["grpo", "mgrpo", "star", "star-rationalize", "ppo"] as const;
export type Algo = (typeof ALGOS)[number];

/** Group baselines (docs/algorithms.md#advantage-estimators). */
export const ADVANTAGE_ESTIMATORS = ["grpo", "mean", "rloo", "static", "corpo"] as const;
export type AdvantageEstimator = (typeof ADVANTAGE_ESTIMATORS)[number];

/** Std scaling after centring: per group, over the batch, or none. */
export const ADVANTAGE_SCALES = ["group", "batch", "none"] as const;
export type AdvantageScale = (typeof ADVANTAGE_SCALES)[number];

/** Schulman's KL estimators k1, k2, k3. */
export const KL_ESTIMATORS = ["k1", "k2", "k3"] as const;
export type KlEstimator = (typeof KL_ESTIMATORS)[number];

/** Where the KL term goes: into the loss (GRPO) or subtracted from the reward (PPO-style). */
export const KL_MODES = ["in-loss", "in-reward"] as const;
export type KlMode = (typeof KL_MODES)[number];

/** The policy term of the RL loss (engine/types.ts LossSpec "policy"). */
export const POLICY_LOSSES = ["ppo", "importance_sampling", "cispo"] as const;
export type PolicyLoss = (typeof POLICY_LOSSES)[number];

/** Token aggregation of the loss (docs/algorithms.md#token-aggregation). */
export const AGGREGATION_MODES = ["seq-mean-token-mean", "token-mean", "seq-mean-token-sum-norm"] as const;
export type AggregationMode = (typeof AGGREGATION_MODES)[number];

/** The training reward: the binary verdict or the task's ordinal partial credit. */
export const REWARD_KINDS = ["binary", "ordinal"] as const;
export type RewardKind = (typeof REWARD_KINDS)[number];

/** Learning-rate schedules. */
export const LR_SCHEDULES = ["constant", "linear", "cosine"] as const;
export type LrSchedule = (typeof LR_SCHEDULES)[number];

/** Zero-variance groups: keep them (GRPO) or resample (DAPO dynamic sampling). */
export const DEAD_ZONE_MODES = ["keep", "dynamic-sampling"] as const;
export type DeadZoneMode = (typeof DEAD_ZONE_MODES)[number];

/** How an MGRPO correction query is rendered after the attempt. */
export const CORRECTION_RENDERINGS = ["continue-think", "new-turn"] as const;
export type CorrectionRendering = (typeof CORRECTION_RENDERINGS)[number];

/** MGRPO's update order: layer-1 update before layer-2 sampling, or one update of both. */
export const MGRPO_ORDERS = ["sequential", "combined"] as const;
export type MgrpoOrder = (typeof MGRPO_ORDERS)[number];

/** MGRPO layer-2 loss normalisation: eq. 6 as written, or also divided by G. */
export const LAYER2_NORMALIZATIONS = ["paper", "attempt-mean"] as const;
export type Layer2Normalization = (typeof LAYER2_NORMALIZATIONS)[number];

/** Chat templates a task's prompt can be rendered with: the built-in one, or the model's own. */
export const CHAT_TEMPLATES = ["chatml-think", "model"] as const;
export type ChatTemplateName = (typeof CHAT_TEMPLATES)[number];

/**
 * Prompt presets of the seed papers (tasks/promptPresets.ts): none; the 1-shot RLVR paper's answer-format
 * suffix; the MGRPO paper's layer-1 system prompt (Table 1).
 */
export const PROMPT_PRESETS = ["none", "one-shot-rlvr", "mgrpo-table1"] as const;
export type PromptPreset = (typeof PROMPT_PRESETS)[number];

/** Engines a config can choose (engine/factory.ts). */
export const ENGINE_KINDS = ["local", "scripted", "tinker", "openai"] as const;
export type EngineKind = (typeof ENGINE_KINDS)[number];

/** How saved weights are stored: float32, or bfloat16 (half the bytes; training state stays float32). */
export const SAVE_DTYPES = ["float32", "bfloat16"] as const;
export type SaveDtype = (typeof SAVE_DTYPES)[number];

/** The linear layers LoRA can adapt (Hugging Face module names of the Qwen2/Llama decoder layer). */
export const LORA_TARGET_MODULES = [
  "q_proj",
  "k_proj",
  "v_proj",
  "o_proj",
  "gate_proj",
  "up_proj",
  "down_proj",
] as const;
export type LoraTargetModule = (typeof LORA_TARGET_MODULES)[number];

/** How `rlvr select-examples` chooses 1-shot RLVR examples from a run's history (core/exampleHistory.ts). */
export const EXAMPLE_SELECTIONS = ["variance", "random"] as const;
export type ExampleSelection = (typeof EXAMPLE_SELECTIONS)[number];
