// The benchmark's sections: each is a child process (so that its peak RSS is its own) that prints
// one JSON object of figures on its last line of stdout. To add a section, add an entry to
// `SECTIONS`; `npm run bench` runs them in order, one at a time, and reports each under its name.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { openblasEnv } from "./openblas.js";

export const REPO_ROOT = new URL("..", import.meta.url).pathname;

export interface ChildCommand {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

export interface BenchSection {
  /** Key of its figures in `--json` output. */
  name: string;
  /** Shown in progress lines and tables. */
  title: string;
  /** A failed required section fails the bench (exit code 1); optional ones are skipped. */
  required: boolean;
  /** The child process, or why it cannot run on this machine. */
  resolve(): ChildCommand | { skip: string };
  timeoutMs: number;
}

export type Figures = Record<string, unknown>;

export type SectionOutcome =
  | { name: string; status: "ok"; figures: Figures }
  | { name: string; status: "skipped" | "failed"; reason: string };

/** A TypeScript bench script run with this Node and tsx, or a skip when it is not written yet. */
function tsxScript(relPath: string, args: string[]): () => ChildCommand | { skip: string } {
  return () => {
    if (!existsSync(join(REPO_ROOT, relPath))) return { skip: `${relPath} does not exist yet` };
    return { command: process.execPath, args: ["--import", "tsx", relPath, ...args] };
  };
}

/** First interpreter that can `import torch`: $RLVR_PYTHON, Debian's /usr/bin/python3, python3 on PATH. */
export function findTorchPython(
  candidates = [process.env.RLVR_PYTHON, "/usr/bin/python3", "python3"],
): string | null {
  for (const python of candidates) {
    if (!python) continue;
    const probe = spawnSync(python, ["-c", "import torch"], { stdio: "ignore", timeout: 60_000 });
    if (probe.status === 0) return python;
  }
  return null;
}

export const SECTIONS: BenchSection[] = [
  {
    name: "local",
    title: "rlvr local engine",
    required: true,
    resolve: tsxScript("bench/localEngine.ts", ["--json"]),
    timeoutMs: 15 * 60_000,
  },
  {
    name: "pytorch",
    title: "PyTorch",
    required: false,
    resolve: () => {
      const python = findTorchPython();
      if (!python) return { skip: "no python with torch found (install it with scripts/install-pytorch.sh)" };
      // One OpenBLAS thread: with more, torch's and OpenBLAS's threads oversubscribe the cores.
      return {
        command: python,
        args: ["bench/pytorch_reference.py"],
        env: { OPENBLAS_NUM_THREADS: process.env.OPENBLAS_NUM_THREADS ?? "1", ...openblasEnv() },
      };
    },
    timeoutMs: 15 * 60_000,
  },
  {
    name: "scale",
    title: "Qwen2.5-0.5B shape beside PyTorch (bench/qwenScale.ts)",
    required: false,
    resolve: () => {
      // 2 to 3 GB of weights per process and several minutes per measurement: opt-in
      if (process.env.RLVR_BENCH_SCALE !== "1")
        return {
          skip: "opt-in: npm run bench -- --scale (or RLVR_BENCH_SCALE=1); tens of minutes on 2 cores",
        };
      const script = tsxScript("bench/qwenScale.ts", ["--json"])();
      return "skip" in script
        ? script
        : {
            ...script,
            args: [...script.args, ...(process.env.RLVR_BENCH_SCALE_ARGS ?? "").split(" ").filter(Boolean)],
          };
    },
    timeoutMs: 120 * 60_000,
  },
  {
    name: "packing",
    title: "shared-prefix packing (MGRPO layer-2 batch)",
    required: false,
    resolve: tsxScript("bench/prefixPacking.ts", ["--json"]),
    timeoutMs: 10 * 60_000,
  },
  {
    name: "serve",
    title: "rlvr serve and --engine tinker vs in process",
    required: false,
    resolve: tsxScript("bench/tinkerServe.ts", ["--json"]),
    timeoutMs: 15 * 60_000,
  },
  {
    name: "verifier",
    title: "math verifier",
    required: false,
    resolve: tsxScript("bench/verifierThroughput.ts", ["--json"]),
    timeoutMs: 5 * 60_000,
  },
];

/** The JSON object on the last non-empty line of a child's stdout, or null. */
export function lastJsonObject(stdout: string): Figures | null {
  const lines = stdout.split("\n").filter((l) => l.trim() !== "");
  const last = lines.at(-1);
  if (last === undefined) return null;
  try {
    const value: unknown = JSON.parse(last);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Figures) : null;
  } catch {
    return null;
  }
}

const tail = (text: string, lines: number) => text.trim().split("\n").slice(-lines).join("\n");

/** Runs one section's child process and collects its figures. */
export async function runSection(section: BenchSection): Promise<SectionOutcome> {
  const resolved = section.resolve();
  if ("skip" in resolved) {
    return { name: section.name, status: section.required ? "failed" : "skipped", reason: resolved.skip };
  }
  const { command, args, env } = resolved;
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), section.timeoutMs);
    const fail = (reason: string) => resolvePromise({ name: section.name, status: "failed", reason });
    child.on("error", (err) => {
      clearTimeout(timer);
      fail(`cannot start ${command}: ${err.message}`);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const cmdline = [command, ...args].join(" ");
      if (code !== 0) {
        const why = signal ? `killed by ${signal}` : `exited with code ${code}`;
        const detail = tail(stderr || stdout, 5);
        return fail(`${cmdline} ${why}${detail ? `:\n${detail}` : ""}`);
      }
      const figures = lastJsonObject(stdout);
      if (!figures) return fail(`${cmdline} printed no JSON object on its last line:\n${tail(stdout, 3)}`);
      resolvePromise({ name: section.name, status: "ok", figures });
    });
  });
}
