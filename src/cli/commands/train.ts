// `rlvr train`: RL training (GRPO, MGRPO, STaR with external prompts) from a config and flags into a run directory; `--resume DIR`
// continues a run from its last checkpoint with the same data order and random streams.
import type { Command } from "commander";
import { LocalEngine } from "../../engine/local/localEngine.js";
import { ProgressReporter } from "../../run/progress.js";
import { createRunDirectory, openRunForResume } from "../../run/runDirectory.js";
import { openModel } from "../../run/session.js";
import { algorithmStepOf, isLoopAlgo } from "../../run/algorithmSteps.js";
import { runTrainingLoop } from "../../run/trainLoop.js";
import { writeErr, writeOut } from "../output.js";
import { addTrainOptions, resolveTrainConfig, type TrainFlags } from "../trainOptions.js";

export function registerTrain(program: Command): void {
  const cmd = program
    .command("train")
    .description(
      "train a policy with RL (GRPO, MGRPO) or STaR with external prompts (star) on a task; writes runs/<name>/ (config, metrics, samples, checkpoints)",
    );
  addTrainOptions(cmd).action(async (flags: TrainFlags, command: Command) => {
    const { config, resume } = resolveTrainConfig(flags);
    const algo = config.algo;
    if (!isLoopAlgo(algo))
      throw new Error(`train: --algo ${config.algo} is not available in this command yet`);
    const opened = resume ? openRunForResume(resume, { config }) : null;
    const run = opened ? opened.run : createRunDirectory(config.run.out, config);
    const startStep = opened?.checkpoint?.step ?? 0;
    const session = openModel(config.model, config.task.name, opened?.checkpoint?.path);
    if (opened?.checkpoint) await session.engine.loadState(opened.checkpoint.path);
    const reference = config.loss.kl.coef > 0 ? LocalEngine.fromDirectory(session.modelDir) : undefined;
    const pool = session.task.problems("train", config.task.trainSize, config.seed);
    const progress = new ProgressReporter({ total: config.steps, label: "train", startStep });
    if (startStep > 0) progress.log(`resuming ${run.dir} from step ${startStep}`);
    try {
      const last = await runTrainingLoop({
        run,
        config,
        engine: session.engine,
        step: algorithmStepOf({ ...config, algo }, { ...session, reference }),
        pool,
        startStep,
        trainerState: opened?.trainerState,
        progress,
      });
      progress.done();
      writeErr(command, `run directory: ${run.dir}\n`);
      writeOut(command, `${JSON.stringify({ run: run.dir, steps: config.steps, last_metrics: last })}\n`);
    } finally {
      run.close();
      await session.close();
      await reference?.close();
    }
  });
}
