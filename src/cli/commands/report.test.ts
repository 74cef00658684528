// `rlvr report` through the CLI: the HTML file it writes and the JSON line it prints; bad flags.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { scriptedRun } from "../../dashboard/testRuns.js";
import { cli } from "../testSupport.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-report-cli-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

test("report: writes RUN_DIR/report.html by default, or --out; prints what it wrote as JSON", async () => {
  const run = await scriptedRun(join(tmp, "M"), { steps: 2 });
  const r = await cli("report", run);
  assert.equal(r.code, 0, r.err);
  const printed = JSON.parse(r.out);
  assert.equal(printed.html, join(run, "report.html"));
  assert.deepEqual(printed.runs, ["M"]);
  assert.ok(existsSync(join(run, "report.html")));
  const out = join(tmp, "elsewhere.html");
  assert.equal((await cli("report", run, "--out", out, "--title", "My run")).code, 0);
  assert.ok(existsSync(out));
  const bad = await cli("report", run, "--png", join(tmp, "p"), "--png-width", "0");
  assert.equal(bad.code, 1);
  assert.match(bad.err, /--png-width must be a positive integer, got 0/);
  const none = await cli("report", join(tmp, "missing"));
  assert.equal(none.code, 1);
  assert.match(none.err, /no run directory/);
});
