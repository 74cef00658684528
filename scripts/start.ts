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
const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
const config = parseConfig(
  {
    algo: "grpo",
    task: { name: "arith" },
    model: "default",
    seed: 0,
    steps: 30,
    batch: { promptsPerStep: 16, groupSize: 8 },
    sampling: { temperature: 1, maxTokens: 96 },
    optim: { lr: 1e-3, schedule: "constant", warmupRatio: 0 },
    loss: { kl: { coef: 0.001 } },
    run: { out: `runs/start-${stamp}`, checkpointEvery: 10 },
  },
  "scripts/start.ts",
);

async function heldOut(session: ModelSession): Promise<number> {
  const problems = session.task.problems("test", EVAL_PROBLEMS, 0);
  const r = await evaluateAccuracy(session.engine, session.tokenizer, session.task, problems, {
    renderPrompt: session.renderPrompt,
    samplesPerProblem: 1,
    sampling: { temperature: 0, topK: -1, topP: 1, maxTokens: config.sampling.maxTokens, seed: 0 },
  });
  return r.accuracy;
}

const t0 = performance.now();
const session = openModel(config.model, config.task.name);
const reference = LocalEngine.fromDirectory(session.modelDir);
const before = await heldOut(session);
console.log(
  `warm start (${session.modelDir}): held-out accuracy ${(100 * before).toFixed(1)}% (greedy, ${EVAL_PROBLEMS} problems)`,
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
run.writeEval("start", { before, after, n: EVAL_PROBLEMS, temperature: 0 });
run.close();
await session.close();
await reference.close();
const minutes = (performance.now() - t0) / 60000;
console.log(
  `held-out accuracy: ${(100 * before).toFixed(1)}% → ${(100 * after).toFixed(1)}% ` +
    `(${(100 * (after - before)).toFixed(1)} points) in ${minutes.toFixed(1)} min; run directory: ${run.dir}`,
);
