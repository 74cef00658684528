import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Command } from "commander";
import { registerVerify } from "./verify.js";

async function run(args: string[]): Promise<{ out: string; err: string }> {
  let out = "";
  let err = "";
  const program = new Command();
  program.exitOverride().configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  registerVerify(program);
  // A generous budget unless a test sets one: a cold start of the algebra worker counts against it,
  // and a busy test machine can take seconds for that.
  const budget = args.includes("--timeout-ms") ? [] : ["--timeout-ms", "60000"];
  await program.parseAsync(["verify", ...args, ...budget], { from: "user" });
  return { out, err };
}

describe("rlvr verify", () => {
  it("prints one JSON object for --gold/--pred --json", async () => {
    const { out } = await run(["--gold", "\\frac{1}{2}", "--pred", "0.5", "--json"]);
    const parsed = JSON.parse(out);
    assert.equal(parsed.equivalent, true);
    assert.equal(typeof parsed.reason, "string");
    assert.equal(parsed.extracted, "0.5");
  });
  it("rejects a near-miss", async () => {
    const { out } = await run(["--gold", "0.28", "--pred", "28", "--json"]);
    assert.equal(JSON.parse(out).equivalent, false);
  });
  it("extracts from a whole solution with --kind solution", async () => {
    const { out } = await run([
      "--gold",
      "7",
      "--pred",
      "<think>maybe 6</think> so \\boxed{7}.",
      "--kind",
      "solution",
      "--json",
    ]);
    const parsed = JSON.parse(out);
    assert.equal(parsed.equivalent, true);
    assert.equal(parsed.extracted, "7");
  });
  it("answers each JSONL line in order, including bad lines", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rlvr-verify-"));
    const file = join(dir, "pairs.jsonl");
    writeFileSync(
      file,
      [
        JSON.stringify({ gold: "2", pred: "2.0" }),
        "not json",
        JSON.stringify({ gold: "(0,9)", pred: "[0,9)" }),
        JSON.stringify({ gold: "x^2-1", pred: "(x-1)(x+1)" }),
        JSON.stringify({ gold: 3, pred: "3" }),
      ].join("\n"),
    );
    const { out } = await run(["--jsonl", file]);
    const lines = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => l.equivalent),
      [true, false, false, true, false],
    );
    assert.match(lines[1].reason, /pairs\.jsonl:2: invalid JSON/);
    assert.match(lines[4].reason, /must be strings/);
  });
  it("--timeout-ms bounds the whole call, the start of the algebra worker included", async () => {
    const started = performance.now();
    const { out } = await run(["--gold", "1", "--pred", "\\pi^{100000!}", "--timeout-ms", "200", "--json"]);
    const elapsed = performance.now() - started;
    assert.equal(JSON.parse(out).reason, "timeout");
    assert.ok(elapsed < 200 + 800, `took ${elapsed} ms`); // 200 ms, then closing the worker
  });
  it("prints a human-readable line without --json", async () => {
    const { out } = await run(["--gold", "3", "--pred", "x = 3"]);
    assert.match(out, /^equivalent: /);
  });
});
