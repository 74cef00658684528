// What `npm run bench` reports: the machine, and the `--json` object built from the sections' outcomes.
import { arch, cpus, platform, totalmem } from "node:os";
import type { SectionOutcome } from "./sections.js";

export interface Machine {
  cores: number;
  cpuModel: string;
  node: string;
  platform: string;
  totalMemoryMb: number;
}

export function describeMachine(): Machine {
  const list = cpus();
  return {
    cores: list.length,
    cpuModel: list[0]?.model.trim() ?? "unknown",
    node: process.version,
    platform: `${platform()} ${arch()}`,
    totalMemoryMb: Math.round(totalmem() / 2 ** 20),
  };
}

/** Thread count a section reports, as `threads` or `machine.threads`. */
export function threadsOf(figures: Record<string, unknown> | null): number | undefined {
  const nested = (figures?.machine as { threads?: unknown } | undefined)?.threads;
  const t = figures?.threads ?? nested;
  return typeof t === "number" ? t : undefined;
}

/**
 * The `--json` object: the local engine's figures at the top level (its own `machine` object
 * replaced by this one, its thread count kept as `threads`), other sections under their names.
 */
export function jsonReport(machine: Machine, outcomes: SectionOutcome[]): Record<string, unknown> {
  const report: Record<string, unknown> = { machine };
  const errors: Record<string, string> = {};
  for (const o of outcomes) {
    if (o.status === "ok") {
      if (o.name === "local") {
        const { machine: _own, ...figures } = o.figures;
        const threads = threadsOf(o.figures);
        Object.assign(report, figures, threads === undefined ? {} : { threads }, { machine });
      } else report[o.name] = o.figures;
    } else if (o.status === "failed") {
      errors[o.name] = o.reason;
    }
  }
  if (Object.keys(errors).length > 0) report.errors = errors;
  return report;
}
