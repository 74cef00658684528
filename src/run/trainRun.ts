// The one training entry point: from a config to a finished run directory. It opens the engines
// (engine/factory.ts) and the task, creates or resumes the run directory, runs the config's algorithm
// in the training loop, and closes everything. `rlvr train`, `npm start` and the compare scripts call it.
import { evaluateAccuracy } from "../eval/accuracy.js";
import { type Metrics, seconds } from "../core/metrics.js";
import { algorithmStepOf } from "./algorithmSteps.js";
import type { Config } from "./config.js";
import { ProgressReporter } from "./progress.js";
import { createRunDirectory, latestCheckpointOf, openRunForResume } from "./runDirectory.js";
import { type ModelSession, openSession } from "./session.js";
import { runTrainingLoop } from "./trainLoop.js";

export interface TrainRunOptions {
  /** Continue the run in config.run.out from its last checkpoint (its config must match). Default false. */
  resume?: boolean;
  /** Progress line and log; default a reporter on stderr labelled with the algorithm. */
  progress?: ProgressReporter;
}

export interface TrainRunResult {
  /** The run directory (absolute). */
  runDir: string;
  /** Steps already done when this call started (0 for a fresh run). */
  startStep: number;
  /** The last step's metrics (empty when the run was already complete). */
  lastMetrics: Metrics;
  /** The final checkpoint's directory (weights in Hugging Face layout: `rlvr eval --checkpoint`, openSession's weightsDir). */
  checkpoint: string;
}

/** Whether the config's loss needs the frozen reference policy (a KL term). */
export function needsReference(config: Config): boolean {
  return config.loss.kl.coef > 0;
}

/** Greedy accuracy on the first `run.evalProblems` test problems, as the eval/ metrics of a step. */
async function heldOutMetrics(session: ModelSession, config: Config): Promise<Metrics> {
  const t0 = performance.now();
  const problems = session.task.problems("test", config.run.evalProblems, 0);
  const r = await evaluateAccuracy(session.engine, session.tokenizer, session.task, problems, {
    renderPrompt: session.renderPrompt,
    samplesPerProblem: 1,
    sampling: { temperature: 0, topK: -1, topP: 1, maxTokens: config.sampling.maxTokens, seed: 0 },
  });
  return { "eval/accuracy": r.accuracy, "time/eval_s": seconds(t0, performance.now()) };
}

/** Trains `config` into config.run.out; resolves when the last step's checkpoint is written. */
export async function trainRun(config: Config, o: TrainRunOptions = {}): Promise<TrainRunResult> {
  const opened = o.resume ? openRunForResume(config.run.out, { config }) : null;
  const checkpoint = opened?.checkpoint ?? null;
  const session = openSession(config, { weightsDir: checkpoint?.path, reference: needsReference(config) });
  const startStep = checkpoint?.step ?? 0;
  const progress = o.progress ?? new ProgressReporter({ total: config.steps, label: config.algo, startStep });
  let run = opened?.run;
  try {
    if (checkpoint) await session.engine.loadState(checkpoint.path);
    run ??= createRunDirectory(config.run.out, config);
    if (startStep > 0) progress.log(`resuming ${run.dir} from step ${startStep}`);
    const every = config.run.evalEvery;
    const lastMetrics = await runTrainingLoop({
      run,
      config,
      engine: session.engine,
      step: algorithmStepOf(config, session),
      pool: session.task.problems("train", config.task.trainSize, config.seed),
      startStep,
      trainerState: opened?.trainerState,
      progress,
      evaluate:
        every > 0
          ? (step) => (step % every === 0 || step === config.steps ? heldOutMetrics(session, config) : null)
          : undefined,
    });
    progress.done();
    return { runDir: run.dir, startStep, lastMetrics, checkpoint: latestCheckpointOf(run.dir).path };
  } finally {
    run?.close();
    await session.close();
  }
}
