import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { SampleIndex, stepOfLine } from "./sampleIndex.js";
import { scriptedRun } from "./testRuns.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-sampleindex-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
let run: string;
before(async () => {
  run = await scriptedRun(join(tmp, "mgrpo"), { steps: 3 });
});

test("stepOfLine: read off the line's start, else parsed; null for a line without a step", () => {
  const b = Buffer.from('{"step":42,"a":1}\n{"a":1,"step":7}\nnope\n{"step":3}\n');
  const lines = b.toString().split("\n");
  let at = 0;
  const got = lines.slice(0, 4).map((l) => {
    const s = stepOfLine(b, at, at + Buffer.byteLength(l));
    at += Buffer.byteLength(l) + 1;
    return s;
  });
  assert.deepEqual(got, [42, 7, null, 3]);
});

test("SampleIndex: steps with their record counts; a step's page read from its byte range only", async () => {
  const index = new SampleIndex(join(run, "samples.jsonl"));
  await index.update();
  const lines = readFileSync(join(run, "samples.jsonl"), "utf8").trim().split("\n");
  const perStep = [1, 2, 3].map((s) => lines.filter((l) => JSON.parse(l).step === s).length);
  assert.deepEqual(index.steps(), [
    [1, perStep[0]],
    [2, perStep[1]],
    [3, perStep[2]],
  ]);
  const page = await index.readStep(2, 3, 4);
  assert.equal(page?.total, perStep[1]);
  const want = lines.filter((l) => JSON.parse(l).step === 2).slice(3, 7);
  assert.deepEqual(
    page?.records,
    want.map((l) => JSON.parse(l)),
  );
  assert.equal(await index.readStep(99, 0, 10), undefined);
});

test("SampleIndex: follows appends, holds back a torn line, re-indexes a replaced file", async () => {
  const path = join(tmp, "s.jsonl");
  writeFileSync(
    path,
    '{"step":1,"question":"a"}\n{"step":1,"question":"b"}\n{"step":2,"question":"c"}\n{"st',
  );
  const index = new SampleIndex(path, 16); // 16-byte chunks: lines span chunk borders
  assert.deepEqual(await index.update(), { changed: true, reset: false, more: false });
  assert.deepEqual(index.steps(), [
    [1, 2],
    [2, 1],
  ]);
  appendFileSync(path, 'ep":2,"question":"d"}\nnot json\n{"step":3,"question":"e"}\n');
  await index.update();
  assert.deepEqual(index.steps(), [
    [1, 2],
    [2, 2],
    [3, 1],
  ]);
  assert.equal(index.skippedLines, 1);
  writeFileSync(`${path}.new`, '{"step":1,"question":"a"}\n');
  renameSync(`${path}.new`, path);
  assert.equal((await index.update()).reset, true);
  assert.deepEqual(index.steps(), [[1, 1]]);
});

test("SampleIndex.search: text and outcome, paged by a byte cursor, with each match's index in its step", async () => {
  const path = join(tmp, "search.jsonl");
  const recs = [];
  for (let step = 1; step <= 50; step++)
    for (let i = 0; i < 4; i++)
      recs.push({
        step,
        layer: 2,
        completion: i === 3 ? `Needle ${step}` : 'hay "quoted" \\boxed{1}',
        outcome: i % 2 === 0 ? "successful-correction" : "failed-confirmation",
        correct: i % 2 === 0,
      });
  writeFileSync(path, recs.map((r) => `${JSON.stringify(r)}\n`).join(""));
  const index = new SampleIndex(path, 256);
  await index.update();
  const first = await index.search("needle", "", 0, 10);
  assert.deepEqual(
    first.matches.map((m) => [m.step, m.index]),
    Array.from({ length: 10 }, (_, k) => [k + 1, 3]),
  );
  assert.ok(first.next !== null);
  const rest = await index.search("needle", "", first.next ?? 0, 100);
  assert.equal(rest.matches.length, 40);
  assert.equal(rest.next, null);
  // JSON escapes in the file do not hide a match: the query is the decoded text
  const quoted = await index.search('"quoted" \\boxed', "i2c", 0, 1000);
  assert.equal(quoted.matches.length, 100);
  assert.ok(quoted.matches.every((m) => m.index === 0 || m.index === 2));
  // a small budget stops early and says where to go on
  const partial = await index.search("", "c2i", 0, 1000, 512);
  assert.ok(partial.next !== null && partial.matches.length < 100);
});
