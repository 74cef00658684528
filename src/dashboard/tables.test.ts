import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { evalTables, numericFields, readCompareTable, twoTurnOf, writeCompareTable } from "./tables.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-tables-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

test("twoTurnOf: the compare script's {settings, metrics} and a plain result; null without Acc@t1/t2", () => {
  const m = { n: 500, acc_t1: 0.7, acc_t2: 0.72, delta: 0.02, delta_i2c: 0.03, delta_c2i: 0.01 };
  assert.deepEqual(twoTurnOf({ settings: "{}", metrics: m }), m);
  assert.deepEqual(twoTurnOf({ acc_t1: 0.5, acc_t2: 0.5 }), {
    n: null,
    acc_t1: 0.5,
    acc_t2: 0.5,
    delta: null,
    delta_i2c: null,
    delta_c2i: null,
  });
  assert.equal(twoTurnOf({ accuracy: 0.5 }), null);
  assert.equal(twoTurnOf("x"), null);
});

test("evalTables: two-turn rows and the other evaluations' numbers", () => {
  const t = evalTables([
    {
      id: "runs/M",
      evals: new Map<string, unknown>([
        ["compare-mgrpo", { metrics: { acc_t1: 0.7, acc_t2: 0.75 } }],
        ["compare-baselines", { estimator: "grpo", greedy: 0.8, passAtK: { "pass@1": 0.6 } }],
        ["empty", { note: "nothing numeric" }],
      ]),
    },
  ]);
  assert.equal(t.twoTurn.length, 1);
  assert.equal(t.twoTurn[0].run, "runs/M");
  assert.deepEqual(t.other, [
    {
      run: "runs/M",
      eval: "compare-baselines",
      values: [
        ["greedy", 0.8],
        ["passAtK.pass@1", 0.6],
      ],
    },
  ]);
  assert.deepEqual(numericFields(null), []);
});

test("compare-table.json: written and read back; a malformed one is refused with its path", () => {
  const path = join(tmp, "compare-table.json");
  const table = { title: "T", header: ["a", "b"], rows: [["1", "2"]] };
  writeCompareTable(path, table);
  assert.deepEqual(readCompareTable(path), { path, ...table });
  writeFileSync(path, '{"title":1}');
  assert.throws(() => readCompareTable(path), /compare-table\.json: expected/);
});
