// `rlvr dashboard` as a user starts it: a process that prints its address, answers on it, and stops on
// Ctrl-C (SIGINT) with exit code 0; a bad --port is refused.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { scriptedRun } from "../../dashboard/testRuns.js";
import { PACKAGE_ROOT } from "../../run/models.js";
import { cli } from "../testSupport.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-dashboard-cli-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

test("dashboard: prints its URL on 127.0.0.1, serves the runs, stops on SIGINT", async () => {
  await scriptedRun(join(tmp, "runs", "A"), { steps: 2 });
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(PACKAGE_ROOT, "src/cli/main.ts"), "dashboard", join(tmp, "runs"), "--port", "0"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let err = "";
  child.stderr.on("data", (c) => {
    err += c;
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (c) => {
      out += c;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on("exit", (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
  assert.match(out, /1 run\(s\) under/);
  const overview = (await (await fetch(`${url}api/overview`)).json()) as { runs: { id: string }[] };
  assert.deepEqual(
    overview.runs.map((r) => r.id),
    ["A"],
  );
  const code = await new Promise<number | null>((resolve) => {
    child.on("exit", (c) => resolve(c));
    child.kill("SIGINT");
  });
  assert.equal(code, 0, err);
});

test("dashboard: a bad --port is refused by name", async () => {
  const r = await cli("dashboard", tmp, "--port", "70000");
  assert.equal(r.code, 1);
  assert.match(r.err, /--port must be an integer from 0 to 65535, got 70000/);
});
