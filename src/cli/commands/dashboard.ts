// `rlvr dashboard [RUNS_DIR] [--port 6006]`: a local page (127.0.0.1 only) that follows the runs under a
// folder live: curves, a sample browser, the evaluation and compare tables. The work is dashboard/server.ts's.
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { startDashboard } from "../../dashboard/server.js";
import { closeOnStopSignal, parsePort } from "../longRunning.js";
import { writeErr, writeOut } from "../output.js";

interface DashboardFlags {
  port: string;
  pollMs: string;
}

export function registerDashboard(program: Command): void {
  program
    .command("dashboard")
    .description(
      "serve a live page of the runs under RUNS_DIR (default runs/) on 127.0.0.1: curves, samples, tables; it only reads the runs",
    )
    .argument("[RUNS_DIR]", "a run directory or a folder of runs", "runs")
    .option("--port <n>", "port on 127.0.0.1 (0 = any free port)", "6006")
    .option("--poll-ms <ms>", "how often the run files are checked for new lines", "500")
    .action(async (dir: string, flags: DashboardFlags, command: Command) => {
      const root = resolve(dir);
      const port = parsePort("dashboard", flags.port);
      const pollMs = Number(flags.pollMs);
      if (!(pollMs >= 50)) throw new Error(`dashboard: --poll-ms must be at least 50, got ${flags.pollMs}`);
      if (!existsSync(root))
        writeErr(command, `rlvr dashboard: ${root} does not exist yet; waiting for runs there\n`);
      const server = await startDashboard({ root, port, pollMs });
      writeOut(
        command,
        `rlvr dashboard: ${server.url} (${server.state.runs.size} run(s) under ${root}; Ctrl-C to stop)\n`,
      );
      await closeOnStopSignal(() => server.close());
    });
}
