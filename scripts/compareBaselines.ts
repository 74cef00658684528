// `npm run compare:baselines`: GRPO, static and CoRPO advantages (ALGORITHMS.md "CoRPO"; CoRPO 002 §5) on
// the ordinal-reward arithmetic task from one warm start and one seed. Prints held-out accuracy (binary
// correctness) and unbiased pass@k after training, and the advantage diagnostics (failed-positive share,
// r_count, r_loss, zero-variance share) averaged over the first and the last steps of each run.
//
//   npx tsx scripts/compareBaselines.ts [--model DIR] [--steps N] [--prompts P] [--group G] [--seed S]
//     [--eval-problems N] [--eval-samples K] [--max-tokens T] [--lr LR] [--window W]
//     [--estimators grpo,static,corpo] [--out DIR] [--json]
import { parseArgs } from "node:util";
import { numberFlags, timestampedRunDir } from "./scriptFlags.js";
import { evaluateAccuracy } from "../src/eval/accuracy.js";
import { type Config, parseConfig } from "../src/run/config.js";
import { ProgressReporter } from "../src/run/progress.js";
import { createRunDirectory, readJsonl } from "../src/run/runDirectory.js";
import { type ModelSession, openModel } from "../src/run/session.js";
import { grpoAlgorithmStep, runTrainingLoop } from "../src/run/trainLoop.js";

const { values: flags } = parseArgs({
  options: {
    model: { type: "string", default: "default" },
    steps: { type: "string", default: "40" },
    prompts: { type: "string", default: "8" },
    group: { type: "string", default: "8" },
    seed: { type: "string", default: "0" },
    "eval-problems": { type: "string", default: "100" },
    "eval-samples": { type: "string", default: "4" },
    "max-tokens": { type: "string", default: "96" },
    lr: { type: "string", default: "1e-3" },
    window: { type: "string" },
    estimators: { type: "string", default: "grpo,static,corpo" },
    out: { type: "string" },
    json: { type: "boolean", default: false },
  },
});

const TASK = "arith-ordinal";
const num = numberFlags(flags);
const steps = num("steps");
const evalProblems = num("eval-problems");
const evalSamples = num("eval-samples");
const window = flags.window !== undefined ? num("window") : Math.max(1, Math.round(steps / 10));
const estimators = (flags.estimators ?? "").split(",").filter((e) => e !== "");
const out = flags.out ?? timestampedRunDir("compare-baselines");

function configOf(estimator: string): Config {
  return parseConfig(
    {
      algo: "grpo",
      task: { name: TASK },
      model: flags.model,
      seed: num("seed"),
      steps,
      batch: { promptsPerStep: num("prompts"), groupSize: num("group") },
      sampling: { temperature: 1, maxTokens: num("max-tokens") },
      reward: { kind: "ordinal" },
      // R_min_correct = 1: the ordinal reward is 1 exactly when the answer is correct.
      advantage: { estimator, rMinCorrect: 1 },
      // CoRPO 002's setup: no KL term (and so no reference model).
      loss: { kl: { coef: 0 } },
      optim: { lr: num("lr"), schedule: "constant", warmupRatio: 0 },
      run: { out: `${out}/${estimator}`, checkpointEvery: 0, samplesPerStep: 8 },
    },
    `compare:baselines (${estimator})`,
  );
}

interface HeldOut {
  greedy: number;
  accuracy: number;
  passAtK: Record<string, number>;
}

async function heldOut(session: ModelSession, config: Config): Promise<HeldOut> {
  const problems = session.task.problems("test", evalProblems, 0);
  const sampling = { temperature: 1, topK: -1, topP: 1, maxTokens: config.sampling.maxTokens, seed: 0 };
  const sampled = await evaluateAccuracy(session.engine, session.tokenizer, session.task, problems, {
    renderPrompt: session.renderPrompt,
    samplesPerProblem: evalSamples,
    sampling,
  });
  const greedy = await evaluateAccuracy(session.engine, session.tokenizer, session.task, problems, {
    renderPrompt: session.renderPrompt,
    samplesPerProblem: 1,
    sampling: { ...sampling, temperature: 0 },
  });
  return { greedy: greedy.accuracy, accuracy: sampled.accuracy, passAtK: sampled.pass_at_k };
}

const DIAGNOSTICS = ["failed_positive_share", "r_count", "r_loss", "zero_variance_share"] as const;

/** Mean of a metric over records, skipping nulls (r_count is null when no advantage is negative). */
function meanOf(records: readonly Record<string, unknown>[], key: string): number | null {
  const xs = records.map((r) => r[key]).filter((v): v is number => typeof v === "number");
  return xs.length === 0 ? null : xs.reduce((s, x) => s + x, 0) / xs.length;
}

interface Row {
  estimator: string;
  heldOut: HeldOut;
  start: Record<string, number | null>;
  end: Record<string, number | null>;
  runDir: string;
}

const rows: Row[] = [];
let before: HeldOut | undefined;
for (const estimator of estimators) {
  const config = configOf(estimator);
  const session = openModel(config.model, TASK);
  try {
    if (!before) {
      before = await heldOut(session, config);
      console.error(
        `warm start ${session.modelDir}: held-out greedy accuracy ${(100 * before.greedy).toFixed(1)}%`,
      );
    }
    const run = createRunDirectory(config.run.out, config);
    await runTrainingLoop({
      run,
      config,
      engine: session.engine,
      step: grpoAlgorithmStep(config, session),
      pool: session.task.problems("train", config.task.trainSize, config.seed),
      startStep: 0,
      progress: new ProgressReporter({ total: steps, label: estimator, live: process.stderr.isTTY }),
    });
    run.close();
    const metrics = readJsonl(run.metricsPath);
    const first = metrics.slice(0, window);
    const last = metrics.slice(-window);
    const result = await heldOut(session, config);
    run.writeEval("compare-baselines", { estimator, ...result, before });
    rows.push({
      estimator,
      heldOut: result,
      start: Object.fromEntries(DIAGNOSTICS.map((k) => [k, meanOf(first, k)])),
      end: Object.fromEntries(DIAGNOSTICS.map((k) => [k, meanOf(last, k)])),
      runDir: run.dir,
    });
  } finally {
    await session.close();
  }
}

const fmt = (v: number | null | undefined, pct = false) =>
  v === null || v === undefined ? "–" : pct ? `${(100 * v).toFixed(1)}%` : v.toFixed(3);
const ks = Object.keys(rows[0]?.heldOut.passAtK ?? {});
const header = [
  "estimator",
  "acc greedy",
  "acc T=1",
  ...ks,
  ...DIAGNOSTICS.flatMap((k) => [`${k} start`, `${k} end`]),
];
const table = [
  ...(before
    ? [
        [
          "warm start",
          fmt(before.greedy, true),
          fmt(before.accuracy, true),
          ...ks.map((k) => fmt(before?.passAtK[k], true)),
        ],
      ]
    : []),
  ...rows.map((r) => [
    r.estimator,
    fmt(r.heldOut.greedy, true),
    fmt(r.heldOut.accuracy, true),
    ...ks.map((k) => fmt(r.heldOut.passAtK[k], true)),
    ...DIAGNOSTICS.flatMap((k) => [fmt(r.start[k], k.endsWith("share")), fmt(r.end[k], k.endsWith("share"))]),
  ]),
];
if (flags.json) {
  console.log(
    JSON.stringify({ task: TASK, steps, window, evalProblems, evalSamples, before, rows }, null, 2),
  );
} else {
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((row) => (row[c] ?? "").length)));
  const line = (cells: string[]) =>
    `| ${header.map((_, c) => (cells[c] ?? "").padEnd(widths[c])).join(" | ")} |`;
  console.log(
    `${TASK}, ${steps} steps × ${num("prompts")} prompts × G=${num("group")}, seed ${num("seed")}; held-out: ` +
      `${evalProblems} test problems, greedy and ${evalSamples} samples at T=1 (pass@k unbiased); ` +
      `diagnostics: mean over the first / last ${window} steps`,
  );
  console.log(line(header));
  console.log(`| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`);
  for (const row of table) console.log(line(row));
  console.log(`runs: ${out}`);
}
