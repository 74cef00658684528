// `npm run compare:oneshot`: 1-shot RLVR (docs/algorithms.md#1-shot-rlvr; Wang et al. 2025) on arith from
// the shipped warm start. (1) GRPO on the full training set (task.trainSize examples, several epochs),
// which writes each example's training-accuracy history (examples.jsonl); (2) the example with the highest
// variance of that history (`rlvr select-examples --method variance --top 1`) and one drawn at random
// (`--method random`); (3) GRPO on each of those single examples, repeated to fill the batch, with the
// entropy bonus; all three from the same warm start, for the same number of steps. Held-out accuracy is
// measured on the whole test split before and after (at T = 1 and greedy), and every --eval-every steps
// during training (greedy, `eval/accuracy`), so the curves show whether test accuracy still rises after
// the training accuracy reaches 100% (post-saturation generalisation).
//
//   npx tsx scripts/compareOneShot.ts [--config FILE] [--set path=value …] [--steps N] [--seed S]
//     [--random-seed R] [--entropy C] [--eval-problems N] [--eval-samples K] [--out DIR] [--json]
// The training config is recipes/compare-oneshot.json (or --config FILE) with the flags on top.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { randomExamples, rankByVariance, type RankedExample } from "../src/core/exampleHistory.js";
import { readHistory } from "../src/cli/commands/selectExamples.js";
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
    steps: { type: "string" },
    seed: { type: "string" },
    "random-seed": { type: "string", default: "1" },
    entropy: { type: "string", default: "0.001" },
    "eval-problems": { type: "string", default: "500" },
    "eval-samples": { type: "string", default: "4" },
    out: { type: "string" },
    json: { type: "boolean", default: false },
  },
});
const num = numberFlags(flags);
const given = optionalNumbers(flags);
const out = flags.out ?? timestampedRunDir("compare-oneshot");
const evalProblems = num("eval-problems");
const evalSamples = num("eval-samples");

function configOf(name: string, examples?: string): Config {
  return recipeConfig(
    "compare-oneshot.json",
    flags,
    {
      seed: given("seed"),
      steps: given("steps"),
      task: { examples },
      // 1-shot RLVR's loss: policy gradient + entropy bonus (003 §2; α = −0.001 in its sign convention)
      loss: examples ? { entropyCoef: num("entropy") } : {},
      run: { out: `${out}/${name}`, evalProblems },
    },
    `compare:oneshot (${name})`,
  );
}

interface HeldOut {
  greedy: number;
  sampled: number;
}

async function heldOut(config: Config, weightsDir?: string): Promise<HeldOut> {
  const session = await openSession(config, { weightsDir });
  try {
    const problems = session.task.problems("test", evalProblems, 0);
    const sampling = { temperature: 1, topK: -1, topP: 1, maxTokens: config.sampling.maxTokens, seed: 0 };
    const opts = { renderPrompt: session.renderPrompt, sampling };
    const sampled = await evaluateAccuracy(session.engine, session.tokenizer, session.task, problems, {
      ...opts,
      samplesPerProblem: evalSamples,
    });
    const greedy = await evaluateAccuracy(session.engine, session.tokenizer, session.task, problems, {
      ...opts,
      samplesPerProblem: 1,
      sampling: { ...sampling, temperature: 0 },
    });
    return { greedy: greedy.accuracy, sampled: sampled.accuracy };
  } finally {
    await session.close();
  }
}

interface Row {
  name: string;
  example?: RankedExample;
  heldOut: HeldOut;
  runDir: string;
  /** First step whose training accuracy (rollout/accuracy) was 100%, if any. */
  saturatedAt: number | null;
  /** eval/accuracy (greedy, during training) by step. */
  evalCurve: [number, number][];
  trainLast: number | null;
  reflectionFirst: number | null;
  reflectionLast: number | null;
  labelFlags: number;
}

const progress = (config: Config, label: string) =>
  new ProgressReporter({ total: config.steps, label, live: process.stderr.isTTY });

async function train(name: string, examplesFile?: string, example?: RankedExample): Promise<Row> {
  const config = configOf(name, examplesFile);
  const { runDir, checkpoint } = await trainRun(config, { progress: progress(config, name) });
  const metrics = readJsonl(`${runDir}/metrics.jsonl`) as Record<string, number | null>[];
  const result = await heldOut(config, checkpoint);
  writeRunEval(runDir, "compare-oneshot", { name, example, ...result });
  const sat = metrics.find((m) => m["rollout/accuracy"] === 1);
  const avg = (ms: typeof metrics) => {
    const xs = ms.map((m) => m["rollout/reflection_words"]).filter((v): v is number => typeof v === "number");
    return xs.length > 0 ? xs.reduce((s, x) => s + x, 0) / xs.length : null;
  };
  const w = Math.max(1, Math.round(metrics.length / 10));
  return {
    name,
    example,
    heldOut: result,
    runDir,
    saturatedAt: sat ? Number(sat.step) : null,
    evalCurve: metrics
      .filter((m) => typeof m["eval/accuracy"] === "number")
      .map((m) => [Number(m.step), Number(m["eval/accuracy"])]),
    trainLast: metrics.at(-1)?.["rollout/accuracy"] ?? null,
    reflectionFirst: avg(metrics.slice(0, w)),
    reflectionLast: avg(metrics.slice(-w)),
    labelFlags: metrics.reduce((s, m) => s + Number(m["rollout/label_audit_flags"] ?? 0), 0),
  };
}

const base = configOf("full");
const before = await heldOut(base);
console.error(
  `warm start: held-out ${(100 * before.sampled).toFixed(1)}% at T=1, ${(100 * before.greedy).toFixed(1)}% greedy`,
);
const rows: Row[] = [await train("full")];
const visits = readHistory(rows[0].runDir);
const chosen: [string, RankedExample][] = [
  ["one-shot-variance", rankByVariance(visits, 1)[0]],
  ["one-shot-random", randomExamples(visits, 1, num("random-seed"))[0]],
];
for (const [name, example] of chosen) {
  const file = `${out}/${name}.json`;
  writeFileSync(file, `${JSON.stringify({ examples: [example] }, null, 2)}\n`);
  rows.push(await train(name, file, example));
}

const pct = (v: number | null | undefined) =>
  v === null || v === undefined ? "–" : `${(100 * v).toFixed(1)}%`;
const f2 = (v: number | null | undefined) => (v === null || v === undefined ? "–" : v.toFixed(3));
const header = [
  "run",
  "example (variance score)",
  "held-out T=1",
  "Δ T=1",
  "held-out greedy",
  "Δ greedy",
  "train acc, last step",
  "train acc 100% first at step",
  "greedy eval during training (step: acc)",
  "reflection words/sample first → last",
  "label flags",
];
const table = [
  ["warm start", "–", pct(before.sampled), "", pct(before.greedy), "", "", "", "", "", ""],
  ...rows.map((r) => [
    r.name,
    r.example
      ? `${r.example.id}: ${r.example.prompt.replace(/\s+/g, " ").slice(0, 40)} = ${r.example.answer} (${r.example.score.toFixed(3)})`
      : `${base.task.trainSize} examples`,
    pct(r.heldOut.sampled),
    `${((r.heldOut.sampled - before.sampled) * 100).toFixed(1)}`,
    pct(r.heldOut.greedy),
    `${((r.heldOut.greedy - before.greedy) * 100).toFixed(1)}`,
    pct(r.trainLast),
    r.saturatedAt === null ? "never" : String(r.saturatedAt),
    r.evalCurve.map(([s, a]) => `${s}: ${(100 * a).toFixed(1)}`).join(", "),
    `${f2(r.reflectionFirst)} → ${f2(r.reflectionLast)}`,
    String(r.labelFlags),
  ]),
];
const title =
  `arith, ${base.steps} steps × ${base.batch.promptsPerStep} prompts × G=${base.batch.groupSize}, seed ${base.seed}, lr ${base.optim.lr}; ` +
  `held-out: the ${evalProblems} test problems, ${evalSamples} samples at T=1 and greedy`;
if (flags.json) console.log(JSON.stringify({ title, before, rows }, null, 2));
else {
  console.log(title);
  console.log(`| ${header.join(" | ")} |`);
  console.log(`| ${header.map(() => "---").join(" | ")} |`);
  for (const row of table) console.log(`| ${row.join(" | ")} |`);
  console.log(`runs: ${out}`);
}
