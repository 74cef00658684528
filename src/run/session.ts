// Everything a command needs to train or evaluate a model from a config: the engines (engine/factory.ts),
// the tokenizer, the task with its options, and the prompt renderer of task.prompt.
import { openEngines } from "../engine/factory.js";
import { loadTokenizer } from "../engine/tokenizer/loadTokenizer.js";
import type { Tokenizer } from "../engine/tokenizer/types.js";
import type { TrainingEngine } from "../engine/types.js";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type ModelChatTemplate, modelChatTemplate, promptRenderer } from "../tasks/chatTemplate.js";
import { loadTask } from "../tasks/registry.js";
import type { RewardFunction } from "../tasks/rewardModule.js";
import type { Problem, Task } from "../tasks/types.js";
import type { Config } from "./config.js";
import { resolveModelDir } from "./models.js";

export interface ModelSession {
  modelDir: string;
  engine: TrainingEngine;
  /** The frozen reference policy, when the session was opened with one. */
  reference?: TrainingEngine;
  tokenizer: Tokenizer;
  task: Task;
  renderPrompt: (problem: Problem) => string;
  close(): Promise<void>;
}

/** The parts of a config a session is built from. */
export type SessionSpec = Pick<Config, "model" | "engine" | "task" | "reward">;

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

/** Opens the config's model on its engine, with its task, reward and prompt. */
export async function openSession(spec: SessionSpec, o: OpenSessionOptions = {}): Promise<ModelSession> {
  const modelDir = resolveModelDir(spec.model);
  const tokenizer = loadTokenizer(modelDir);
  const task = await loadTask(spec.task, { reward: o.reward ?? spec.reward.module, notes: o.notes });
  const engines = openEngines(spec.engine, {
    modelDir,
    tokenizer,
    weightsDir: o.weightsDir,
    reference: o.reference ?? false,
    valueHead: o.valueHead ?? false,
  });
  return {
    modelDir,
    engine: engines.policy,
    reference: engines.reference,
    tokenizer,
    task,
    renderPrompt: promptRenderer(
      spec.task.prompt,
      spec.task.prompt.template === "model" ? chatTemplateOf(modelDir) : undefined,
    ),
    close: () => engines.close(),
  };
}
