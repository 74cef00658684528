import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { canUnshareNetwork, hasPython, runCodeTests } from "./codeExecution.js";

const JS_ADD = "function add(a, b) { return a + b; }";

describe("runCodeTests (JavaScript)", () => {
  it("rewards the share of assertion tests passed", async () => {
    const r = await runCodeTests(
      JS_ADD,
      [
        { code: "if (add(1, 2) !== 3) process.exit(1);" },
        { code: "if (add(2, 2) !== 4) process.exit(1);" },
        { code: "if (add(2, 2) !== 5) throw new Error('nope');" },
      ],
      { language: "javascript" },
    );
    assert.equal(r.passed, 2);
    assert.equal(r.total, 3);
    assert.equal(r.reward, 2 / 3);
    assert.match(r.tests[2]!.reason, /exit 1/);
  });
  it("binary mode gives 1 only when all pass", async () => {
    const r = await runCodeTests(
      JS_ADD,
      [{ code: "process.exit(add(1,1) === 2 ? 0 : 1)" }, { code: "process.exit(1)" }],
      {
        language: "javascript",
        mode: "binary",
      },
    );
    assert.equal(r.reward, 0);
  });
  it("compares stdout for stdin/stdout tests", async () => {
    const program =
      "let s='';process.stdin.on('data',d=>s+=d);process.stdin.on('end',()=>console.log(s.trim().split(' ').map(Number).reduce((a,b)=>a+b)))";
    const r = await runCodeTests(
      program,
      [
        { stdin: "1 2 3", stdout: "6\n" },
        { stdin: "1 1", stdout: "3" },
      ],
      { language: "javascript" },
    );
    assert.deepEqual(
      r.tests.map((t) => t.passed),
      [true, false],
    );
  });
  it("kills an infinite loop at the time limit", async () => {
    const r = await runCodeTests("while (true) {}", [{ code: "" }], {
      language: "javascript",
      timeLimitMs: 500,
    });
    assert.equal(r.reward, 0);
    assert.equal(r.tests[0]!.reason, "time limit exceeded");
  });
  it("forbids files outside the temp dir and child processes", async () => {
    const r = await runCodeTests(
      "",
      [
        { code: "import { readFileSync } from 'node:fs'; readFileSync('/etc/passwd');" },
        { code: "import { writeFileSync } from 'node:fs'; writeFileSync('/tmp/rlvr-escape.txt', 'x');" },
        { code: "import { execSync } from 'node:child_process'; execSync('echo hi');" },
        {
          code: "import { writeFileSync, readFileSync } from 'node:fs'; writeFileSync('own.txt', 'x'); readFileSync('own.txt');",
        },
      ],
      { language: "javascript" },
    );
    assert.deepEqual(
      r.tests.map((t) => t.passed),
      [false, false, false, true],
    );
    assert.equal(r.isolation.filesystem, "node-permission");
  });
  it("enforces the memory limit", async () => {
    const r = await runCodeTests(
      "const a = []; while (true) a.push(new Array(1e6).fill(1));",
      [{ code: "" }],
      {
        language: "javascript",
        memoryLimitMb: 64,
        timeLimitMs: 10000,
      },
    );
    assert.equal(r.reward, 0);
  });
  it("has no network when unshare is available", { skip: !canUnshareNetwork() }, async () => {
    const r = await runCodeTests(
      "",
      [{ code: "await fetch('http://1.1.1.1', { signal: AbortSignal.timeout(2000) });" }],
      { language: "javascript" },
    );
    assert.equal(r.tests[0]!.passed, false);
    assert.equal(r.isolation.network, "unshare");
  });
});

describe("runCodeTests (Python)", { skip: !hasPython() }, () => {
  it("runs assertion tests", async () => {
    const r = await runCodeTests(
      "def sq(x):\n    return x * x",
      [{ code: "assert sq(3) == 9" }, { code: "assert sq(2) == 5" }],
      {
        language: "python",
      },
    );
    assert.equal(r.reward, 0.5);
  });
  it("kills an infinite loop and has no network", async () => {
    const r = await runCodeTests(
      "import socket",
      [{ code: "while True: pass" }, { code: "socket.create_connection(('1.1.1.1', 80), timeout=2)" }],
      { language: "python", timeLimitMs: 1500 },
    );
    assert.equal(r.tests[0]!.reason, "time limit exceeded");
    if (canUnshareNetwork()) assert.equal(r.tests[1]!.passed, false);
  });
});
