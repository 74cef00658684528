import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { loadTask } from "./registry.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-file-dataset-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const file = (name: string, text: string) => {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
};

test("the user's file as a task: own field names, both splits, math-verifier scoring", async () => {
  const train = file("train.jsonl", '{"q": "1+1?", "a": 2}\n{"q": "Half of 1?", "a": "\\\\frac12"}\n');
  const test_ = file("test.json", '[{"q": "2+2?", "a": "4"}]');
  const task = await loadTask({
    name: "dataset",
    options: { file: train, testFile: test_, questionField: "q", answerField: "a" },
  });
  assert.deepEqual(
    task.problems("train").map((p) => [p.question, p.gold]),
    [
      ["1+1?", "2"],
      ["Half of 1?", "\\frac12"],
    ],
  );
  assert.equal(task.problems("test")[0].gold, "4");
  const [, half] = task.problems("train");
  assert.equal((await task.score(half, "<think>x</think>\\boxed{0.5}", { truncated: false })).correct, true);
});

test("a bad row names the file, line and field; --skip-bad-rows leaves it out and says how many", async () => {
  const bad = file(
    "bad.jsonl",
    '{"question": "ok?", "answer": 1}\n{"question": "no answer"}\n{"question": "", "answer": 3}\n',
  );
  await assert.rejects(
    loadTask({ name: "dataset", options: { file: bad } }),
    new RegExp(`${bad}:2: field "answer" is missing`),
  );
  const notes: string[] = [];
  const task = await loadTask({ name: "dataset", options: { file: bad, skipBadRows: true } }, { notes });
  assert.equal(task.problems("train").length, 1);
  assert.match(
    notes[0],
    new RegExp(`${bad}: skipped 2 bad row\\(s\\), the first: ${bad}:2: field "answer" is missing`),
  );
  assert.throws(() => task.problems("test"), /task dataset has no test split \(it has: train\)/);
  await assert.rejects(
    loadTask({ name: "dataset", options: {} }),
    /task\.options\.file: expected a non-empty string/,
  );
  await assert.rejects(
    loadTask({ name: "dataset", options: { file: bad, questionfield: "q" } }),
    /task\.options\.questionfield: unknown option of task dataset/,
  );
});
