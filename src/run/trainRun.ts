// The one training entry point: from a config to a finished run directory. It opens the engines
// (engine/factory.ts) and the task, creates or resumes the run directory, runs the config's algorithm
// in the training loop, and closes everything. `rlvr train`, `npm start` and the compare scripts call it.
import { evaluateAccuracy } from "../eval/accuracy.js";
import { type Metrics, seconds } from "../core/metrics.js";
import type { RewardFunction } from "../tasks/rewardModule.js";
import { algorithmStepOf } from "./algorithmSteps.js";
import { readExamplesFile } from "./examplesFile.js";
import type { Config } from "./config.js";
import { pinModel } from "./models.js";
import { ProgressReporter } from "./progress.js";
import {
  createRunDirectory,
  latestCheckpointOf,
  openRunForResume,
  type RunDirectory,
} from "./runDirectory.js";
import { acquireRunLock, type RunLock } from "./runLock.js";
import { catchStopSignals } from "./stopSignals.js";
import { type ModelSession, openSession } from "./session.js";
import { runTrainingLoop } from "./trainLoop.js";
import { copyGenerationConfig } from "../engine/generationConfig.js";
import { copyTokenizerFiles } from "../engine/tokenizer/tokenizerFiles.js";

export interface TrainRunOptions {
  /** Continue the run in config.run.out from its last checkpoint (its config must match). Default false. */
  resume?: boolean;
  /** Progress line and log; default a reporter on stderr labelled with the algorithm. */
  progress?: ProgressReporter;
  /** Your reward function in place of the task's scorer (the library's form of reward.module). */
  reward?: RewardFunction;
}

export interface TrainRunResult {
  /** The run directory (absolute). */
  runDir: string;
  /** Steps already done when this call started (0 for a fresh run). */
  startStep: number;
  /** The last step's metrics (empty when the run was already complete). */
  lastMetrics: Metrics;
  /** The newest checkpoint's directory (weights in Hugging Face layout: `rlvr eval --checkpoint`, openSession's weightsDir). */
  checkpoint: string;
  /** Set when a stop signal ended the run early: the step its checkpoint holds. */
  stoppedAt?: number;
}

/** Whether the config's loss needs the frozen reference policy (a KL term). */
export function needsReference(config: Config): boolean {
  return config.loss.kl.coef > 0;
}

/** Accuracy (greedy unless run.evalTemperature > 0) on the first `run.evalProblems` test problems, as the eval/ metrics of a step. */
async function heldOutMetrics(session: ModelSession, config: Config): Promise<Metrics> {
  const t0 = performance.now();
  const problems = session.task.problems("test", config.run.evalProblems, 0);
  const r = await evaluateAccuracy(session.engine, session.tokenizer, session.task, problems, {
    renderPrompt: session.renderPrompt,
    samplesPerProblem: config.run.evalSamples,
    sampling: {
      temperature: config.run.evalTemperature,
      topK: -1,
      topP: 1,
      maxTokens: config.sampling.maxTokens,
      seed: 0,
      stopTokens: session.stopTokens,
    },
  });
  return { "eval/accuracy": r.accuracy, "time/eval_s": seconds(t0, performance.now()) };
}

/**
 * Trains `config` into config.run.out; resolves when the last step's checkpoint is written, or, after
 * SIGINT/SIGTERM, when the checkpoint of the step in progress is. Everything is validated (config, model,
 * task) before the run directory is touched, and one process at a time writes it (run/runLock.ts).
 */
export async function trainRun(input: Config, o: TrainRunOptions = {}): Promise<TrainRunResult> {
  // a Hub model is pinned to its commit in the run's config, so that a resumed run reads the same weights
  const config = o.resume ? input : { ...input, model: await pinModel(input.model) };
  const progress = o.progress ?? new ProgressReporter({ total: config.steps, label: config.algo });
  const chosen = config.task.examples ? readExamplesFile(config.task.examples) : null;
  const log = (m: string) => progress.log(m);
  // A fresh run: model, engine and task are opened before anything is written, so a bad start leaves nothing.
  const notes: string[] = [];
  const sessionOf = (weightsDir?: string) =>
    openSession(config, {
      weightsDir,
      reference: needsReference(config),
      valueHead: config.algo === "ppo",
      reward: o.reward,
      notes,
    });
  let session = o.resume ? undefined : await sessionOf();
  let lock: RunLock | undefined;
  let run: RunDirectory | undefined;
  const signals = catchStopSignals(log);
  try {
    lock = acquireRunLock(config.run.out, log);
    const opened = o.resume ? openRunForResume(config.run.out, { config, log }) : null;
    const checkpoint = opened?.checkpoint ?? null;
    const active = session ?? (await sessionOf(checkpoint?.path));
    session = active;
    for (const note of notes) log(note);
    if (checkpoint) await active.engine.loadState(checkpoint.path);
    run = opened?.run ?? createRunDirectory(config.run.out, config);
    if (run.previousRun) log(`moved the previous run in ${run.dir} with this config to ${run.previousRun}`);
    const startStep = checkpoint?.step ?? 0;
    progress.startAt(startStep);
    if (o.resume)
      log(
        startStep >= config.steps
          ? `${run.dir} is already trained to step ${startStep}: nothing to do`
          : startStep > 0
            ? `resuming ${run.dir} from step ${startStep}`
            : `${run.dir} has no checkpoint yet: starting from step 0`,
      );
    const every = config.run.evalEvery;
    const loop = await runTrainingLoop({
      run,
      config,
      engine: active.engine,
      step: algorithmStepOf(config, active),
      pool: chosen ?? active.task.problems("train", config.task.trainSize, config.seed),
      startStep,
      trainerState: opened?.trainerState,
      progress,
      evaluate:
        every > 0
          ? (step) => (step % every === 0 || step === config.steps ? heldOutMetrics(active, config) : null)
          : undefined,
      stopRequested: () => signals.received !== null,
      stopTokens: active.stopTokens,
      // a checkpoint is a complete model directory: weights, config, the model's tokenizer and generation defaults
      checkpointFiles: (dir) => {
        copyTokenizerFiles(active.modelDir, dir);
        copyGenerationConfig(active.modelDir, dir);
      },
    });
    progress.done();
    const latest = latestCheckpointOf(run.dir).path;
    if (loop.stoppedAt !== undefined)
      log(
        `stopped after step ${loop.stoppedAt}; checkpoint ${latest}; continue with: rlvr train --resume ${run.dir}`,
      );
    return {
      runDir: run.dir,
      startStep,
      lastMetrics: loop.lastMetrics,
      checkpoint: latest,
      stoppedAt: loop.stoppedAt,
    };
  } finally {
    signals.dispose();
    run?.close();
    lock?.release();
    await session?.close();
  }
}
