// THE configuration schema, shared by the CLI, the library and the run directory (one zod schema, every
// field with a documented default, unknown fields rejected). Defaults and their sources are in the
// comments beside each field; docs/algorithms.md describes the options. Every enumeration comes from
// core/choices.ts, and every field is read somewhere (config.test.ts walks the schema to check it).
import { readFileSync } from "node:fs";
import { z } from "zod";
import {
  ADVANTAGE_ESTIMATORS,
  ADVANTAGE_SCALES,
  type AdvantageScale,
  AGGREGATION_MODES,
  ALGOS,
  CHAT_TEMPLATES,
  CORRECTION_RENDERINGS,
  DEAD_ZONE_MODES,
  KL_ESTIMATORS,
  KL_MODES,
  LAYER2_NORMALIZATIONS,
  LORA_TARGET_MODULES,
  LR_SCHEDULES,
  MGRPO_ORDERS,
  POLICY_LOSSES,
  PROMPT_PRESETS,
  REWARD_KINDS,
  SAVE_DTYPES,
} from "../core/choices.js";
import { DEFAULT_MAX_SHARD_BYTES } from "../engine/local/shardedSafetensors.js";
import { DEFAULT_REFLECTION_WORDS } from "../core/reflectionWords.js";
import { DEFAULT_ADAM } from "../engine/types.js";
import { JsonSyntaxError, parseJsonText } from "./jsonText.js";

/** The paper's number of generations (MGRPO 001 §4, "number of generations = 8"). */
const DEFAULT_GROUP_SIZE = 8;

const int = (min: number) => z.number().int().min(min);

const promptSchema = z.strictObject({
  /** The chat template the question is rendered with. Default "chatml-think" (ChatML, the answer opens a <think> block). */
  template: z.enum(CHAT_TEMPLATES).default("chatml-think"),
  /**
   * A seed paper's prompt: "one-shot-rlvr" appends " Let's think step by step and output the final answer
   * within \\boxed{}." (1-shot RLVR), "mgrpo-table1" adds the MGRPO paper's layer-1 system prompt
   * (Table 1). `system` and `suffix` given here win over the preset's. Default "none".
   */
  preset: z.enum(PROMPT_PRESETS).default("none"),
  /** A system turn before the question; absent = the preset's (none by default). */
  system: z.string().optional(),
  /** Text appended to the question (e.g. an answer-format instruction); absent = the preset's (none by default). */
  suffix: z.string().optional(),
});

const taskSchema = z.strictObject({
  /** Task name (the registry of tasks resolves it). Default "arith", the synthetic arithmetic task. */
  name: z.string().min(1).default("arith"),
  /**
   * Number of distinct training problems; absent = the task's whole training stream. 1 gives
   * 1-shot RLVR (003): one example duplicated to fill the batch.
   */
  trainSize: int(1).optional(),
  /**
   * A JSON file of chosen training examples (`rlvr select-examples --json` writes one:
   * {"examples": [{"id", "prompt", "answer", …}]}): the training pool is these examples only, repeated to
   * fill every batch (1-shot RLVR, 003). Absent = the task's training split.
   */
  examples: z.string().min(1).optional(),
  /** Task-specific parameters, checked by the task itself (tasks/registry.ts lists them). Default {}. */
  options: z.record(z.string(), z.unknown()).default({}),
  prompt: promptSchema.prefault({}),
});

const batchSchema = z.strictObject({
  /** Prompts per step. Default 16: the MGRPO paper uses 32 on GPUs; 16 halves a CPU step. */
  promptsPerStep: int(1).default(16),
  /** G, samples per prompt. Default 8 (MGRPO 001, GRPO papers). */
  groupSize: int(1).default(DEFAULT_GROUP_SIZE),
});

const samplingSchema = z.strictObject({
  /** Training sampling temperature. Default 1.0 (CoRPO 002 setup; unbiased on-policy samples). */
  temperature: z.number().min(0).default(1),
  /** -1 or 0 disables top-k (engine convention). Default -1. */
  topK: int(-1).default(-1),
  /** 1 disables nucleus sampling. Default 1.0 (CoRPO 002). */
  topP: z.number().gt(0).max(1).default(1),
  /**
   * Maximum completion tokens. Default 256: the synthetic task's solutions are well under 200
   * characters; the paper's 8196 is for a 7B model on MATH. Also the constant normaliser of the
   * `seq-mean-token-sum-norm` aggregation.
   */
  maxTokens: int(1).default(256),
});

const advantageSchema = z.strictObject({
  /** Group baseline (docs/algorithms.md table). Default "grpo". */
  estimator: z.enum(ADVANTAGE_ESTIMATORS).default("grpo"),
  /**
   * Std scaling after centring. Default: "group" for `grpo`, "none" for every other estimator
   * (they are defined without a std division; core/advantages.ts), resolved by parseConfig.
   */
  scale: z.enum(ADVANTAGE_SCALES).optional(),
  /** R_min_correct: the smallest reward that counts as correct (static, corpo). Default 1 (binary reward). */
  rMinCorrect: z.number().default(1),
});

const klSchema = z.strictObject({
  /**
   * β. Default 0.001: the value of the MGRPO paper (001 §4) and of 1-shot RLVR (003), and GRPO's usual
   * one. CoRPO (002) used 0; set it to 0 to reproduce that setup (no reference log-probs are needed then).
   */
  coef: z.number().min(0).default(0.001),
  /** KL estimator (Schulman 2020). Default "k3", GRPO's (always ≥ 0). */
  estimator: z.enum(KL_ESTIMATORS).default("k3"),
  /** In the loss (GRPO) or subtracted from the reward (PPO-style). Default "in-loss". `ppo` always uses the reward. */
  mode: z.enum(KL_MODES).default("in-loss"),
});

const lossSchema = z.strictObject({
  /** Policy term. Default "ppo" (GRPO's clipped surrogate). */
  policy: z.enum(POLICY_LOSSES).default("ppo"),
  /** ε_low, relative: the ratio is clipped below at 1 − ε_low. Default 0.2 (GRPO/PPO). */
  clipLow: z.number().min(0).max(1).default(0.2),
  /** ε_high, relative: the ratio is clipped above at 1 + ε_high. Default 0.2; larger = clip-higher (DAPO). */
  clipHigh: z.number().min(0).default(0.2),
  /** Token aggregation. Default "seq-mean-token-mean" (GRPO as written). */
  aggregation: z.enum(AGGREGATION_MODES).default("seq-mean-token-mean"),
  kl: klSchema.prefault({}),
  /**
   * Entropy bonus coefficient; positive *encourages* entropy (engine convention: the loss has
   * −entropyCoef·H). 1-shot RLVR's α = −0.001 (003's sign convention) is entropyCoef = 0.001 here.
   * Default 0 (GRPO, MGRPO and CoRPO use none).
   */
  entropyCoef: z.number().default(0),
});

const rewardSchema = z.strictObject({
  /** "binary" (1 if correct else 0) or "ordinal" (the task's partial credit in [0,1]). Default "binary". */
  kind: z.enum(REWARD_KINDS).default("binary"),
  /**
   * Your own reward: a module (.js/.mjs; .ts under tsx) exporting `score(completion, example)` that
   * returns a number or { reward, correct?, reason? }, sync or async; it replaces the task's scorer.
   * Absent = the task's verifier.
   */
  module: z.string().min(1).optional(),
});

const difficultyFilterSchema = z
  .strictObject({
    /** Keep only prompts whose recent success rate is strictly between lo and hi. Default off. */
    enabled: z.boolean().default(false),
    /** Default 0 (exclusive). */
    lo: z.number().min(0).max(1).default(0),
    /** Default 1 (exclusive). */
    hi: z.number().min(0).max(1).default(1),
    /** How many recent visits of a prompt make its success rate. Default 4. */
    window: int(1).default(4),
  })
  .superRefine((f, ctx) => {
    if (f.lo >= f.hi)
      ctx.addIssue({ code: "custom", path: ["lo"], message: `must be below hi (${f.hi}), got ${f.lo}` });
  });

const deadZoneSchema = z.strictObject({
  /**
   * What to do with groups whose rewards are all equal (zero advantage): "keep" (GRPO as written, no
   * signal) or "dynamic-sampling" (DAPO: drop them and sample more prompts until the batch is full).
   * Default "keep".
   */
  mode: z.enum(DEAD_ZONE_MODES).default("keep"),
  /** Cap on extra sampling rounds per step in dynamic sampling. Default 10 (DAPO's verl recipe, max_num_gen_batches). */
  maxRounds: int(0).default(10),
  difficultyFilter: difficultyFilterSchema.prefault({}),
});

const optimSchema = z.strictObject({
  /**
   * Peak learning rate. Default 1e-4 (Tinker's AdamParams default, the engine's DEFAULT_ADAM): the
   * papers' 5e-7 (MGRPO) and 1e-6 (CoRPO, 1-shot) are for 1.5–7B models and would not move the
   * shipped small model in minutes. Set it for large models.
   */
  lr: z.number().gt(0).default(DEFAULT_ADAM.learningRate),
  /** Learning-rate schedule. Default "cosine" (MGRPO 001 §4). */
  schedule: z.enum(LR_SCHEDULES).default("cosine"),
  /** Fraction of steps of linear warm-up. Default 0.03 (MGRPO 001 §4). */
  warmupRatio: z.number().min(0).max(1).default(0.03),
  /** Final lr as a fraction of the peak, for linear and cosine. Default 0 (decay to zero, as HF schedulers). */
  minLrRatio: z.number().min(0).max(1).default(0),
  /** Adam β1. Default 0.9 (Tinker, engine). */
  beta1: z.number().min(0).lt(1).default(DEFAULT_ADAM.beta1),
  /** Adam β2. Default 0.95 (Tinker, engine). */
  beta2: z.number().min(0).lt(1).default(DEFAULT_ADAM.beta2),
  /** Adam ε. Default 1e-12 (Tinker, engine). */
  eps: z.number().gt(0).default(DEFAULT_ADAM.eps),
  /** Decoupled weight decay. Default 0 (Tinker, TRL's GRPO). */
  weightDecay: z.number().min(0).default(DEFAULT_ADAM.weightDecay),
  /** Global gradient-norm clip; 0 = off. Default 1.0 (TRL and verl RL defaults; RL gradients are spiky). */
  gradClipNorm: z.number().min(0).default(1),
  /** Optimizer updates per sampled batch (μ). Default 1: strictly on-policy (CoRPO 002, TRL GRPO). */
  updatesPerBatch: int(1).default(1),
});

const mgrpoSchema = z.strictObject({
  /**
   * H, corrections sampled per layer-1 attempt. Default 8: the paper's one "number of generations = 8"
   * (001, implementation details), which it does not separate by layer. H = 4 halves layer 2's cost.
   */
  layer2Group: int(1).default(8),
  /** "preset" (the paper's pool, 001 §3.2.4) or a list of the user's own guide phrases. Default "preset". */
  guidePhrases: z.union([z.literal("preset"), z.array(z.string().min(1)).min(1)]).default("preset"),
  /**
   * "continue-think": the guide phrase continues the attempt inside the open reasoning block (the paper's
   * worked example, 001 appendix); "new-turn": the attempt is closed and the phrase is a new user turn.
   * Default "continue-think".
   */
  rendering: z.enum(CORRECTION_RENDERINGS).default("continue-think"),
  /** "sequential": layer-1 update, then layer-2 sampling and update (the paper's). Default "sequential". */
  order: z.enum(MGRPO_ORDERS).default("sequential"),
  /**
   * Discard groups whose attempt was right and whose corrections are all wrong. Default true: the paper
   * discards every group with no right correction; with group-normalised advantages it carries no signal.
   */
  discardRightThenAllWrong: z.boolean().default(true),
  /**
   * How layer 2's loss weighs against layer 1's. "paper": eq. 6 as written (001 §3.2), 1/H Σ_j Σ_h over
   * the G correction queries of a question, so a question's layer-2 loss weighs up to G times its layer-1
   * loss; "attempt-mean": also divided by G, so both layers weigh a question alike. Default "paper".
   */
  layer2Normalization: z.enum(LAYER2_NORMALIZATIONS).default("paper"),
  /**
   * Leave out of the layer-2 update the kept groups whose advantages are all 0 (all H corrections
   * rewarded alike under GRPO): their surrogate gradient is 0, so what is lost is only their KL term, and
   * the update is cheaper by their share (`layer2_zero_advantage_groups`). Default false (eq. 6 as written).
   */
  dropZeroAdvantageGroups: z.boolean().default(false),
});

const ppoSchema = z.strictObject({
  /** Discount γ over completion tokens. Default 1 (an outcome reward at the end; TRL's PPO, InstructGPT). */
  gamma: z.number().min(0).max(1).default(1),
  /** GAE λ. Default 0.95 (TRL's PPO default; Schulman et al. 2016). */
  lambda: z.number().min(0).max(1).default(0.95),
  /** ε of the value clip around the values at sampling time; 0 = unclipped. Default 0.2 (TRL's cliprange_value). */
  valueClip: z.number().min(0).default(0.2),
  /**
   * The value head's output scale, V = s·(w·h + b): under Adam its learning-rate multiplier (the head's
   * steps are lr-sized whatever the gradient's scale, so V moves s times faster). Default 10: at lr 10⁻⁴
   * and s = 1 the critic of a zero-initialised head needed ~50 steps to reach the mean return.
   */
  valueScale: z.number().gt(0).default(10),
  /** Weight of the value loss; its gradient reaches the shared trunk. Default 0.1 (TRL's vf_coef). */
  valueCoef: z.number().min(0).default(0.1),
  /**
   * Passes over each sampled batch. Default 1: TRL uses 4, but on the CPU engine each pass costs a full
   * forward and backward of the batch (twice: policy and value); with 2 minibatches one pass still takes
   * two optimizer steps per batch.
   */
  epochs: int(1).default(1),
  /** Minibatches per pass, one optimizer step each. Default 2. */
  minibatches: int(1).default(2),
  /** Normalise the advantages over the batch's tokens. Default true (PPO as usually run). */
  whitenAdvantages: z.boolean().default(true),
});

const starSchema = z.strictObject({
  /**
   * star-rationalize: the hint appended to a failed problem's question for rationalisation; {answer} is
   * the gold answer. The hint is not in the prompt that is trained on. Default " (The answer is {answer}.)".
   */
  hint: z
    .string()
    .refine((h) => h.includes("{answer}"), "must contain {answer}")
    .default(" (The answer is {answer}.)"),
  /** R, rationalisations sampled per problem with no correct sample. Default 4. */
  rationalizationSamples: int(0).default(4),
  /** Correct traces kept per problem (sampled and rationalised alike); 0 = all. Default 2. */
  maxTracesPerProblem: int(0).default(2),
  /** Optimizer steps of SFT on each round's traces (from the round's starting model). Default 1. */
  sftSteps: int(1).default(1),
});

const localEngineSchema = z.strictObject({
  kind: z.literal("local"),
  /** onnxruntime threads per op; absent = $RLVR_NUM_THREADS, else every core. */
  threads: int(1).optional(),
  /**
   * How checkpoints and saved models store the weights: "float32", or "bfloat16" (half the bytes, as
   * Hugging Face models are published; a run resumed from it continues from the rounded weights). The
   * optimizer state is always float32. Default "float32".
   */
  saveDtype: z.enum(SAVE_DTYPES).default("float32"),
  /**
   * Largest safetensors file a checkpoint writes: weights and AdamW moments above it are split into
   * shards with an index (Hugging Face's layout). Default 5e9 bytes (huggingface_hub's "5GB").
   */
  maxShardBytes: int(1).default(DEFAULT_MAX_SHARD_BYTES),
});

const scriptedEngineSchema = z.strictObject({
  /**
   * Answers every prompt with `completions` in turn and learns nothing: runs a task, its reward and the
   * whole loop without a model (a dry run of a pipeline; the tests' engine). The model's tokenizer is used.
   */
  kind: z.literal("scripted"),
  completions: z.array(z.string()).min(1),
  /** The log-prob reported for every sampled and every scored token. Default -1. */
  logprob: z.number().max(0).default(-1),
});

const tinkerEngineSchema = z.strictObject({
  /**
   * Trains and samples on a Tinker server (the hosted service, a self-hosted one, or `rlvr serve`); the
   * API key comes from $TINKER_API_KEY, never from the config. The model's tokenizer is still read from
   * `model`. The LoRA rank asked of the server is the `lora` section's (default 32, Tinker's).
   */
  kind: z.literal("tinker"),
  /** The server's root URL, e.g. http://127.0.0.1:8000. */
  baseUrl: z.url({ protocol: /^https?$/ }),
  /** The server's name of the base model (get_server_capabilities lists them). */
  baseModel: z.string().min(1),
});

const openaiEngineSchema = z.strictObject({
  /**
   * Samples from an OpenAI-compatible server (vLLM, SGLang, llama.cpp, `rlvr serve`) for evaluation; it
   * cannot train. The API key comes from $OPENAI_API_KEY. The tokenizer is read from `model`.
   */
  kind: z.literal("openai"),
  /** The server's root URL (the API is under /v1). */
  baseUrl: z.url({ protocol: /^https?$/ }),
  /** The served model's name. */
  servedModel: z.string().min(1),
});

/**
 * LoRA (engine/local/lora.ts): train low-rank adapters on frozen weights; checkpoints hold the adapters
 * (PEFT layout) and their moments only. Absent = full fine-tuning (the local engine; a Tinker server is
 * asked for rank 32). With engine.kind tinker the server trains the adapter (engine/tinker/loraConfig.ts:
 * whole attention/MLP groups, α 32).
 */
const loraSchema = z.strictObject({
  /** r, the adapters' rank. Default 32 (Tinker's LoraConfig default). */
  rank: int(1).default(32),
  /** α: the update B·A is scaled by α/r (PEFT). Default 32 (Tinker's fixed α). */
  alpha: z.number().gt(0).default(32),
  /**
   * Dropout p on the adapters' input (PEFT's lora_dropout), in training passes only, from the run's seed
   * (a resumed run draws the same masks). Default 0.
   */
  dropout: z.number().min(0).lt(1).default(0),
  /**
   * The linear layers adapted in every decoder layer. Default all seven (attention and MLP, as Tinker
   * trains them; PEFT's own default for Qwen2/Llama is q_proj and v_proj).
   */
  targetModules: z
    .array(z.enum(LORA_TARGET_MODULES))
    .min(1)
    .default([...LORA_TARGET_MODULES]),
});

/** The engine that samples and trains (engine/factory.ts). Default: the embedded local engine. */
const engineSchema = z.discriminatedUnion("kind", [
  localEngineSchema,
  scriptedEngineSchema,
  tinkerEngineSchema,
  openaiEngineSchema,
]);

const labelAuditSchema = z.strictObject({
  /**
   * Flag an example in label_audit.jsonl when, among its samples of a step with confidence (geometric-mean
   * token probability) at least minConfidence, one wrong answer holds at least minAgreement of them.
   * Default on.
   */
  enabled: z.boolean().default(true),
  /** Default 0.9. */
  minConfidence: z.number().gt(0).max(1).default(0.9),
  /** Default 0.75 (must exceed ½: "most"). */
  minAgreement: z.number().gt(0.5).max(1).default(0.75),
  /** Confident samples needed to judge a group. Default 4. */
  minConfident: int(1).default(4),
});

const runSchema = z.strictObject({
  /** Run directory. Default "runs/<algo>-<task.name>-seed<seed>", resolved by parseConfig. */
  out: z.string().min(1).optional(),
  /** Checkpoint every N steps (and at the end); 0 = only at the end. Default 10. */
  checkpointEvery: int(0).default(10),
  /** Keep only the last K checkpoints; 0 = keep all. Default 0 (nothing is deleted unless asked). */
  keepCheckpoints: int(0).default(0),
  /** Samples written to samples.jsonl per step. Default 8 (one group at G = 8). */
  samplesPerStep: int(0).default(8),
  /**
   * Held-out greedy accuracy every N steps (and after the last), as `eval/accuracy` in metrics.jsonl;
   * 0 = none during training. Default 0.
   */
  evalEvery: int(0).default(0),
  /**
   * Stop the run after this many steps in a row whose update the engine skipped because its gradients
   * were NaN or ±Inf (each one is logged). Default 3.
   */
  maxNonFiniteSteps: int(1).default(3),
  /** Test-split problems per evaluation. Default 200. */
  evalProblems: int(1).default(200),
  /** Sampling temperature of the held-out evaluation; 0 = greedy. Default 0. */
  evalTemperature: z.number().min(0).default(0),
  /** Samples per problem of the held-out evaluation (its accuracy is their mean). Default 1. */
  evalSamples: int(1).default(1),
  /**
   * Words counted in every step's sampled completions as `rollout/reflection_words` (1-shot RLVR §3.3:
   * self-reflection increases). Whole words, case-insensitive. Default the paper's and common markers.
   */
  reflectionWords: z.array(z.string().min(1)).default([...DEFAULT_REFLECTION_WORDS]),
  labelAudit: labelAuditSchema.prefault({}),
});

/** Versions a run directory records beside its config; accepted on input (so a run's config.json loads), dropped from Config. */
const versionsSchema = z.record(z.string(), z.string());

export const configSchema = z.strictObject({
  /** Algorithm. Default "grpo". */
  algo: z.enum(ALGOS).default("grpo"),
  task: taskSchema.prefault({}),
  /** Model directory (Hugging Face layout or a saved state), a Hub id ("org/name[@revision]", run/hubModels.ts), or "default" = the shipped warm start. */
  model: z.string().min(1).default("default"),
  engine: engineSchema.prefault({ kind: "local" }),
  lora: loraSchema.optional(),
  /** Seed of every random stream of the run. Default 0. */
  seed: int(0).max(0xffffffff).default(0),
  /** Training steps (optimizer steps for sft). Default 100. */
  steps: int(1).default(100),
  batch: batchSchema.prefault({}),
  sampling: samplingSchema.prefault({}),
  advantage: advantageSchema.prefault({}),
  loss: lossSchema.prefault({}),
  reward: rewardSchema.prefault({}),
  deadZone: deadZoneSchema.prefault({}),
  optim: optimSchema.prefault({}),
  mgrpo: mgrpoSchema.prefault({}),
  star: starSchema.prefault({}),
  ppo: ppoSchema.prefault({}),
  run: runSchema.prefault({}),
  versions: versionsSchema.optional(),
});

/** Estimators whose baseline is the group's own rewards: with one sample per group they have no signal. */
const GROUP_RELATIVE = new Set(["grpo", "mean", "rloo"]);

/** Rules across sections: settings that would run without learning anything. */
const checkedConfigSchema = configSchema.superRefine((c, ctx) => {
  if (
    c.algo === "star" ||
    c.algo === "star-rationalize" ||
    c.algo === "ppo" ||
    !GROUP_RELATIVE.has(c.advantage.estimator)
  )
    return;
  const why = `with ${c.advantage.estimator} advantages a group of one has zero variance and trains nothing`;
  if (c.batch.groupSize < 2)
    ctx.addIssue({
      code: "custom",
      path: ["batch", "groupSize"],
      message: `must be >= 2 (${why}), got ${c.batch.groupSize}`,
    });
  if (c.algo === "mgrpo" && c.mgrpo.layer2Group < 2)
    ctx.addIssue({
      code: "custom",
      path: ["mgrpo", "layer2Group"],
      message: `must be >= 2 (${why}), got ${c.mgrpo.layer2Group}`,
    });
});

type Parsed = z.output<typeof configSchema>;

/** A resolved configuration: every field present, derived defaults filled in. */
export type Config = Omit<Parsed, "versions" | "advantage" | "run"> & {
  advantage: Parsed["advantage"] & { scale: AdvantageScale };
  run: Parsed["run"] & { out: string };
};

/** What a config file or an override may contain: every field optional. */
export type ConfigInput = z.input<typeof configSchema>;

export type Algo = Config["algo"];

export interface ConfigIssue {
  /** "loss.kl.coef", "mgrpo.guidePhrases[2]", "" for the whole config. */
  path: string;
  message: string;
}

/** A configuration that cannot be used; the message names the source and every field at fault. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(
      issues
        .map((i) => (i.path ? `${source}: ${i.path}: ${i.message}` : `${source}: ${i.message}`))
        .join("\n"),
    );
    this.name = "ConfigError";
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

function describeValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return String(v);
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j];
      d[j] = Math.min(
        d[j] + 1,
        d[j - 1] + 1,
        prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1),
      );
      prev = tmp;
    }
  }
  return d[b.length];
}

/** The schema object at `path` (for "did you mean" suggestions). */
function knownKeys(path: readonly PropertyKey[]): string[] {
  // biome-ignore lint/suspicious/noExplicitAny: walking zod internals
  let s: any = configSchema;
  for (const p of path) {
    while (s && !s.shape && s.def?.innerType) s = s.def.innerType;
    if (!s?.shape || typeof p !== "string") return [];
    s = s.shape[p];
  }
  while (s && !s.shape && s.def?.innerType) s = s.def.innerType;
  return s?.shape ? Object.keys(s.shape) : [];
}

function issuesOf(error: z.ZodError): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of error.issues) {
    const path = issue.path;
    switch (issue.code) {
      case "unrecognized_keys": {
        const known = knownKeys(path);
        for (const key of issue.keys) {
          const best = known
            .map((k) => ({ k, d: editDistance(key, k) }))
            .filter((x) => x.d <= Math.max(1, Math.floor(x.k.length / 3)))
            .sort((a, b) => a.d - b.d)[0];
          out.push({
            path: formatPath([...path, key]),
            message: best ? `unknown field (did you mean "${best.k}"?)` : "unknown field",
          });
        }
        break;
      }
      case "invalid_type": {
        const expected =
          issue.expected === "int"
            ? "an integer"
            : issue.expected === "object"
              ? "an object"
              : issue.expected;
        out.push({
          path: formatPath(path),
          message: `expected ${expected}, got ${describeValue(issue.input)}`,
        });
        break;
      }
      case "invalid_value":
        out.push({
          path: formatPath(path),
          message: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}; got ${describeValue(issue.input)}`,
        });
        break;
      case "too_small":
      case "too_big": {
        const op = issue.code === "too_small" ? (issue.inclusive ? ">=" : ">") : issue.inclusive ? "<=" : "<";
        const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
        const what = issue.origin === "array" || issue.origin === "string" ? "length " : "";
        const got =
          issue.origin === "array" || issue.origin === "string"
            ? `${(issue.input as { length: number }).length}`
            : describeValue(issue.input);
        const verb = what ? `must have ${what}` : "must be ";
        out.push({ path: formatPath(path), message: `${verb}${op} ${String(bound)}, got ${got}` });
        break;
      }
      case "invalid_union":
        if (formatPath(path) === "mgrpo.guidePhrases") {
          out.push({
            path: formatPath(path),
            message: `expected "preset" or a non-empty list of non-empty strings, got ${describeValue(issue.input)}`,
          });
        } else {
          out.push({ path: formatPath(path), message: issue.message });
        }
        break;
      default:
        out.push({ path: formatPath(path), message: issue.message });
    }
  }
  return out;
}

/** The default run directory of a config: runs/<algo>-<task>-seed<seed>. */
export function defaultOutDir(c: { algo: string; task: { name: string }; seed: number }): string {
  return `runs/${c.algo}-${c.task.name.replace(/[^A-Za-z0-9._-]+/g, "_")}-seed${c.seed}`;
}

/**
 * Validates a configuration and fills in every default. `source` names where it came from (a file
 * path, "command line") and starts every error line. Throws ConfigError.
 */
export function parseConfig(input: unknown, source: string): Config {
  if (input !== undefined && (typeof input !== "object" || input === null || Array.isArray(input)))
    throw new ConfigError(source, [
      { path: "", message: `expected a JSON object, got ${describeValue(input)}` },
    ]);
  const result = checkedConfigSchema.safeParse(input ?? {}, { reportInput: true });
  if (!result.success) throw new ConfigError(source, issuesOf(result.error));
  const { versions: _versions, ...c } = result.data;
  const { estimator, scale, rMinCorrect } = c.advantage;
  return {
    ...c,
    advantage: { estimator, scale: scale ?? (estimator === "grpo" ? "group" : "none"), rMinCorrect },
    run: { ...c.run, out: c.run.out ?? defaultOutDir(c) },
  };
}

/** Reads and validates a JSON config file; syntax errors name file:line:column, schema errors file and field. */
export function loadConfigFile(path: string): Config {
  return parseConfig(readConfigInput(path), path);
}

/** Reads a JSON config file without validating it (for merging with overrides before parseConfig). */
export function readConfigInput(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : (err as Error).message;
    throw new ConfigError(path, [{ path: "", message: `cannot read config: ${why}` }]);
  }
  try {
    return parseJsonText(text, path);
  } catch (err) {
    if (err instanceof JsonSyntaxError) {
      throw new ConfigError(`${path}:${err.line}:${err.column}`, [
        { path: "", message: `invalid JSON: ${err.detail}` },
      ]);
    }
    throw err;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Deep-merges overrides onto a base (a config file's content or a resolved Config): objects merge key
 * by key, anything else (numbers, strings, arrays) is replaced; `undefined` in overrides leaves the base.
 * Returns raw input; pass it to parseConfig, so that derived defaults (run.out, advantage.scale) follow
 * the overridden fields.
 */
export function mergeConfig(base: unknown, overrides: unknown): ConfigInput {
  const merge = (a: unknown, b: unknown): unknown => {
    if (b === undefined) return a;
    if (!isPlainObject(a) || !isPlainObject(b)) return b;
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) {
      Object.defineProperty(out, k, {
        value: merge(a[k], v),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  };
  return merge(base ?? {}, overrides) as ConfigInput;
}

/** The fully defaulted configuration. */
export function defaultConfig(): Config {
  return parseConfig({}, "defaults");
}
