import assert from "node:assert/strict";
import { test } from "node:test";
import { type BenchSection, findTorchPython, lastJsonObject, runSection } from "./sections.js";

const nodeSection = (name: string, script: string, required = true): BenchSection => ({
  name,
  title: name,
  required,
  resolve: () => ({ command: process.execPath, args: ["-e", script] }),
  timeoutMs: 30_000,
});

test("the last stdout line's JSON object is the section's figures", () => {
  assert.deepEqual(lastJsonObject('warming up\n{"a": 1}\n\n'), { a: 1 });
  assert.equal(lastJsonObject('{"a": 1}\ndone\n'), null);
  assert.equal(lastJsonObject("[1, 2]"), null);
  assert.equal(lastJsonObject(""), null);
});

test("a section runs in a child process and its figures come back", async () => {
  const ok = await runSection(
    nodeSection("ok", 'console.log("progress"); console.log(JSON.stringify({ x: process.pid }))'),
  );
  assert.equal(ok.status, "ok");
  assert.ok(ok.status === "ok" && typeof ok.figures.x === "number" && ok.figures.x !== process.pid);
});

test("failures say what happened; a missing optional section is skipped, a required one fails", async () => {
  const crash = await runSection(nodeSection("crash", 'console.error("boom: no model"); process.exit(3)'));
  if (crash.status !== "failed") assert.fail(`expected a failure, got ${crash.status}`);
  assert.match(crash.reason, /exited with code 3/);
  assert.match(crash.reason, /boom: no model/);
  const noJson = await runSection(nodeSection("nojson", 'console.log("fast!")'));
  assert.ok(noJson.status === "failed" && /no JSON object/.test(noJson.reason));
  const skip = (required: boolean): BenchSection => ({
    ...nodeSection("s", "", required),
    resolve: () => ({ skip: "not here" }),
  });
  assert.deepEqual(await runSection(skip(false)), { name: "s", status: "skipped", reason: "not here" });
  assert.deepEqual(await runSection(skip(true)), { name: "s", status: "failed", reason: "not here" });
  const missing = await runSection({
    ...nodeSection("m", ""),
    resolve: () => ({ command: "/no/such/binary", args: [] }),
  });
  assert.ok(missing.status === "failed" && /cannot start \/no\/such\/binary/.test(missing.reason));
});

test("findTorchPython returns null when no candidate can import torch", () => {
  assert.equal(findTorchPython([undefined, "/no/such/python"]), null);
});
