/**
 * Code-execution reward: a program (JavaScript, or Python when `python3` exists) is run against
 * unit tests, each test in its own child process, with a time limit, a memory limit, no network
 * and no file system outside a fresh temporary directory. Reward = share of tests passed (ordinal)
 * or 1 only when all pass (binary).
 *
 * Isolation, and what is used for it (reported in every result, since it depends on the host):
 * - network: a new, empty network namespace via `unshare -rn` when the kernel allows unprivileged
 *   user namespaces; otherwise none ("network: none" in the report).
 * - file system (JavaScript): Node's permission model (`--experimental-permission` with reads and
 *   writes allowed only in the temporary directory; it also forbids child processes and workers).
 *   Python has no equivalent: it runs in isolated mode (`-I`) with the temporary directory as its
 *   working directory, which is reported as "filesystem: cwd-only".
 * - memory: `--max-old-space-size` for Node, `ulimit -v` (address space) for Python.
 * - time: the process group is killed at the limit.
 * Child processes are plain `node:child_process` spawns (no library offers a portable sandbox;
 * `isolated-vm` needs a native build and covers JavaScript only).
 */

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type CodeLanguage = "javascript" | "python";

export type CodeTest =
  /** Feed `stdin`, expect `stdout` (compared line by line, trailing whitespace ignored). */
  | { stdin?: string; stdout: string }
  /** Append `code` (assertions) to the program; the test passes when the process exits with 0. */
  | { code: string };

export interface CodeExecutionOptions {
  language: CodeLanguage;
  timeLimitMs?: number;
  memoryLimitMb?: number;
  /** "ordinal": share of tests passed; "binary": 1 only when all pass. */
  mode?: "ordinal" | "binary";
  /** Longest output kept per stream. */
  maxOutputBytes?: number;
}

export interface TestOutcome {
  passed: boolean;
  reason: string;
  durationMs: number;
}

export interface Isolation {
  network: "unshare" | "none";
  filesystem: "node-permission" | "cwd-only";
  memoryLimitMb: number;
  timeLimitMs: number;
}

export interface CodeExecutionResult {
  reward: number;
  passed: number;
  total: number;
  tests: TestOutcome[];
  isolation: Isolation;
  reason: string;
}

let unshareAvailable: boolean | undefined;

/** Whether `unshare -rn` works here (tested once per process). */
export function canUnshareNetwork(): boolean {
  if (unshareAvailable === undefined) {
    const probe = spawnSync("unshare", ["-rn", "true"], { stdio: "ignore", timeout: 5000 });
    unshareAvailable = probe.status === 0;
  }
  return unshareAvailable;
}

let pythonAvailable: boolean | undefined;

export function hasPython(): boolean {
  if (pythonAvailable === undefined) {
    const probe = spawnSync("python3", ["--version"], { stdio: "ignore", timeout: 5000 });
    pythonAvailable = probe.status === 0;
  }
  return pythonAvailable;
}

function command(
  language: CodeLanguage,
  file: string,
  dir: string,
  memoryLimitMb: number,
): [string, string[]] {
  if (language === "javascript") {
    return [
      process.execPath,
      [
        "--experimental-permission",
        `--allow-fs-read=${dir}`,
        `--allow-fs-write=${dir}`,
        `--max-old-space-size=${memoryLimitMb}`,
        "--no-warnings",
        file,
      ],
    ];
  }
  const kb = memoryLimitMb * 1024;
  return ["/bin/sh", ["-c", `ulimit -v ${kb}; exec python3 -I "$0"`, file]];
}

function normalizeOutput(s: string): string {
  return s
    .replace(/\r\n/g, "\n")
    .split("\n")
    .map((l) => l.trimEnd())
    .join("\n")
    .trim();
}

function runOnce(
  argv: [string, string[]],
  dir: string,
  stdin: string,
  timeLimitMs: number,
  maxOutputBytes: number,
  network: boolean,
): Promise<{
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}> {
  const [cmd, args] = network ? argv : ["unshare", ["-rn", argv[0], ...argv[1]]];
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(cmd as string, args as string[], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, TMPDIR: dir, LANG: "C.UTF-8" },
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const kill = () => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeLimitMs);
    child.stdout.on("data", (d: Buffer) => {
      if (stdout.length < maxOutputBytes) stdout += d.toString();
      else kill();
    });
    child.stderr.on("data", (d: Buffer) => {
      if (stderr.length < maxOutputBytes) stderr += d.toString();
    });
    child.stdin.on("error", () => {});
    child.stdin.end(stdin);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({
        code: null,
        signal: null,
        stdout,
        stderr: String(error),
        timedOut,
        ms: performance.now() - started,
      });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut, ms: performance.now() - started });
    });
  });
}

function lastLine(s: string): string {
  const lines = s.trim().split("\n");
  return (lines.at(-1) ?? "").slice(0, 200);
}

/** Runs `program` against `tests` and returns the reward with a per-test account. */
export async function runCodeTests(
  program: string,
  tests: CodeTest[],
  options: CodeExecutionOptions,
): Promise<CodeExecutionResult> {
  const timeLimitMs = options.timeLimitMs ?? 5000;
  const memoryLimitMb = options.memoryLimitMb ?? 256;
  const network = canUnshareNetwork() ? "unshare" : "none";
  const isolation: Isolation = {
    network,
    filesystem: options.language === "javascript" ? "node-permission" : "cwd-only",
    memoryLimitMb,
    timeLimitMs,
  };
  if (tests.length === 0) return { reward: 0, passed: 0, total: 0, tests: [], isolation, reason: "no tests" };
  if (options.language === "python" && !hasPython()) {
    return {
      reward: 0,
      passed: 0,
      total: tests.length,
      tests: [],
      isolation,
      reason: "python3 is not available",
    };
  }
  const outcomes: TestOutcome[] = [];
  for (const test of tests) {
    const dir = mkdtempSync(join(tmpdir(), "rlvr-code-"));
    try {
      const file = join(dir, options.language === "javascript" ? "main.mjs" : "main.py");
      const source = "code" in test ? `${program}\n\n${test.code}\n` : program;
      writeFileSync(file, source);
      const argv = command(options.language, file, dir, memoryLimitMb);
      const stdin = "code" in test ? "" : (test.stdin ?? "");
      const run = await runOnce(
        argv,
        dir,
        stdin,
        timeLimitMs,
        options.maxOutputBytes ?? 1 << 20,
        network === "none",
      );
      let outcome: TestOutcome;
      if (run.timedOut) outcome = { passed: false, reason: "time limit exceeded", durationMs: run.ms };
      else if (run.code !== 0) {
        outcome = {
          passed: false,
          reason: `exit ${run.code ?? run.signal}: ${lastLine(run.stderr)}`,
          durationMs: run.ms,
        };
      } else if ("code" in test) outcome = { passed: true, reason: "assertions passed", durationMs: run.ms };
      else {
        const same = normalizeOutput(run.stdout) === normalizeOutput(test.stdout);
        outcome = { passed: same, reason: same ? "output matches" : "wrong output", durationMs: run.ms };
      }
      outcomes.push(outcome);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const passed = outcomes.filter((o) => o.passed).length;
  const total = tests.length;
  const reward = (options.mode ?? "ordinal") === "binary" ? (passed === total ? 1 : 0) : passed / total;
  return { reward, passed, total, tests: outcomes, isolation, reason: `${passed}/${total} tests passed` };
}
