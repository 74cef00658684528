import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { JsonlTail, parseStepLine } from "./jsonlTail.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-tail-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

test("parseStepLine: a JSON object with an integer step, else the reason", () => {
  assert.deepEqual(parseStepLine('{"step":3,"a":1}'), { step: 3, a: 1 });
  assert.equal(parseStepLine('{"step":3,"a'), "not valid JSON");
  assert.equal(parseStepLine("[1]"), "not a JSON object");
  assert.equal(parseStepLine('{"step":1.5}'), 'no integer "step"');
});

test("JsonlTail: reads appended lines once, holds a torn last line back until its newline", () => {
  const path = join(tmp, "m.jsonl");
  writeFileSync(path, '{"step":1,"r":0.5}\n{"step":2,"r":0.6}\n{"step":3,"r"');
  const tail = new JsonlTail(path);
  const first = tail.poll();
  assert.deepEqual(
    first.records.map((r) => r.step),
    [1, 2],
  );
  assert.equal(first.reset, false);
  assert.equal(tail.pendingBytes, '{"step":3,"r"'.length);
  assert.deepEqual(tail.poll().records, []);
  appendFileSync(path, ':0.7}\n{"step":4,"r":0.8}\n');
  const second = tail.poll();
  assert.deepEqual(second.records, [
    { step: 3, r: 0.7 },
    { step: 4, r: 0.8 },
  ]);
  assert.equal(tail.pendingBytes, 0);
});

test("JsonlTail: a bad line in the middle is skipped with its line number; the rest is read", () => {
  const path = join(tmp, "bad.jsonl");
  writeFileSync(path, '{"step":1}\nnot json\n\n{"nostep":1}\n{"step":2}\n');
  const tail = new JsonlTail(path);
  assert.deepEqual(
    tail.poll().records.map((r) => r.step),
    [1, 2],
  );
  assert.deepEqual(tail.skipped, [
    { line: 2, reason: "not valid JSON" },
    { line: 4, reason: 'no integer "step"' },
  ]);
  assert.equal(tail.skippedCount, 2);
});

test("JsonlTail: a replaced or missing file resets; a small byte budget reads in several polls", () => {
  const path = join(tmp, "r.jsonl");
  const tail = new JsonlTail(path, 16);
  assert.deepEqual(tail.poll(), { records: [], reset: false, more: false });
  assert.equal(tail.exists, false);
  writeFileSync(path, '{"step":1}\n{"step":2}\n{"step":3}\n');
  // 11 bytes a line, 16 bytes a poll: one line each time.
  const steps: number[] = [];
  for (let i = 0; i < 5; i++) {
    const p = tail.poll();
    steps.push(...p.records.map((r) => r.step));
    if (!p.more) break;
  }
  assert.deepEqual(steps, [1, 2, 3]);
  // A resume rewrites the file atomically (a new inode), cut back to step 1.
  writeFileSync(`${path}.tmp`, '{"step":1}\n');
  renameSync(`${path}.tmp`, path);
  const p = tail.poll();
  assert.equal(p.reset, true);
  assert.deepEqual(p.records, [{ step: 1 }]);
  rmSync(path);
  assert.equal(tail.poll().reset, true);
  assert.equal(tail.exists, false);
});

test("JsonlTail: a line longer than the byte budget is still read whole", () => {
  const path = join(tmp, "long.jsonl");
  const long = JSON.stringify({ step: 1, text: "x".repeat(100) });
  writeFileSync(path, `${long}\n{"step":2}\n`);
  const tail = new JsonlTail(path, 8);
  const got: number[] = [];
  for (let i = 0; i < 10; i++) {
    const p = tail.poll();
    got.push(...p.records.map((r) => r.step));
    if (!p.more) break;
  }
  assert.deepEqual(got, [1, 2]);
});
