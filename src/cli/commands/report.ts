// `rlvr report RUN_DIR [--out FILE.html] [--png DIR]`: one self-contained HTML file of a run (or of a
// folder of runs, such as a compare script's --out) that opens offline, and PNG plots for papers and
// READMEs. The work is dashboard/report.ts's.
import type { Command } from "commander";
import { join, resolve } from "node:path";
import { DEFAULT_PNG_SIZE } from "../../dashboard/pngExport.js";
import { writeReport } from "../../dashboard/report.js";
import { writeOut } from "../output.js";

interface ReportFlags {
  out?: string;
  png?: string;
  pngWidth: string;
  pngHeight: string;
  pngScale: string;
  title?: string;
}

function positiveInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`report: ${flag} must be a positive integer, got ${v}`);
  return n;
}

export function registerReport(program: Command): void {
  program
    .command("report")
    .description(
      "write a self-contained HTML report of a run or a folder of runs (curves, tables, samples), and PNG plots with --png",
    )
    .argument("<RUN_DIR>", "a run directory or a folder of runs")
    .option("--out <file>", "the HTML file (default RUN_DIR/report.html)")
    .option("--png <dir>", "also write one PNG per curve into DIR (needs Chromium: apt-get install chromium)")
    .option("--png-width <px>", "PNG width in CSS pixels", String(DEFAULT_PNG_SIZE.width))
    .option("--png-height <px>", "PNG height in CSS pixels", String(DEFAULT_PNG_SIZE.height))
    .option("--png-scale <n>", "device pixels per CSS pixel", String(DEFAULT_PNG_SIZE.scale))
    .option("--title <text>", "the report's title")
    .action(async (dir: string, flags: ReportFlags, command: Command) => {
      const out = resolve(flags.out ?? join(dir, "report.html"));
      const pngSize = {
        width: positiveInt(flags.pngWidth, "--png-width"),
        height: positiveInt(flags.pngHeight, "--png-height"),
        scale: positiveInt(flags.pngScale, "--png-scale"),
      };
      const r = await writeReport(dir, {
        out,
        png: flags.png && resolve(flags.png),
        pngSize,
        title: flags.title,
      });
      const notes = r.data.runs.reduce((n, run) => n + run.info.notes.length, 0);
      writeOut(
        command,
        `${JSON.stringify({ html: r.html, pngs: r.pngs, runs: r.data.runs.map((x) => x.info.id), notes })}\n`,
      );
    });
}
