// Everything a command needs to train or evaluate a model from a config: the engines (engine/factory.ts),
// the tokenizer, the task with its options, and the prompt renderer of task.prompt.
import { openEngines, openSamplingEngine } from "../engine/factory.js";
import { type GenerationConfig, readGenerationConfig } from "../engine/generationConfig.js";
import { loadTokenizer } from "../engine/tokenizer/loadTokenizer.js";
import { stopTokenIds } from "../engine/tokenizer/stopTokens.js";
import type { Tokenizer } from "../engine/tokenizer/types.js";
import type { SamplingEngine, TrainingEngine } from "../engine/types.js";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type ModelChatTemplate, modelChatTemplate, promptRenderer } from "../tasks/chatTemplate.js";
import type { ModelChatFormat } from "../tasks/correctionPrompt.js";
import { loadTask } from "../tasks/registry.js";
import type { RewardFunction } from "../tasks/rewardModule.js";
import type { Problem, Task } from "../tasks/types.js";
import type { Config } from "./config.js";
import { locateModel } from "./models.js";

export interface ModelSession {
  modelDir: string;
  engine: TrainingEngine;
  /** The frozen reference policy, when the session was opened with one. */
  reference?: TrainingEngine;
  tokenizer: Tokenizer;
  /** The model's generation_config.json (sampling defaults, eos ids), null when it has none. */
  generationConfig: GenerationConfig | null;
  /** Where sampling stops: the tokenizer's eos and end-of-turn tokens and the generation config's eos ids. */
  stopTokens: number[];
  task: Task;
  renderPrompt: (problem: Problem) => string;
  /** The model's own chat template when task.prompt.template is "model" (correction queries use it too). */
  modelChat?: ModelChatFormat;
  close(): Promise<void>;
}

/** The parts of a config a session is built from. */
export type SessionSpec = Pick<Config, "model" | "engine" | "task" | "reward"> &
  Partial<Pick<Config, "lora" | "seed">>;

export interface OpenSessionOptions {
  /** The policy's weights come from here (a checkpoint directory) instead of the model. */
  weightsDir?: string;
  /** Open a frozen reference policy (the model's weights) too. Default false. */
  reference?: boolean;
  /** Give the policy a value head (PPO's critic). Default false. */
  valueHead?: boolean;
  /** A reward function in place of the task's scorer and of reward.module (library use). */
  reward?: RewardFunction;
  /** Gets what loading the task left out (skipped bad rows). */
  notes?: string[];
}

/** The model's own chat template, from its tokenizer_config.json. */
function chatTemplateOf(modelDir: string): ModelChatTemplate {
  const file = join(modelDir, "tokenizer_config.json");
  if (!existsSync(file))
    throw new Error(`${file}: not found (task.prompt.template "model" reads its chat_template)`);
  return modelChatTemplate(JSON.parse(readFileSync(file, "utf8")), file);
}

/** What an evaluation needs: a session whose engine may only sample (any engine kind, openai too). */
export type SamplingSession = Omit<ModelSession, "engine" | "reference"> & { engine: SamplingEngine };

/** Everything of a session but its engines: the model directory, tokenizer, stop tokens, task, prompt. */
async function sessionParts(spec: SessionSpec, o: OpenSessionOptions) {
  const modelDir = await locateModel(spec.model);
  const tokenizer = loadTokenizer(modelDir);
  const generationConfig = readGenerationConfig(modelDir);
  const task = await loadTask(spec.task, { reward: o.reward ?? spec.reward.module, notes: o.notes });
  const stopTokens = stopTokenIds(tokenizer, generationConfig?.eosTokenIds ?? []);
  const model = spec.task.prompt.template === "model" ? chatTemplateOf(modelDir) : undefined;
  return {
    modelDir,
    tokenizer,
    generationConfig,
    stopTokens,
    task,
    renderPrompt: promptRenderer(spec.task.prompt, model),
    modelChat: model && { ...model, endOfTurn: stopTokens.map((id) => tokenizer.decode([id])) },
  };
}

/** Opens the config's model on its engine for sampling only (rlvr eval), with its task and prompt. */
export async function openSamplingSession(
  spec: SessionSpec,
  o: Omit<OpenSessionOptions, "reference"> = {},
): Promise<SamplingSession> {
  const parts = await sessionParts(spec, o);
  const opened = await openSamplingEngine(spec.engine, {
    modelDir: parts.modelDir,
    tokenizer: parts.tokenizer,
    weightsDir: o.weightsDir,
    lora: spec.lora,
    seed: spec.seed,
  });
  return { ...parts, engine: opened.engine, close: () => opened.close() };
}

/** Opens the config's model on its engine, with its task, reward and prompt. */
export async function openSession(spec: SessionSpec, o: OpenSessionOptions = {}): Promise<ModelSession> {
  const parts = await sessionParts(spec, o);
  const engines = await openEngines(spec.engine, {
    modelDir: parts.modelDir,
    tokenizer: parts.tokenizer,
    weightsDir: o.weightsDir,
    reference: o.reference ?? false,
    valueHead: o.valueHead ?? false,
    lora: spec.lora,
    seed: spec.seed,
  });
  return { ...parts, engine: engines.policy, reference: engines.reference, close: () => engines.close() };
}
