// What a report shows, gathered from a run directory or a folder of runs (a compare script's --out):
// every run read to its end, all its curves (at most `maxPoints` points each), the evaluation and
// compare tables, the samples of each run's last step, and what could not be shown.
import { basename, resolve } from "node:path";
import { DashboardState, type StepPage, type Tables } from "./dashboardState.js";
import type { Series } from "./decimate.js";
import { type Panel, PANELS } from "./metricCatalog.js";
import type { RunInfo } from "./runReader.js";

export interface ReportData {
  title: string;
  source: string;
  generated: string;
  panels: readonly Panel[];
  runs: { info: RunInfo; series: Record<string, Series> }[];
  tables: Tables;
  /** The first records of each run's last step with samples. */
  samples: { run: string; shown: number; page: StepPage }[];
}

export async function collectReport(
  path: string,
  options: { maxPoints?: number; sampleRecords?: number; title?: string } = {},
): Promise<ReportData> {
  const root = resolve(path);
  const state = new DashboardState(root, { maxPoints: options.maxPoints ?? 5000, rescanEvery: 1 });
  for (let i = 0; i < 1e6 && (await state.tick()).more; i++);
  if (state.runs.size === 0)
    throw new Error(`report: no run directory at or under ${root} (no metrics.jsonl or config.json)`);
  const runs = [...state.runs.values()].map((r) => {
    r.readAll();
    return { info: r.info(), series: r.series(r.info().keys, state.maxPoints) };
  });
  const samples: ReportData["samples"] = [];
  const limit = options.sampleRecords ?? 48;
  for (const r of runs) {
    if (!r.info.hasSamples) continue;
    const { steps } = await state.steps(r.info.id);
    const last = steps.at(-1);
    if (last)
      samples.push({ run: r.info.id, shown: limit, page: await state.samples(r.info.id, last[0], 0, limit) });
  }
  return {
    title: options.title ?? `rlvr report: ${basename(root)}`,
    source: root,
    generated: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    panels: PANELS,
    runs,
    tables: state.tables(),
    samples,
  };
}
