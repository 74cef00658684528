// Which single arith examples transfer under 1-shot RLVR (docs/experiments/ppo-star-oneshot.md): each
// candidate is trained alone (recipes/compare-oneshot.json's 1-shot settings: GRPO, the example repeated
// to fill the batch, the entropy bonus) for --steps from the warm start, then its accuracy at T = 1 (one
// sample per problem) is measured on a validation set — 400 train-split problems outside the recipe's
// training pool (task.trainSize), never the test split — and on the test split. One JSON line per
// candidate (and one for the warm start) on stdout and appended to OUT.jsonl.
//
//   npx tsx scripts/screenOneShot.ts --out DIR [--steps 20] [--lr 1e-4] [--entropy 0.001]
//     [--set path=value …] [--no-warm] EXPR=ANSWER …        e.g. "71+8*5+68=179"
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { evaluateAccuracy } from "../src/eval/accuracy.js";
import type { Config } from "../src/run/config.js";
import { ProgressReporter } from "../src/run/progress.js";
import { openSession } from "../src/run/session.js";
import { trainRun } from "../src/run/trainRun.js";
import { numberFlags, recipeConfig } from "./scriptFlags.js";

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: "string" },
    set: { type: "string", multiple: true, default: [] },
    steps: { type: "string", default: "20" },
    lr: { type: "string", default: "1e-4" },
    entropy: { type: "string", default: "0.001" },
    "no-warm": { type: "boolean", default: false },
  },
});
if (!flags.out) throw new Error("--out DIR is required");
const out = flags.out;
const num = numberFlags(flags);
mkdirSync(out, { recursive: true });
const VALIDATION = 400;

const configOf = (name: string, examples?: string): Config =>
  recipeConfig(
    "compare-oneshot.json",
    flags,
    {
      steps: num("steps"),
      task: { examples },
      // 1-shot RLVR's loss: policy gradient + entropy bonus (003 §2)
      loss: { entropyCoef: num("entropy") },
      optim: { lr: num("lr") },
      run: { out: `${out}/${name}`, evalEvery: 0 },
    },
    `screen-oneshot (${name})`,
  );

/** Accuracy at T = 1, one sample per problem, on the validation problems and on the test split. */
async function measure(config: Config, weightsDir?: string): Promise<{ val: number; test: number }> {
  const s = await openSession(config, { weightsDir });
  try {
    const pool = new Set(s.task.problems("train", config.task.trainSize, config.seed).map((p) => p.id));
    const validation = s.task
      .problems("train", (config.task.trainSize ?? 0) + 2 * VALIDATION, config.seed)
      .filter((p) => !pool.has(p.id))
      .slice(0, VALIDATION);
    if (validation.length < VALIDATION) throw new Error(`only ${validation.length} validation problems`);
    const options = {
      renderPrompt: s.renderPrompt,
      samplesPerProblem: 1,
      sampling: { temperature: 1, topK: -1, topP: 1, maxTokens: config.sampling.maxTokens, seed: 0 },
    };
    const val = await evaluateAccuracy(s.engine, s.tokenizer, s.task, validation, options);
    const test = await evaluateAccuracy(
      s.engine,
      s.tokenizer,
      s.task,
      s.task.problems("test", 500, 0),
      options,
    );
    return { val: val.accuracy, test: test.accuracy };
  } finally {
    await s.close();
  }
}

const record = (row: Record<string, unknown>) => {
  console.log(JSON.stringify(row));
  appendFileSync(`${out}.jsonl`, `${JSON.stringify(row)}\n`);
};

if (!flags["no-warm"]) record({ name: "warm start", ...(await measure(configOf("warm"))) });
for (const candidate of positionals) {
  const [expr, answer] = candidate.split("=");
  if (!expr || !answer) throw new Error(`${candidate}: expected EXPR=ANSWER, e.g. 71+8*5+68=179`);
  const name = expr.replace(/\*/g, "x");
  const file = `${out}/${name}.json`;
  writeFileSync(
    file,
    `${JSON.stringify({ examples: [{ id: `arith:${expr}`, prompt: `Compute ${expr}.`, answer }] })}\n`,
  );
  const config = configOf(name, file);
  const started = Date.now();
  const progress = new ProgressReporter({ total: config.steps, label: expr, live: false });
  const { checkpoint } = await trainRun(config, { progress });
  record({
    name: expr,
    steps: config.steps,
    lr: config.optim.lr,
    entropy: config.loss.entropyCoef,
    promptsPerStep: config.batch.promptsPerStep,
    ...(await measure(config, checkpoint)),
    wall_s: Math.round((Date.now() - started) / 1000),
  });
}
