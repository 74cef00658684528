// `npm start`, the README's main job: GRPO from the shipped warm start on the arithmetic task, on
// the CPU, for a few minutes; held-out accuracy before and after, and where the run directory is.
import { evaluateAccuracy } from "../src/eval/accuracy.js";
import { parseConfig } from "../src/run/config.js";
import { ProgressReporter } from "../src/run/progress.js";
import { createRunDirectory } from "../src/run/runDirectory.js";
import { openModel } from "../src/run/session.js";
import { grpoAlgorithmStep, runTrainingLoop } from "../src/run/trainLoop.js";
import { LocalEngine } from "../src/engine/local/localEngine.js";
import type { ModelSession } from "../src/run/session.js";

const EVAL_PROBLEMS = 200;
const TARGET_GAIN = 0.25;
const TARGET_MINUTES = 10;
// Steps and learning rate: 350 steps at a constant 1e-4 measured +33.8 points (37.0% → 70.8% sampled;
// greedy 76.0% → 79.5%) in 7.1 minutes on two cores; 400 steps at 2e-4 lowered greedy accuracy (on an
// earlier warm start). RLVR_START_STEPS / RLVR_START_LR override them.
const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
const config = parseConfig(
  {
    algo: "grpo",
    task: { name: "arith" },
    model: "default",
    seed: 0,
    steps: Number(process.env.RLVR_START_STEPS ?? 350),
    batch: { promptsPerStep: 16, groupSize: 8 },
    sampling: { temperature: 1, maxTokens: 96 },
    optim: { lr: Number(process.env.RLVR_START_LR ?? 1e-4), schedule: "constant", warmupRatio: 0 },
    loss: { kl: { coef: 0.001 } },
    run: { out: `runs/start-${stamp}`, checkpointEvery: 10 },
  },
  "scripts/start.ts",
);

/** Held-out accuracy at the training temperature (mean over 4 samples per problem) and greedy. */
async function heldOut(session: ModelSession): Promise<{ sampled: number; greedy: number }> {
  const problems = session.task.problems("test", EVAL_PROBLEMS, 0);
  const at = async (temperature: number, samplesPerProblem: number) =>
    (
      await evaluateAccuracy(session.engine, session.tokenizer, session.task, problems, {
        renderPrompt: session.renderPrompt,
        samplesPerProblem,
        sampling: { temperature, topK: -1, topP: 1, maxTokens: config.sampling.maxTokens, seed: 12345 },
      })
    ).accuracy;
  return { sampled: await at(config.sampling.temperature, 4), greedy: await at(0, 1) };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

const t0 = performance.now();
const session = openModel(config.model, config.task.name);
const reference = LocalEngine.fromDirectory(session.modelDir);
const before = await heldOut(session);
console.log(
  `warm start ${session.modelDir}: held-out accuracy ${pct(before.sampled)} at temperature ` +
    `${config.sampling.temperature} (4 samples × ${EVAL_PROBLEMS} problems), ${pct(before.greedy)} greedy`,
);
const run = createRunDirectory(config.run.out, config);
console.log(`training GRPO for ${config.steps} steps into ${run.dir}`);
await runTrainingLoop({
  run,
  config,
  engine: session.engine,
  step: grpoAlgorithmStep(config, { ...session, reference }),
  pool: session.task.problems("train", undefined, config.seed),
  startStep: 0,
  progress: new ProgressReporter({ total: config.steps, label: "grpo", live: process.stderr.isTTY }),
});
const after = await heldOut(session);
run.writeEval("start", { before, after, n: EVAL_PROBLEMS, temperature: config.sampling.temperature });
run.close();
await session.close();
await reference.close();
const minutes = (performance.now() - t0) / 60000;
const gain = after.sampled - before.sampled;
console.log(
  `held-out accuracy at temperature ${config.sampling.temperature}: ${pct(before.sampled)} → ${pct(after.sampled)} ` +
    `(${(100 * gain).toFixed(1)} points); greedy ${pct(before.greedy)} → ${pct(after.greedy)}; ` +
    `${minutes.toFixed(1)} min; run directory: ${run.dir}`,
);
// The GRPO issue's target for this job: at least +25 points at the training temperature in under 10 minutes.
console.log(
  `target (≥ +25 points in < 10 min): ${gain >= TARGET_GAIN && minutes < TARGET_MINUTES ? "met" : "not met"}`,
);
