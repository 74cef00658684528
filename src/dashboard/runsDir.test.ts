import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { findRuns, isRunDir } from "./runsDir.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-runsdir-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

test("findRuns: runs at any depth (a compare folder's seed-N/method), not models or checkpoints; compare tables", () => {
  const mk = (rel: string, files: Record<string, string>) => {
    mkdirSync(join(tmp, rel), { recursive: true });
    for (const [f, text] of Object.entries(files)) writeFileSync(join(tmp, rel, f), text);
  };
  mk("A", { "metrics.jsonl": "", "config.json": '{"algo":"grpo"}' });
  mk("A/checkpoints/step-1", { "config.json": '{"algo":"grpo"}' });
  mk("cmp/seed-0/mgrpo", { "config.json": '{"algo":"mgrpo"}' });
  mk("cmp", { "compare-table.json": "{}" });
  mk("my-model", { "config.json": '{"model_type":"qwen2"}' });
  const found = findRuns(tmp);
  assert.deepEqual(
    found.runs.map((r) => r.id),
    ["A", "cmp/seed-0/mgrpo"],
  );
  assert.deepEqual(found.tables, [join(tmp, "cmp", "compare-table.json")]);
  assert.equal(isRunDir(join(tmp, "my-model")), false);
  // a run directory given itself is one run, named by its folder
  assert.deepEqual(findRuns(join(tmp, "A")).runs, [{ id: "A", dir: join(tmp, "A") }]);
  assert.deepEqual(findRuns(join(tmp, "missing")).runs, []);
});
