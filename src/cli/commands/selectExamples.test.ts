// Integration: a scripted run writes examples.jsonl; select-examples ranks it and prints the JSON that
// `train --examples` reads; the 1-shot run trains on that example alone, repeated to fill the batch.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { cli } from "../testSupport.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-select-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const SCRIPTED = JSON.stringify({ kind: "scripted", completions: ["Wait. \\boxed{3}", "\\boxed{5}"] });
const jsonl = (path: string) =>
  readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

test("history → select-examples → train --examples", async () => {
  const full = join(tmp, "full");
  const common = ["--set", `engine=${SCRIPTED}`, "--set", "batch.groupSize=2", "--set", "loss.kl.coef=0"];
  const r = await cli(
    "train",
    "--steps",
    "3",
    "--out",
    full,
    ...common,
    "--set",
    "batch.promptsPerStep=2",
    "--set",
    "task.trainSize=3",
  );
  assert.equal(r.code, 0, r.err);
  const history = jsonl(join(full, "examples.jsonl"));
  // 3 steps × 2 prompts × 2 samples (a prompt drawn twice in one step is one line)
  assert.equal(
    history.reduce((n, h) => n + h.samples, 0),
    12,
  );
  assert.deepEqual([...new Set(history.map((h) => h.step))], [1, 2, 3]);
  assert.deepEqual(Object.keys(history[0]).sort(), ["accuracy", "gold", "id", "question", "samples", "step"]);
  const metrics = jsonl(join(full, "metrics.jsonl"));
  // "Wait" in one of the two scripted completions
  assert.equal(metrics[0]["rollout/reflection_words"], 0.5);

  const sel = await cli("select-examples", "--history", full, "--method", "variance", "--top", "1", "--json");
  assert.equal(sel.code, 0, sel.err);
  const chosen = JSON.parse(sel.out) as {
    examples: { id: string; prompt: string; answer: string; score: number }[];
  };
  assert.equal(chosen.examples.length, 1);
  const e = chosen.examples[0];
  assert.ok(history.some((h) => h.id === e.id && h.question === e.prompt && h.gold === e.answer));
  const random = await cli(
    "select-examples",
    "--history",
    full,
    "--method",
    "random",
    "--top",
    "2",
    "--json",
  );
  assert.equal(JSON.parse(random.out).examples.length, 2);

  const file = join(tmp, "pi1.json");
  writeFileSync(file, sel.out);
  const one = join(tmp, "one");
  const t = await cli(
    "train",
    "--steps",
    "2",
    "--out",
    one,
    "--examples",
    file,
    ...common,
    "--set",
    "batch.promptsPerStep=4",
  );
  assert.equal(t.code, 0, t.err);
  const oneHistory = jsonl(join(one, "examples.jsonl"));
  // one line per step: the one example, 4 copies × 2 samples merged
  assert.deepEqual(
    oneHistory.map((h) => [h.step, h.id, h.samples]),
    [
      [1, e.id, 8],
      [2, e.id, 8],
    ],
  );
});

test("select-examples and --examples name the bad input", async () => {
  const none = await cli("select-examples", "--history", join(tmp, "nothing"));
  assert.equal(none.code, 1);
  assert.match(none.err, /examples\.jsonl not found/);
  const bad = join(tmp, "bad.json");
  writeFileSync(bad, JSON.stringify({ examples: [{ id: "a", prompt: "p" }] }));
  const t = await cli(
    "train",
    "--steps",
    "1",
    "--out",
    join(tmp, "bad-run"),
    "--examples",
    bad,
    "--set",
    `engine=${SCRIPTED}`,
  );
  assert.equal(t.code, 1);
  assert.match(t.err, /bad\.json: examples\[0\]\.answer/);
});

test("one-shot-rlvr: confident samples answering ∛2048 ≈ 12.70 flag π1's label 12.8 in label_audit.jsonl", async () => {
  const out = join(tmp, "pi1");
  const confident = JSON.stringify({
    kind: "scripted",
    completions: ["<think>V = 2048^(1/3)</think>\\boxed{12.70}"],
    logprob: -0.01,
  });
  const r = await cli(
    "train",
    "--task",
    "one-shot-rlvr",
    "--steps",
    "1",
    "--out",
    out,
    "--set",
    `engine=${confident}`,
    "--set",
    "loss.kl.coef=0",
    "--set",
    "batch.promptsPerStep=2",
  );
  assert.equal(r.code, 0, r.err);
  const [flag, ...rest] = jsonl(join(out, "label_audit.jsonl"));
  assert.equal(rest.length, 0);
  assert.deepEqual(
    [flag.step, flag.id, flag.gold, flag.answer, flag.agreement, flag.confident],
    [1, "one-shot-rlvr-pi1:0", "12.8", "12.70", 1, 16],
  );
  assert.equal(jsonl(join(out, "metrics.jsonl"))[0]["rollout/label_audit_flags"], 1);
});
