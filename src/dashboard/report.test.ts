// rlvr report without a browser: the HTML file of a run and of a compare folder (its table and runs).
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { writeCompareReport, writeReport } from "./report.js";
import { scriptedRun } from "./testRuns.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-report-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
let run: string;
before(async () => {
  run = await scriptedRun(join(tmp, "cmp", "seed-0", "mgrpo"), { steps: 3 });
  await scriptedRun(join(tmp, "cmp", "seed-0", "grpo"), { algo: "grpo", steps: 3 });
});

const dataOf = (html: string) =>
  JSON.parse(/<script type="application\/json" id="rlvr-data">(.*?)<\/script>/s.exec(html)?.[1] ?? "null");

test("writeReport: a run's curves (every step), its last step's samples, in one HTML file", async () => {
  const out = join(tmp, "one.html");
  const r = await writeReport(run, { out });
  assert.equal(r.html, out);
  assert.deepEqual(r.pngs, []);
  const data = dataOf(readFileSync(out, "utf8"));
  assert.equal(data.runs.length, 1);
  assert.deepEqual(data.runs[0].series["rollout/reward_mean"].x, [1, 2, 3]);
  assert.ok(data.runs[0].series["layer2/kept_groups"], "the other metrics too");
  assert.equal(data.samples[0].page.step, 3);
  assert.ok(data.samples[0].page.prompts[0].completions.length > 0);
  await assert.rejects(writeReport(join(tmp, "nothing"), { out: join(tmp, "x.html") }), /no run directory/);
});

test("writeCompareReport: compare-table.json and report.html with the table and every run", async () => {
  const table = { title: "arith; 3 steps", header: ["Method", "Acc@t2"], rows: [["MGRPO", "75.6"]] };
  const written = await writeCompareReport(join(tmp, "cmp"), table, { png: false });
  assert.deepEqual(written.slice(0, 2), [
    join(tmp, "cmp", "compare-table.json"),
    join(tmp, "cmp", "report.html"),
  ]);
  const data = dataOf(readFileSync(join(tmp, "cmp", "report.html"), "utf8"));
  assert.deepEqual(
    data.runs.map((x: { info: { id: string } }) => x.info.id),
    ["seed-0/grpo", "seed-0/mgrpo"],
  );
  assert.deepEqual(data.tables.compare[0].rows, [["MGRPO", "75.6"]]);
  assert.equal(data.title, "arith");
  assert.equal(existsSync(join(tmp, "cmp", "plots")), false);
});
