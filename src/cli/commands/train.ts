// `rlvr train`: RL training (GRPO, MGRPO, STaR with external prompts) from a config and flags into a run
// directory; `--resume DIR` continues a run from its last checkpoint with the same data order and
// random streams. The work is run/trainRun.ts's.
import type { Command } from "commander";
import { ProgressReporter } from "../../run/progress.js";
import { trainRun } from "../../run/trainRun.js";
import { writeErr, writeOut } from "../output.js";
import { addTrainOptions, resolveTrainConfig, type TrainFlags } from "../trainOptions.js";

export function registerTrain(program: Command): void {
  const cmd = program
    .command("train")
    .description(
      "train a policy with RL (GRPO, MGRPO, PPO with a critic), STaR with rationalisation (star-rationalize) or STaR with external prompts (star) on a task, or on chosen examples (--examples, 1-shot RLVR); writes runs/<name>/ (config, metrics, samples, checkpoints)",
    );
  addTrainOptions(cmd).action(async (flags: TrainFlags, command: Command) => {
    const { config, resume } = resolveTrainConfig(flags);
    // Progress and messages go to the command's error output (the terminal, or a test's capture).
    const stream = {
      write: (t: string) => writeErr(command, t),
      isTTY: process.stderr.isTTY,
      columns: process.stderr.columns,
    };
    const progress = new ProgressReporter({ total: config.steps, label: config.algo, stream });
    const result = await trainRun(config, { resume: resume !== undefined, progress });
    writeErr(command, `run directory: ${result.runDir}\n`);
    writeOut(
      command,
      `${JSON.stringify({ run: result.runDir, steps: result.stoppedAt ?? config.steps, stopped: result.stoppedAt !== undefined, last_metrics: result.lastMetrics })}\n`,
    );
  });
}
