// train(), the library's one call: rows given as values land in config.json (so the run directory alone
// resumes), the reward function scores every sample, and a file path works as on the command line.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { ProgressReporter } from "./progress.js";
import { readJsonl } from "./runDirectory.js";
import { train, trainConfig } from "./train.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-train-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const quiet = () =>
  new ProgressReporter({ total: 1, stream: { write: () => true, isTTY: false } as never, live: false });

const rows = [
  { prompt: "Compute 2+2.", target: 4 },
  { prompt: "Compute 3+4.", target: 7 },
];
const scripted = {
  engine: { kind: "scripted" as const, completions: ["\\boxed{4}", "\\boxed{7}"] },
  steps: 2,
  batch: { promptsPerStep: 2, groupSize: 2 },
  run: { checkpointEvery: 1 },
};

test("rows and a reward function: the rows are in config.json, every sample is scored by the function", async () => {
  const seen: string[] = [];
  const out = join(tmp, "rows");
  const { runDir, lastMetrics } = await train({
    dataset: rows,
    questionField: "prompt",
    answerField: "target",
    reward: (completion, example) => {
      seen.push(`${example.question} → ${completion}`);
      return completion.includes(`{${example.gold}}`) ? 1 : 0;
    },
    config: { ...scripted, run: { ...scripted.run, out } },
    progress: quiet(),
  });
  // 2 steps × 2 prompts × G = 2 samples; each prompt gets "\boxed{4}" and "\boxed{7}": one right of two.
  assert.equal(seen.length, 8);
  assert.equal(lastMetrics["rollout/reward_mean"], 0.5);
  const stored = JSON.parse(readFileSync(join(runDir, "config.json"), "utf8"));
  assert.deepEqual(stored.task.options.rows, rows);
  assert.equal(stored.task.name, "dataset");
  // resuming a finished run from its own config.json: nothing to do, the same result
  const again = await train({
    dataset: rows,
    questionField: "prompt",
    answerField: "target",
    reward: () => 0,
    config: { ...scripted, run: { ...scripted.run, out } },
    resume: true,
    progress: quiet(),
  });
  assert.equal(again.startStep, 2);
  assert.equal(readJsonl(join(runDir, "metrics.jsonl")).length, 2);
});

test("a file path, and the math verifier as the reward when no function is given", async () => {
  const file = join(tmp, "problems.jsonl");
  writeFileSync(file, rows.map((r) => JSON.stringify({ question: r.prompt, answer: r.target })).join("\n"));
  const config = trainConfig({ dataset: file, config: { ...scripted, run: { out: join(tmp, "file") } } });
  assert.equal(config.task.options.file, file);
  const { lastMetrics } = await train({
    dataset: file,
    config: { ...scripted, run: { out: join(tmp, "file") } },
    progress: quiet(),
  });
  assert.equal(lastMetrics["rollout/accuracy"], 0.5);
});

test("a bad row names its index in task.options.rows and the field", async () => {
  await assert.rejects(
    train({ dataset: [{ question: "x?" }], config: scripted, progress: quiet() }),
    /task\.options\.rows\[0\]: field "answer" is missing/,
  );
  assert.throws(() => trainConfig({ dataset: rows, config: { steps: 0 } }), /train\(\).*steps/s);
});
