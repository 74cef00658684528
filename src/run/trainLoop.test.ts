// The loop's data stream (seeded order, cursor, difficulty filter), its warnings, and resume: a fake
// algorithm step whose metrics encode the problems it got, so any drift of the stream on resume shows.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { RolloutGroup } from "../algorithms/rollouts.js";
import { DifficultyFilter } from "../core/deadZone.js";
import type { TrainingEngine } from "../engine/types.js";
import type { Problem } from "../tasks/types.js";
import { parseConfig } from "./config.js";
import { ProgressReporter } from "./progress.js";
import { createRunDirectory, openRunForResume } from "./runDirectory.js";
import {
  type AlgorithmStep,
  grpoOptionsOf,
  ProblemStream,
  problemsAt,
  problemsForStep,
  runTrainingLoop,
} from "./trainLoop.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-loop-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const pool: Problem[] = Array.from({ length: 6 }, (_, i) => ({ id: `q${i}`, question: `${i}`, gold: "0" }));
const idx = (p: Problem) => Number(p.id.slice(1));

test("problemsAt: problemsForStep is the window [step·perStep, (step+1)·perStep) of one seeded order", () => {
  const order = problemsAt(pool, 0, 18, 7);
  for (let s = 0; s < 6; s++) assert.deepEqual(problemsForStep(pool, s, 3, 7), order.slice(3 * s, 3 * s + 3));
  // Each epoch (6 problems) is a permutation of the pool.
  assert.deepEqual(order.slice(6, 12).map(idx).sort(), [0, 1, 2, 3, 4, 5]);
});

test("ProblemStream: without a filter the cursor advances by what is taken", () => {
  const s = new ProblemStream(pool, 7, 0, null);
  assert.deepEqual(s.take(3), problemsForStep(pool, 0, 3, 7));
  assert.deepEqual(s.take(2), problemsAt(pool, 3, 2, 7));
  assert.equal(s.cursor, 5);
});

test("ProblemStream: the difficulty filter skips prompts outside (lo, hi) and counts them", () => {
  const order = problemsAt(pool, 0, 12, 7);
  const filter = new DifficultyFilter({ lo: 0, hi: 1, window: 2 });
  filter.record(order[0].id, 1); // always solved: skipped
  filter.record(order[2].id, 0); // never solved: skipped
  filter.record(order[3].id, 0.5); // in between: kept
  const s = new ProblemStream(pool, 7, 0, filter);
  assert.deepEqual(s.take(2), [order[1], order[3]]);
  assert.equal(s.cursor, 4);
  assert.equal(s.takeSkipped(), 2);
  assert.equal(s.takeSkipped(), 0);
});

test("ProblemStream: when the filter keeps nothing in a whole pass, the next problems come unfiltered", () => {
  const filter = new DifficultyFilter({ lo: 0, hi: 1 });
  for (const p of pool) filter.record(p.id, 1);
  const s = new ProblemStream(pool, 7, 2, filter);
  assert.deepEqual(s.take(2), problemsAt(pool, 2, 2, 7));
  assert.equal(s.cursor, 4);
});

test("grpoOptionsOf: deadZone.maxRounds (extra rounds) becomes the planner's cap on all rounds", () => {
  const c = parseConfig({ deadZone: { mode: "dynamic-sampling", maxRounds: 3 } }, "test");
  assert.deepEqual(grpoOptionsOf(c).deadZone, { mode: "dynamic-sampling", maxRounds: 4 });
});

/**
 * A fake step: q0, q1 always solved, q2 never, q3–q5 half the time; on odd steps it draws one extra
 * problem (as dynamic sampling would) and reports a warning. Its metrics encode the problems it got.
 */
const fakeStep: AlgorithmStep = async (problems, _adam, _sampling, step, moreProblems) => {
  const extra = step % 2 === 1 ? moreProblems(1, 1) : [];
  const all = [...problems, ...extra];
  const groups: RolloutGroup[] = all.map((problem) => {
    const i = idx(problem);
    const correct = i <= 1 ? [true, true] : i === 2 ? [false, false] : [true, false];
    return {
      problem,
      problemId: problem.id,
      trajectories_G: correct.map((c) => ({
        promptTokens: [1],
        completionTokens: [2],
        samplingLogprobs_T: [-1],
        reward: c ? 1 : 0,
        correct: c,
        truncated: false,
        completionText: "",
        reason: "",
      })),
    };
  });
  return {
    groups,
    advantages_PG: groups.map((g) => g.trajectories_G.map(() => 0)),
    sampledGroups: groups,
    warnings: step % 2 === 1 ? [`extra draw at step ${step}`] : [],
    metrics: {
      problem_code: all.reduce((s, p, j) => s + (idx(p) + 1) * 10 ** j, 0),
      num_problems: all.length,
    },
  };
};

const fakeEngine = {
  saveState: async (dir: string) => writeFileSync(join(dir, "engine.txt"), "state"),
} as unknown as TrainingEngine;

function loopConfig(out: string) {
  return parseConfig(
    {
      seed: 3,
      steps: 6,
      batch: { promptsPerStep: 2, groupSize: 2 },
      deadZone: { difficultyFilter: { enabled: true, lo: 0, hi: 1, window: 2 } },
      run: { out, checkpointEvery: 3, samplesPerStep: 0 },
    },
    "test",
  );
}

test("runTrainingLoop: filter history and cursor go into the checkpoint; a resumed run has identical metrics", async () => {
  const a = join(tmp, "A");
  const config = loopConfig(a);
  const log: string[] = [];
  const progress = new ProgressReporter({
    total: 6,
    stream: { write: (t: string) => log.push(t) },
    live: false,
  });
  const runA = createRunDirectory(a, config);
  await runTrainingLoop({
    run: runA,
    config,
    engine: fakeEngine,
    step: fakeStep,
    pool,
    startStep: 0,
    progress,
  });
  runA.close();
  const metricsA = readFileSync(join(a, "metrics.jsonl"), "utf8");
  const lines = metricsA
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 6);
  assert.ok(
    lines.some((l) => l["rollout/difficulty_filter_skipped"] > 0),
    "the always/never solved prompts are skipped once seen",
  );
  assert.ok(
    log.some((l) => l.includes("step 2: extra draw at step 1")),
    "warnings go to progress.log",
  );

  const state = JSON.parse(readFileSync(join(a, "checkpoints", "step-3", "trainer_state.json"), "utf8"));
  assert.equal(state.step, 3);
  assert.equal(typeof state.cursor, "number");
  assert.ok(state.cursor > 6, "filter skips and the extra draw move the cursor past 3 steps × 2 prompts");
  const filter = DifficultyFilter.fromJSON(state.difficultyFilter);
  assert.equal(filter.window, 2);

  // Same run, killed after the step-3 checkpoint: drop what came after, then resume from the trainer state.
  const b = join(tmp, "B");
  const runB = createRunDirectory(b, loopConfig(b));
  await runTrainingLoop({
    run: runB,
    config: loopConfig(b),
    engine: fakeEngine,
    step: fakeStep,
    pool,
    startStep: 0,
  });
  runB.close();
  assert.equal(readFileSync(join(b, "metrics.jsonl"), "utf8"), metricsA);
  rmSync(join(b, "checkpoints", "step-6"), { recursive: true });
  const resumed = openRunForResume(b, { config: loopConfig(b) });
  assert.equal(resumed.checkpoint?.step, 3);
  await runTrainingLoop({
    run: resumed.run,
    config: resumed.config,
    engine: fakeEngine,
    step: fakeStep,
    pool,
    startStep: 3,
    trainerState: resumed.trainerState,
  });
  resumed.run.close();
  assert.equal(readFileSync(join(b, "metrics.jsonl"), "utf8"), metricsA, "resume: identical metrics.jsonl");

  // Control: resuming without the trainer state (fresh filter, cursor 3·2) gives other problems.
  rmSync(join(b, "checkpoints", "step-6"), { recursive: true });
  const again = openRunForResume(b, { config: loopConfig(b) });
  await runTrainingLoop({
    run: again.run,
    config: again.config,
    engine: fakeEngine,
    step: fakeStep,
    pool,
    startStep: 3,
  });
  again.run.close();
  assert.notEqual(readFileSync(join(b, "metrics.jsonl"), "utf8"), metricsA);
});

test("train CLI: GRPO with dynamic sampling and the difficulty filter resumes to identical metrics", async () => {
  const { LocalEngine } = await import("../engine/local/localEngine.js");
  const { CharTokenizer } = await import("../engine/tokenizer/charTokenizer.js");
  const { warmStartModelConfig } = await import("./warmStart.js");
  const { runCli } = await import("../cli/main.js");
  const model = join(tmp, "tiny");
  const tok = new CharTokenizer();
  const engine = LocalEngine.fromConfig(
    {
      ...warmStartModelConfig(tok.vocabSize),
      hiddenSize: 32,
      intermediateSize: 64,
      numHiddenLayers: 1,
      headDim: 8,
    },
    3,
  );
  await engine.saveWeights(model);
  await engine.close();
  tok.save(model);
  const cli = (...args: string[]) =>
    runCli(["node", "rlvr", ...args], { writeOut: () => {}, writeErr: () => {} });
  const flags = [
    ...["--model", model, "--steps", "4", "--seed", "2", "--checkpoint-every", "2"],
    ...["--set", "task.name=arith-ordinal", "--set", "reward.kind=ordinal", "--set", "task.trainSize=5"],
    ...["--set", "batch.promptsPerStep=2", "--set", "batch.groupSize=3", "--set", "sampling.maxTokens=8"],
    ...["--set", "deadZone.mode=dynamic-sampling", "--set", "deadZone.maxRounds=1"],
    ...["--set", "deadZone.difficultyFilter.enabled=true", "--set", "deadZone.difficultyFilter.hi=0.5"],
  ];
  const a = join(tmp, "cliA");
  const b = join(tmp, "cliB");
  assert.equal(await cli("train", ...flags, "--out", a), 0);
  assert.equal(await cli("train", ...flags, "--out", b), 0);
  const metricsA = readFileSync(join(a, "metrics.jsonl"), "utf8");
  assert.equal(readFileSync(join(b, "metrics.jsonl"), "utf8"), metricsA, "same seed, same metrics");
  const lines = metricsA
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.ok(
    lines.every(
      (l) => l["rollout/dynamic_sampling_rounds"] >= 1 && l["rollout/dynamic_sampling_rounds"] <= 2,
    ),
  );
  assert.ok(lines.every((l) => "rollout/difficulty_filter_skipped" in l));
  const state = JSON.parse(readFileSync(join(b, "checkpoints", "step-2", "trainer_state.json"), "utf8"));
  assert.ok(Object.keys(state.difficultyFilter.history).length > 0, "the filter's history is checkpointed");
  rmSync(join(b, "checkpoints", "step-4"), { recursive: true });
  writeFileSync(join(b, "metrics.jsonl"), metricsA.split("\n").slice(0, 2).join("\n") + "\n");
  assert.equal(await cli("train", "--resume", b, "--steps", "4"), 0);
  assert.equal(readFileSync(join(b, "metrics.jsonl"), "utf8"), metricsA, "resumed: identical metrics");
});

test("runTrainingLoop: skipped (non-finite) updates are logged, and run.maxNonFiniteSteps in a row stop the run", async () => {
  const out = join(tmp, "nonfinite");
  const config = parseConfig(
    {
      steps: 10,
      batch: { promptsPerStep: 1, groupSize: 2 },
      run: { out, checkpointEvery: 0, maxNonFiniteSteps: 2 },
    },
    "test",
  );
  const log: string[] = [];
  const progress = new ProgressReporter({
    total: 10,
    stream: { write: (t: string) => log.push(t) },
    live: false,
  });
  // Steps 2 and 4 skip their update (one alone is tolerated); steps 6 and 7 in a row stop the run.
  const skippedAt = new Set([2, 4, 6, 7]);
  const step: AlgorithmStep = async (problems, adam, sampling, s, more) => {
    const r = await fakeStep(problems, adam, sampling, s, more);
    return { ...r, metrics: { ...r.metrics, "optim/skipped_updates": skippedAt.has(s + 1) ? 1 : 0 } };
  };
  const run = createRunDirectory(out, config);
  await assert.rejects(
    runTrainingLoop({ run, config, engine: fakeEngine, step, pool, startStep: 0, progress }),
    /stopped after step 7: 2 steps in a row had non-finite gradients.* those of step 5/,
  );
  run.close();
  assert.equal(log.filter((l) => l.includes("update skipped: the gradients were not finite")).length, 4);
});

test("runTrainingLoop: a stop request ends the loop after the current step, with a checkpoint of it", async () => {
  const out = join(tmp, "stop");
  const config = parseConfig(
    { steps: 10, batch: { promptsPerStep: 1, groupSize: 2 }, run: { out, checkpointEvery: 4 } },
    "test",
  );
  let steps = 0;
  const step: AlgorithmStep = async (...args) => {
    steps++;
    return fakeStep(...args);
  };
  const run = createRunDirectory(out, config);
  const r = await runTrainingLoop({
    run,
    config,
    engine: fakeEngine,
    step,
    pool,
    startStep: 0,
    stopRequested: () => steps >= 3,
  });
  run.close();
  assert.equal(r.stoppedAt, 3);
  assert.equal(run.latestCheckpoint()?.step, 3);
  assert.equal(readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n").length, 3);
});
