import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { loadDataset, loadJsonDataset, loadParquetDataset, readRow } from "./datasets.js";

const dir = mkdtempSync(join(tmpdir(), "datasets-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";

test("gsm8k: gold after the last ####, commas removed; errors name file, line and field", () => {
  const file = write(
    "gsm8k.jsonl",
    jsonl([
      { question: "Q1?", answer: "16 - 3 = <<16-3=13>>13\n#### 13" },
      { question: "Q2?", answer: "so\n#### 1,234" },
    ]),
  );
  const ps = loadJsonDataset(file, "gsm8k");
  assert.deepEqual(
    ps.map((p) => [p.id, p.question, p.gold]),
    [
      ["gsm8k:0", "Q1?", "13"],
      ["gsm8k:1", "Q2?", "1234"],
    ],
  );
  assert.equal(ps[1].meta!.source, `${file}:2`);
  const bad = write(
    "bad.jsonl",
    jsonl([
      { question: "ok", answer: "#### 1" },
      { question: "Q", answer: "no marker" },
    ]),
  );
  assert.throws(() => loadJsonDataset(bad, "gsm8k"), new RegExp(`${bad}:2: field "answer" has no "#### N"`));
  const missing = write(
    "missing.jsonl",
    `${JSON.stringify({ question: "ok", answer: "#### 1" })}\n\n{"answer": "#### 2"}\n`,
  );
  assert.throws(() => loadJsonDataset(missing, "gsm8k"), /missing\.jsonl:3: field "question" is missing/);
  const skipped: string[] = [];
  assert.equal(loadJsonDataset(missing, "gsm8k", { onInvalid: "skip", skipped }).length, 1);
  assert.deepEqual(skipped, [`${missing}:3: field "question" is missing`]);
  const broken = write("broken.jsonl", '{"question": "a", "answer": "#### 1"}\n{oops\n');
  assert.throws(() => loadJsonDataset(broken, "gsm8k"), /broken\.jsonl:2: invalid JSON/);
});

test("answer-style sets: math500, aime (string), amc (number)", () => {
  const m = write("m.jsonl", jsonl([{ problem: "P", answer: "\\frac{1}{2}", unique_id: "x" }]));
  assert.equal(loadJsonDataset(m, "math500")[0].gold, "\\frac{1}{2}");
  const amc = write(
    "amc.jsonl",
    jsonl([
      { problem: "P", answer: 27.0 },
      { problem: "Q", answer: 2.5 },
    ]),
  );
  assert.deepEqual(
    loadJsonDataset(amc, "amc").map((p) => p.gold),
    ["27", "2.5"],
  );
  const aime = write("aime.jsonl", jsonl([{ question: "only question", answer: "204" }]));
  assert.equal(loadJsonDataset(aime, "aime")[0].question, "only question");
  const noAns = write("na.jsonl", jsonl([{ problem: "P" }]));
  assert.throws(() => loadJsonDataset(noAns, "math500"), /na\.jsonl:1: field "answer" is missing/);
  assert.equal(loadJsonDataset(amc, "amc", { limit: 1 }).length, 1);
  assert.throws(() => loadJsonDataset(amc, "nope" as "amc"), /unknown dataset format "nope"/);
});

test("minerva: the last boxed answer of the solution", () => {
  const f = write(
    "minerva.jsonl",
    jsonl([{ problem: "P", solution: "a \\boxed{1} then \\boxed{\\frac{3}{4}} done" }]),
  );
  assert.equal(loadJsonDataset(f, "minerva")[0].gold, "\\frac{3}{4}");
  const bad = write("minerva-bad.jsonl", jsonl([{ problem: "P", solution: "no box" }]));
  assert.throws(
    () => loadJsonDataset(bad, "minerva"),
    /minerva-bad\.jsonl:1: field "solution" has no final \\boxed\{\}/,
  );
});

test("olympiadbench: a JSON array, final_answer list joined", () => {
  const f = write(
    "ob.json",
    JSON.stringify([
      { question: "Q", final_answer: ["$2$"] },
      { question: "Q2", final_answer: ["$x=1$", "$x=2$"] },
      { question: "Q3", final_answer: [] },
    ]),
  );
  assert.throws(
    () => loadJsonDataset(f, "olympiadbench"),
    /ob\.json\[2\]: field "final_answer" must be a non-empty list/,
  );
  const ps = loadJsonDataset(f, "olympiadbench", { limit: 2 });
  assert.deepEqual(
    ps.map((p) => p.gold),
    ["2", "x=1, x=2"],
  );
  assert.throws(() => loadJsonDataset(write("obj.json", "{}"), "olympiadbench"), /expected a JSON array/);
});

test("one-shot-rlvr rows: last user message, reward_model.ground_truth", () => {
  const row = {
    prompt: [
      { role: "system", content: "S" },
      { role: "user", content: "U" },
    ],
    reward_model: { ground_truth: "12.8", style: "rule" },
  };
  assert.deepEqual(readRow("one-shot-rlvr", row), { question: "U", gold: "12.8" });
  assert.throws(
    () => readRow("one-shot-rlvr", { ...row, reward_model: {} }),
    /field "reward_model\.ground_truth" is missing/,
  );
  assert.throws(() => readRow("one-shot-rlvr", { ...row, prompt: [] }), /field "prompt"/);
});

test("parquet via hyparquet (the π1 fixture)", async () => {
  const file = join(import.meta.dirname, "../../test-data/one_shot_rlvr/pi1_r128.parquet");
  const ps = await loadParquetDataset(file);
  assert.equal(ps.length, 128);
  assert.equal(ps[0].gold, "12.8");
  assert.match(ps[0].question, /pressure/);
  assert.equal(
    (await loadDataset(file, "one-shot-rlvr", { limit: 3, name: "pi1" })).map((p) => p.id).join(),
    "pi1:0,pi1:1,pi1:2",
  );
  await assert.rejects(
    loadParquetDataset(write("x.parquet", "not parquet")),
    /x\.parquet: cannot read parquet/,
  );
  await assert.rejects(loadDataset(write("x.csv", ""), "gsm8k"), /unsupported dataset file/);
});
