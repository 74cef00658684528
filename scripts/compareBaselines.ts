// `npm run compare:baselines`: GRPO, static and CoRPO advantages (docs/algorithms.md#corpo; CoRPO §5) on
// the ordinal-reward arithmetic task from one warm start and one seed. Prints held-out accuracy (binary
// correctness) and unbiased pass@k after training, and the advantage diagnostics (failed-positive share,
// r_count, r_loss, zero-variance share) averaged over the first and the last steps of each run.
//
//   npx tsx scripts/compareBaselines.ts [--config FILE] [--set path=value …] [--model DIR] [--steps N]
//     [--prompts P] [--group G] [--seed S] [--max-tokens T] [--lr LR] [--eval-problems N] [--eval-samples K]
//     [--window W] [--estimators grpo,static,corpo] [--out DIR] [--json]
// The training config is recipes/compare-baselines.json (or --config FILE) with the flags on top.
import { parseArgs } from "node:util";
import { ADVANTAGE_ESTIMATORS, type AdvantageEstimator } from "../src/core/choices.js";
import { writeCompareReport } from "../src/dashboard/report.js";
import { evaluateAccuracy } from "../src/eval/accuracy.js";
import type { Config } from "../src/run/config.js";
import { ProgressReporter } from "../src/run/progress.js";
import { readJsonl, writeRunEval } from "../src/run/runDirectory.js";
import { openSession } from "../src/run/session.js";
import { trainRun } from "../src/run/trainRun.js";
import { numberFlags, optionalNumbers, recipeConfig, timestampedRunDir } from "./scriptFlags.js";

const { values: flags } = parseArgs({
  options: {
    config: { type: "string" },
    set: { type: "string", multiple: true, default: [] },
    model: { type: "string" },
    steps: { type: "string" },
    prompts: { type: "string" },
    group: { type: "string" },
    seed: { type: "string" },
    "max-tokens": { type: "string" },
    lr: { type: "string" },
    "eval-problems": { type: "string", default: "100" },
    "eval-samples": { type: "string", default: "4" },
    window: { type: "string" },
    estimators: { type: "string", default: "grpo,static,corpo" },
    out: { type: "string" },
    json: { type: "boolean", default: false },
  },
});

const num = numberFlags(flags);
const given = optionalNumbers(flags);
const evalProblems = num("eval-problems");
const evalSamples = num("eval-samples");
const estimators = (flags.estimators ?? "")
  .split(",")
  .filter((e) => e !== "")
  .map((e) => {
    if (!(ADVANTAGE_ESTIMATORS as readonly string[]).includes(e))
      throw new Error(`--estimators: unknown ${e}; known: ${ADVANTAGE_ESTIMATORS.join(", ")}`);
    return e as AdvantageEstimator;
  });
const out = flags.out ?? timestampedRunDir("compare-baselines");

function configOf(estimator: AdvantageEstimator): Config {
  return recipeConfig(
    "compare-baselines.json",
    flags,
    {
      model: flags.model,
      seed: given("seed"),
      steps: given("steps"),
      batch: { promptsPerStep: given("prompts"), groupSize: given("group") },
      sampling: { maxTokens: given("max-tokens") },
      optim: { lr: given("lr") },
      advantage: { estimator },
      run: { out: `${out}/${estimator}` },
    },
    `compare:baselines (${estimator})`,
  );
}
const first = configOf(estimators[0] ?? "grpo");
const TASK = first.task.name;
const steps = first.steps;
const window = flags.window !== undefined ? num("window") : Math.max(1, Math.round(steps / 10));

interface HeldOut {
  greedy: number;
  accuracy: number;
  passAtK: Record<string, number>;
}

async function heldOut(config: Config, weightsDir?: string): Promise<HeldOut> {
  const session = await openSession(config, { weightsDir });
  try {
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
  } finally {
    await session.close();
  }
}

const DIAGNOSTICS = [
  "advantage/failed_positive_share",
  "advantage/r_count",
  "advantage/r_loss",
  "rollout/zero_variance_share",
] as const;

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
const before = estimators.length > 0 ? await heldOut(first) : undefined;
if (before)
  console.error(`warm start ${first.model}: held-out greedy accuracy ${(100 * before.greedy).toFixed(1)}%`);
for (const estimator of estimators) {
  const config = configOf(estimator);
  const { runDir, checkpoint } = await trainRun(config, {
    progress: new ProgressReporter({ total: config.steps, label: estimator, live: process.stderr.isTTY }),
  });
  const metrics = readJsonl(`${runDir}/metrics.jsonl`);
  const result = await heldOut(config, checkpoint);
  writeRunEval(runDir, "compare-baselines", { estimator, ...result, before });
  rows.push({
    estimator,
    heldOut: result,
    start: Object.fromEntries(DIAGNOSTICS.map((k) => [k, meanOf(metrics.slice(0, window), k)])),
    end: Object.fromEntries(DIAGNOSTICS.map((k) => [k, meanOf(metrics.slice(-window), k)])),
    runDir,
  });
}

const fmt = (v: number | null | undefined, pct = false) =>
  v === null || v === undefined ? "–" : pct ? `${(100 * v).toFixed(1)}%` : v.toFixed(3);
const ks = Object.keys(rows[0]?.heldOut.passAtK ?? {});
const header = [
  "estimator",
  "acc greedy",
  "acc T=1",
  ...ks,
  ...DIAGNOSTICS.flatMap((k) => [`${k.split("/")[1]} start`, `${k.split("/")[1]} end`]),
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
const title =
  `${TASK}, ${steps} steps × ${first.batch.promptsPerStep} prompts × G=${first.batch.groupSize}, seed ${first.seed}; held-out: ` +
  `${evalProblems} test problems, greedy and ${evalSamples} samples at T=1 (pass@k unbiased); ` +
  `diagnostics: mean over the first / last ${window} steps`;
if (flags.json) {
  console.log(
    JSON.stringify({ task: TASK, steps, window, evalProblems, evalSamples, before, rows }, null, 2),
  );
} else {
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((row) => (row[c] ?? "").length)));
  const line = (cells: string[]) =>
    `| ${header.map((_, c) => (cells[c] ?? "").padEnd(widths[c])).join(" | ")} |`;
  console.log(title);
  console.log(line(header));
  console.log(`| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`);
  for (const row of table) console.log(line(row));
  console.log(`runs: ${out}`);
}
// The table and a report with the runs' curves, in --out (rlvr dashboard OUT shows them too).
const padded = table.map((row) => header.map((_, c) => row[c] ?? ""));
for (const path of await writeCompareReport(out, { title, header, rows: padded }))
  console.error(`wrote ${path}`);
