// Everything a command needs to train or evaluate a model from a config: engine(s), tokenizer,
// task and prompt rendering. The one place (with the CLI) that wires the concrete local engine.
import { LocalEngine } from "../engine/local/localEngine.js";
import { loadTokenizer } from "../engine/tokenizer/loadTokenizer.js";
import type { Tokenizer } from "../engine/tokenizer/types.js";
import { renderPrompt } from "../tasks/chatTemplate.js";
import { getTask } from "../tasks/registry.js";
import type { Problem, Task } from "../tasks/types.js";
import { resolveModelDir } from "./models.js";

export interface ModelSession {
  modelDir: string;
  engine: LocalEngine;
  tokenizer: Tokenizer;
  task: Task;
  renderPrompt: (problem: Problem) => string;
  close(): Promise<void>;
}

/** Opens `model` ("default" or a directory) for `taskName`; `weightsDir` overrides the weights (a checkpoint). */
export function openModel(model: string, taskName: string, weightsDir?: string): ModelSession {
  const modelDir = resolveModelDir(model);
  const engine = LocalEngine.fromDirectory(weightsDir ?? modelDir);
  return {
    modelDir,
    engine,
    tokenizer: loadTokenizer(modelDir),
    task: getTask(taskName),
    renderPrompt: (p) => renderPrompt(p.question),
    close: () => engine.close(),
  };
}
