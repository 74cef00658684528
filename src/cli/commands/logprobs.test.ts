import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { registerLogprobs } from "./logprobs.js";

const FIXTURE = fileURLToPath(new URL("../../../test-data/tiny-qwen2/", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "rlvr-logprobs-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function run(args: string[]): Promise<string> {
  let out = "";
  const program = new Command().exitOverride().configureOutput({
    writeOut: (t) => {
      out += t;
    },
    writeErr: () => {},
  });
  registerLogprobs(program);
  await program.parseAsync(["node", "rlvr", "logprobs", ...args]);
  return out;
}

test("rlvr logprobs prints the golden next-token logprobs of input_ids", async () => {
  const golden = JSON.parse(readFileSync(join(FIXTURE, "golden.json"), "utf8")) as {
    input_ids: number[][];
    target_logprobs: number[][];
  };
  const input = join(tmp, "in.json");
  writeFileSync(input, JSON.stringify({ input_ids: [golden.input_ids[0], golden.input_ids[2].slice(0, 5)] }));
  const printed = JSON.parse(await run(["--model", FIXTURE, "--input", input, "--threads", "1"])) as {
    logprobs: number[][];
  };
  assert.equal(printed.logprobs.length, 2);
  assert.equal(printed.logprobs[0].length, 15);
  assert.equal(printed.logprobs[1].length, 4);
  const expected = [golden.target_logprobs[0], golden.target_logprobs[2].slice(0, 4)];
  printed.logprobs.flat().forEach((x, i) => {
    assert.ok(Math.abs(x - expected.flat()[i]) < 1e-4, `logprob ${i}: ${x} vs ${expected.flat()[i]}`);
  });
});

test("rlvr logprobs names the file and the sequence at fault", async () => {
  const bad = join(tmp, "bad.json");
  writeFileSync(bad, JSON.stringify({ input_ids: [[1, 2], [3]] }));
  await assert.rejects(run(["--model", FIXTURE, "--input", bad]), /bad\.json: input_ids\[1\] has 1 tokens/);
  writeFileSync(bad, JSON.stringify({ ids: [] }));
  await assert.rejects(run(["--model", FIXTURE, "--input", bad]), /field "input_ids" must be an array/);
});
