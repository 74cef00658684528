// `npm run compare:mgrpo`: the paper's Table 2 on the arithmetic task (ALGORITHMS.md "MGRPO"; MGRPO 001
// §5). From one warm start and one seed: one-round GRPO, MGRPO and STaR with external prompts for the same
// number of steps, GRPO again at the number of sampled tokens MGRPO used (GRPO gets the extra steps), and
// the warm start's intrinsic self-correction (no training). Every model is measured with the same
// two-turn evaluation (eval/twoTurn.ts) on held-out problems.
//
// Columns, as in the paper's Table 2:
//   Acc@t1  turn-1 accuracy of the method's model;
//   Acc@t1' turn-2 accuracy before layer-2 training: for MGRPO, the one-round GRPO model (same seed and
//           steps = MGRPO's layer 1 alone) corrected with the guide phrases; for the warm-start rows,
//           the warm start corrected with the guide phrases;
//   Acc@t2  turn-2 accuracy of the method's model (guide phrases; the intrinsic instruction for the
//           intrinsic row); one-round GRPO has no second turn ("–");
//   Δ, Δi→c, Δc→i over the model's own (turn 1, turn 2) pairs, so Δ = Acc@t2 − Acc@t1 = Δi→c − Δc→i.
//
//   npx tsx scripts/compareMgrpo.ts [--model DIR|default] [--steps N] [--prompts P] [--group G] [--h H]
//     [--seed S] [--eval-problems N] [--eval-samples K] [--temperature T] [--max-tokens T] [--lr LR]
//     [--methods grpo,mgrpo,grpo-tokens,star,intrinsic] [--set path=value ...] [--out DIR] [--json]
//   --set overrides a config field of every trained method, as `rlvr train --set` does (e.g.
//   --set mgrpo.layer2Normalization=attempt-mean; fields of another algorithm are ignored by it).
import { parseArgs } from "node:util";
import { evaluateTwoTurn, type TwoTurnGuide } from "../src/eval/twoTurn.js";
import { LocalEngine } from "../src/engine/local/localEngine.js";
import { parseSetAssignment } from "../src/cli/trainOptions.js";
import { type Config, mergeConfig, parseConfig } from "../src/run/config.js";
import { mgrpoAlgorithmStep } from "../src/run/mgrpoStep.js";
import { ProgressReporter } from "../src/run/progress.js";
import { createRunDirectory, readJsonl } from "../src/run/runDirectory.js";
import { type ModelSession, openModel } from "../src/run/session.js";
import { starExternalAlgorithmStep } from "../src/run/starStep.js";
import { grpoAlgorithmStep, runTrainingLoop } from "../src/run/trainLoop.js";
import type { SelfCorrectionMetrics } from "../src/core/selfCorrectionMetrics.js";
import { PAPER_GUIDE_PHRASES } from "../src/tasks/guidePhrases.js";

const { values: flags } = parseArgs({
  options: {
    model: { type: "string", default: "default" },
    steps: { type: "string", default: "150" },
    prompts: { type: "string", default: "8" },
    group: { type: "string", default: "8" },
    h: { type: "string", default: "8" },
    seed: { type: "string", default: "0" },
    "eval-problems": { type: "string", default: "500" },
    "eval-samples": { type: "string", default: "8" },
    temperature: { type: "string", default: "0.7" },
    "max-tokens": { type: "string", default: "96" },
    lr: { type: "string", default: "1e-4" },
    methods: { type: "string", default: "grpo,mgrpo,grpo-tokens,star,intrinsic" },
    set: { type: "string", multiple: true, default: [] },
    out: { type: "string" },
    json: { type: "boolean", default: false },
  },
});

const TASK = "arith";
const num = (name: keyof typeof flags) => {
  const v = Number(flags[name]);
  if (!Number.isFinite(v)) throw new Error(`--${name}: expected a number, got ${String(flags[name])}`);
  return v;
};
const KNOWN = ["grpo", "mgrpo", "grpo-tokens", "star", "intrinsic"];
const methods = new Set((flags.methods ?? "").split(",").filter((m) => m !== ""));
for (const m of methods) if (!KNOWN.includes(m)) throw new Error(`--methods: unknown ${m}; known: ${KNOWN}`);
// MGRPO's Acc@t1' and the token budget of grpo-tokens need the GRPO and MGRPO runs.
if (methods.has("mgrpo") || methods.has("grpo-tokens")) methods.add("grpo");
if (methods.has("grpo-tokens")) methods.add("mgrpo");
const steps = num("steps");
const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
const out = flags.out ?? `runs/compare-mgrpo-${stamp}`;
const PRESET: TwoTurnGuide = { kind: "pool", name: "preset", phrases: PAPER_GUIDE_PHRASES };

const overrides = (flags.set ?? []).reduce((acc, a) => mergeConfig(acc, parseSetAssignment(a)), {});

function configOf(algo: "grpo" | "mgrpo" | "star", name: string, nSteps: number): Config {
  const base = {
    algo,
    task: { name: TASK },
    model: flags.model,
    seed: num("seed"),
    steps: nSteps,
    batch: { promptsPerStep: num("prompts"), groupSize: num("group") },
    sampling: { temperature: 1, maxTokens: num("max-tokens") },
    mgrpo: { layer2Group: num("h") },
    optim: { lr: num("lr"), schedule: "constant", warmupRatio: 0 },
    run: { out: `${out}/${name}`, checkpointEvery: 0, samplesPerStep: 8 },
  };
  return parseConfig(mergeConfig(base, overrides), `compare:mgrpo (${name})`);
}

async function twoTurn(session: ModelSession, guide: TwoTurnGuide): Promise<SelfCorrectionMetrics> {
  const problems = session.task.problems("test", num("eval-problems"), 0);
  const r = await evaluateTwoTurn(session.engine, session.tokenizer, session.task, problems, {
    renderPrompt: session.renderPrompt,
    samplesPerProblem: num("eval-samples"),
    guide,
    rendering: "continue-think",
    sampling: { temperature: num("temperature"), topK: -1, topP: 1, maxTokens: num("max-tokens"), seed: 0 },
  });
  return r.metrics;
}

interface Trained {
  runDir: string;
  steps: number;
  sampledTokens: number;
  eval: SelfCorrectionMetrics;
  last: Record<string, unknown>;
}

/** Trains from the warm start and evaluates two-turn with the guide phrases. */
async function train(algo: "grpo" | "mgrpo" | "star", name: string, nSteps: number): Promise<Trained> {
  const config = configOf(algo, name, nSteps);
  const session = openModel(config.model, TASK);
  const reference = config.loss.kl.coef > 0 ? LocalEngine.fromDirectory(session.modelDir) : undefined;
  try {
    const ctx = { ...session, reference };
    const run = createRunDirectory(config.run.out, config);
    await runTrainingLoop({
      run,
      config,
      engine: session.engine,
      step:
        algo === "mgrpo"
          ? mgrpoAlgorithmStep(config, ctx)
          : algo === "star"
            ? starExternalAlgorithmStep(config, ctx)
            : grpoAlgorithmStep(config, ctx),
      pool: session.task.problems("train", config.task.trainSize, config.seed),
      startStep: 0,
      progress: new ProgressReporter({ total: nSteps, label: name, live: process.stderr.isTTY }),
    });
    run.close();
    const metrics = readJsonl(run.metricsPath) as Record<string, unknown>[];
    // GRPO records completion_tokens_mean over its prompts × G samples; MGRPO and STaR record sampled_tokens.
    const tokensOf = (m: Record<string, unknown>) =>
      typeof m.sampled_tokens === "number"
        ? m.sampled_tokens
        : Number(m.completion_tokens_mean) * num("prompts") * num("group");
    const result = await twoTurn(session, PRESET);
    run.writeEval("compare-mgrpo", result);
    return {
      runDir: run.dir,
      steps: nSteps,
      sampledTokens: metrics.reduce((s, m) => s + tokensOf(m), 0),
      eval: result,
      last: metrics[metrics.length - 1] ?? {},
    };
  } finally {
    await session.close();
    await reference?.close();
  }
}

interface Row {
  method: string;
  t1: number | null;
  t1p: number | null;
  t2: number | null;
  delta: number | null;
  i2c: number | null;
  c2i: number | null;
  steps: number | null;
  tokens: number | null;
}

const rowOf = (
  method: string,
  m: SelfCorrectionMetrics,
  extra: Partial<Row> & { oneRound?: boolean } = {},
): Row => {
  const { oneRound, ...rest } = extra;
  return {
    method,
    t1: m.acc_t1,
    t1p: null,
    t2: oneRound ? null : m.acc_t2,
    delta: oneRound ? null : m.delta,
    i2c: oneRound ? null : m.delta_i2c,
    c2i: oneRound ? null : m.delta_c2i,
    steps: null,
    tokens: null,
    ...rest,
  };
};

const rows: Row[] = [];
const t0 = performance.now();
const warm = openModel(flags.model ?? "default", TASK);
let warmGuided: SelfCorrectionMetrics | undefined;
try {
  console.error(`warm start: ${warm.modelDir}`);
  warmGuided = await twoTurn(warm, PRESET);
  rows.push(rowOf("Warm start + guide phrases (no training)", warmGuided));
  if (methods.has("intrinsic")) {
    const intrinsic = await twoTurn(warm, { kind: "intrinsic" });
    rows.push(rowOf("Intrinsic self-correction (warm start)", intrinsic));
  }
} finally {
  await warm.close();
}
let grpo: Trained | undefined;
let mgrpo: Trained | undefined;
if (methods.has("grpo")) {
  grpo = await train("grpo", "grpo", steps);
  rows.push(rowOf("One-round GRPO", grpo.eval, { oneRound: true, steps, tokens: grpo.sampledTokens }));
}
if (methods.has("mgrpo")) {
  mgrpo = await train("mgrpo", "mgrpo", steps);
  rows.push(
    rowOf("MGRPO", mgrpo.eval, { t1p: grpo?.eval.acc_t2 ?? null, steps, tokens: mgrpo.sampledTokens }),
  );
}
if (methods.has("grpo-tokens") && grpo && mgrpo) {
  const perStep = grpo.sampledTokens / grpo.steps;
  const eqSteps = Math.max(steps, Math.round(mgrpo.sampledTokens / perStep));
  const eq = await train("grpo", "grpo-tokens", eqSteps);
  rows.push(
    rowOf("One-round GRPO (MGRPO's sampled tokens)", eq.eval, {
      oneRound: true,
      steps: eqSteps,
      tokens: eq.sampledTokens,
    }),
  );
}
if (methods.has("star")) {
  const star = await train("star", "star-external", steps);
  rows.push(rowOf("STaR with external prompts", star.eval, { steps, tokens: star.sampledTokens }));
}
const minutes = (performance.now() - t0) / 60000;

const settings = {
  task: TASK,
  model: flags.model,
  seed: num("seed"),
  steps,
  prompts_per_step: num("prompts"),
  group: num("group"),
  layer2_group: num("h"),
  lr: num("lr"),
  eval_problems: num("eval-problems"),
  eval_samples: num("eval-samples"),
  eval_temperature: num("temperature"),
  max_tokens: num("max-tokens"),
  set: flags.set ?? [],
  minutes,
  out,
};
if (flags.json) {
  console.log(JSON.stringify({ settings, rows }, null, 2));
} else {
  const pct = (v: number | null) => (v === null ? "–" : `${(100 * v).toFixed(1)}`);
  const signed = (v: number | null) => (v === null ? "–" : `${v > 0 ? "+" : ""}${(100 * v).toFixed(1)}`);
  const header = [
    "Method",
    "Acc@t1",
    "Acc@t1'",
    "Acc@t2",
    "Δ(t1,t2)",
    "Δi→c",
    "Δc→i",
    "steps",
    "sampled tokens",
  ];
  const table = rows.map((r) => [
    r.method,
    pct(r.t1),
    pct(r.t1p),
    pct(r.t2),
    signed(r.delta),
    pct(r.i2c),
    pct(r.c2i),
    r.steps === null ? "–" : String(r.steps),
    r.tokens === null ? "–" : String(Math.round(r.tokens)),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((row) => row[c].length)));
  const line = (cells: string[]) => `| ${cells.map((x, c) => x.padEnd(widths[c])).join(" | ")} |`;
  console.log(
    `${TASK}, seed ${settings.seed}, ${steps} steps × ${settings.prompts_per_step} prompts × G=${settings.group} ` +
      `(H=${settings.layer2_group}), lr ${settings.lr}${settings.set.map((a) => `, ${a}`).join("")}; two-turn evaluation on ${settings.eval_problems} test ` +
      `problems × ${settings.eval_samples} samples at T=${settings.eval_temperature}, guide phrases = the ` +
      `paper's pool (percent; Acc@t1' of MGRPO = the one-round GRPO model corrected, i.e. before layer-2 training)`,
  );
  console.log(line(header));
  console.log(`| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`);
  for (const row of table) console.log(line(row));
  console.log(`runs: ${out} (${minutes.toFixed(1)} min)`);
}
