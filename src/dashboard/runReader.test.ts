import assert from "node:assert/strict";
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { RunReader, summarizeConfig } from "./runReader.js";
import { scriptedRun } from "./testRuns.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-runreader-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
let run: string;
before(async () => {
  run = await scriptedRun(join(tmp, "mgrpo"), { steps: 4, evalEvery: 2 });
});

test("RunReader: a finished MGRPO run: its config, every metrics row, timings, no notes", () => {
  const r = new RunReader("mgrpo", run);
  r.readAll();
  const info = r.info();
  assert.equal(info.rows, 4);
  assert.equal(info.lastStep, 4);
  assert.deepEqual(
    { algo: info.config.algo, task: info.config.task, steps: info.config.steps, h: info.config.layer2Group },
    { algo: "mgrpo", task: "arith", steps: 4, h: 4 },
  );
  assert.deepEqual(info.notes, []);
  const s = r.series(["rollout/reward_mean", "time/sample_tokens_per_s", "eval/accuracy", "nope"], 5000);
  assert.deepEqual(s["rollout/reward_mean"].x, [1, 2, 3, 4]);
  assert.equal(s["time/sample_tokens_per_s"].x.length, 4);
  assert.deepEqual(s["eval/accuracy"].x, [2, 4]);
  assert.equal(s.nope, undefined);
  assert.ok(info.keys.includes("layer2/i2c_rate"));
});

test("RunReader: a torn last line, a bad line, a missing file and an unknown metric: shows the rest, says what it skipped", () => {
  const dir = join(tmp, "bad");
  cpSync(run, dir, { recursive: true });
  rmSync(join(dir, "timings.jsonl"));
  rmSync(join(dir, "samples.jsonl"));
  const lines = readFileSync(join(dir, "metrics.jsonl"), "utf8").trim().split("\n");
  // line 2 is garbage, step 5 has an unknown metric and a string value, step 6 is torn
  lines[1] = "{garbage";
  writeFileSync(
    join(dir, "metrics.jsonl"),
    `${lines.join("\n")}\n{"step":5,"rollout/reward_mean":0.5,"custom_reward":2,"rollout/accuracy":"high"}\n{"step":6,"rollout/rew`,
  );
  const r = new RunReader("bad", dir);
  r.readAll();
  const info = r.info();
  assert.deepEqual(r.series(["rollout/reward_mean"], 100)["rollout/reward_mean"].x, [1, 3, 4, 5]);
  assert.deepEqual(r.series(["custom_reward"], 100).custom_reward, { x: [5], y: [2] });
  const notes = info.notes.join("\n");
  assert.match(notes, /metrics\.jsonl: skipped 1 unreadable line\(s\) \(line 2: not valid JSON\)/);
  assert.match(notes, /metrics\.jsonl: the last line is unfinished \(\d+ bytes/);
  assert.match(notes, /custom_reward not in a known namespace/);
  assert.match(notes, /1 value\(s\) of rollout\/accuracy are not numbers/);
  assert.match(notes, /timings\.jsonl missing/);
  assert.match(notes, /samples\.jsonl missing/);
  // the torn line completes: step 6 arrives, the note goes
  appendFileSync(join(dir, "metrics.jsonl"), 'ard_mean":0.75}\n');
  const change = r.refresh();
  assert.deepEqual(
    change.metrics.map((m) => m.step),
    [6],
  );
  assert.doesNotMatch(r.notes().join("\n"), /unfinished/);
});

test("RunReader: no config.json and no metrics.jsonl are notes, not errors; eval files are read", () => {
  const dir = join(tmp, "empty");
  cpSync(run, dir, { recursive: true });
  rmSync(join(dir, "config.json"));
  rmSync(join(dir, "metrics.jsonl"));
  mkdirSync(join(dir, "eval"), { recursive: true });
  writeFileSync(join(dir, "eval", "broken.json"), "{");
  writeFileSync(join(dir, "eval", "two-turn.json"), JSON.stringify({ acc_t1: 0.5, acc_t2: 0.6 }));
  const r = new RunReader("empty", dir);
  r.readAll();
  const notes = r.notes().join("\n");
  assert.match(notes, /config\.json missing/);
  assert.match(notes, /metrics\.jsonl missing: no curves/);
  assert.match(notes, /eval\/broken\.json unreadable/);
  assert.deepEqual([...r.evals.keys()], ["two-turn"]);
  assert.equal(r.info().rows, 0);
});

test("summarizeConfig: missing fields are null", () => {
  assert.deepEqual(summarizeConfig({ algo: "grpo", batch: { groupSize: 8 } }), {
    algo: "grpo",
    task: null,
    steps: null,
    seed: null,
    model: null,
    promptsPerStep: null,
    groupSize: 8,
    layer2Group: null,
  });
});
