// What the dashboard server knows of a folder of runs, and what changed since the last look: the runs
// (runsDir.ts) read as they grow (runReader.ts), their samples indexed on first use (sampleIndex.ts),
// the evaluation and compare tables. tick() rereads everything and returns the events to push to the
// page; the other methods answer the page's requests. It only reads the folder, never writes into it.
import { statSync } from "node:fs";
import { join } from "node:path";
import { SAMPLES_FILE } from "../run/runDirectory.js";
import type { Series } from "./decimate.js";
import type { StepRecord } from "./jsonlTail.js";
import { inPanel, type Panel, PANELS } from "./metricCatalog.js";
import { type RunInfo, RunReader } from "./runReader.js";
import { findRuns } from "./runsDir.js";
import { SampleIndex, type SearchResult } from "./sampleIndex.js";
import { groupSamples, type OutcomeFilter, type PromptView } from "./sampleView.js";
import {
  type CompareTable,
  evalTables,
  type OtherEval,
  readCompareTable,
  type TwoTurnRow,
} from "./tables.js";

export interface DashboardEvent {
  type: "runs" | "metrics" | "reset" | "notes" | "tables" | "samples";
  data: unknown;
}

export interface Tables {
  twoTurn: TwoTurnRow[];
  other: OtherEval[];
  compare: CompareTable[];
  notes: string[];
}

export interface StepPage {
  run: string;
  step: number;
  total: number;
  offset: number;
  prompts: PromptView[];
}

/** New records above this count go to the page as a "reset" (refetch) rather than inline. */
const MAX_INLINE_RECORDS = 2000;

/** The numeric fields of records (what the page draws), step included. */
function numericOnly(records: readonly StepRecord[]): Record<string, number>[] {
  return records.map((r) => {
    const o: Record<string, number> = {};
    for (const [k, v] of Object.entries(r)) if (typeof v === "number" && Number.isFinite(v)) o[k] = v;
    return o;
  });
}

export class DashboardState {
  readonly runs = new Map<string, RunReader>();
  private readonly indexes = new Map<string, SampleIndex>();
  private runList = "";
  private tableStamp = "";
  private compare: CompareTable[] = [];
  private compareNotes: string[] = [];
  private readonly notesSent = new Map<string, string>();
  private ticks = 0;

  constructor(
    readonly root: string,
    readonly options: { maxPoints?: number; maxBytesPerPoll?: number; rescanEvery?: number } = {},
  ) {}

  get maxPoints(): number {
    return this.options.maxPoints ?? 5000;
  }

  /** Finds runs and compare tables; events for a changed run list or changed tables. */
  private scan(): DashboardEvent[] {
    const events: DashboardEvent[] = [];
    const found = findRuns(this.root);
    for (const r of found.runs)
      if (!this.runs.has(r.id)) this.runs.set(r.id, new RunReader(r.id, r.dir, this.options.maxBytesPerPoll));
    const ids = new Set(found.runs.map((r) => r.id));
    for (const id of [...this.runs.keys()])
      if (!ids.has(id)) {
        this.runs.delete(id);
        this.indexes.delete(id);
      }
    const list = [...ids].join("\n");
    if (list !== this.runList) {
      this.runList = list;
      events.push({ type: "runs", data: { runs: this.runInfos() } });
    }
    const stamp = found.tables
      .map((p) => {
        try {
          const st = statSync(p);
          return `${p}:${st.size}:${st.mtimeMs}`;
        } catch {
          return `${p}:gone`;
        }
      })
      .join("|");
    if (stamp !== this.tableStamp) {
      this.tableStamp = stamp;
      this.compare = [];
      this.compareNotes = [];
      for (const p of found.tables) {
        try {
          this.compare.push(readCompareTable(p));
        } catch (err) {
          this.compareNotes.push(`${p}: skipped (${(err as Error).message})`);
        }
      }
      events.push({ type: "tables", data: {} });
    }
    return events;
  }

  /** Rereads the runs; returns what changed. `more` when a byte budget left data unread. */
  async tick(): Promise<{ events: DashboardEvent[]; more: boolean }> {
    const events: DashboardEvent[] = [];
    if (this.ticks++ % (this.options.rescanEvery ?? 4) === 0) events.push(...this.scan());
    let more = false;
    let tablesChanged = false;
    for (const [id, reader] of this.runs) {
      const c = reader.refresh();
      more ||= c.more;
      tablesChanged ||= c.evals;
      const n = c.metrics.length + c.timings.length;
      if (c.reset || n > MAX_INLINE_RECORDS)
        events.push({ type: "reset", data: { run: id, info: reader.info() } });
      else if (n > 0)
        events.push({
          type: "metrics",
          data: {
            run: id,
            rows: reader.metrics.length,
            lastStep: reader.metrics.lastStep,
            metrics: numericOnly(c.metrics),
            timings: numericOnly(c.timings),
          },
        });
      const notes = reader.notes();
      const key = JSON.stringify(notes);
      if (this.notesSent.has(id) && this.notesSent.get(id) !== key)
        events.push({ type: "notes", data: { run: id, notes } });
      this.notesSent.set(id, key);
    }
    if (tablesChanged) events.push({ type: "tables", data: {} });
    for (const [id, index] of this.indexes) {
      const u = await index.update();
      more ||= u.more;
      if (u.changed)
        events.push({ type: "samples", data: { run: id, reset: u.reset, steps: index.steps().length } });
    }
    return { events, more };
  }

  runInfos(): RunInfo[] {
    return [...this.runs.values()].map((r) => r.info());
  }

  overview(): { root: string; runs: RunInfo[]; panels: readonly Panel[] } {
    return { root: this.root, runs: this.runInfos(), panels: PANELS };
  }

  tables(): Tables {
    const t = evalTables([...this.runs.values()].map((r) => ({ id: r.id, evals: r.evals })));
    return { ...t, compare: this.compare, notes: this.compareNotes };
  }

  private reader(run: string): RunReader {
    const r = this.runs.get(run);
    if (!r) throw new NotFound(`no run ${JSON.stringify(run)} under ${this.root}`);
    return r;
  }

  /**
   * Points of a run's curves: the given keys, or with `which` "panels" the keys of the panels, "other"
   * every other numeric key.
   */
  series(
    run: string,
    which: "panels" | "other" | string[],
  ): { run: string; rows: number; series: Record<string, Series> } {
    const r = this.reader(run);
    const all = r.info().keys;
    const keys = Array.isArray(which)
      ? which
      : all.filter((k) => (which === "panels" ? inPanel(k) : !inPanel(k)));
    return { run, rows: r.metrics.length, series: r.series(keys, this.maxPoints) };
  }

  /** A run's sample index, built on first use and kept current by tick(). */
  private async index(run: string): Promise<SampleIndex> {
    const r = this.reader(run);
    let index = this.indexes.get(run);
    if (!index) {
      index = new SampleIndex(join(r.dir, SAMPLES_FILE));
      this.indexes.set(run, index);
      await index.update();
    }
    return index;
  }

  /** The indexed steps of a run's samples.jsonl and their record counts. */
  async steps(run: string): Promise<{
    run: string;
    steps: [number, number][];
    indexedBytes: number;
    size: number;
    indexing: boolean;
    skippedLines: number;
  }> {
    const index = await this.index(run);
    return {
      run,
      steps: index.steps(),
      indexedBytes: index.indexedBytes,
      size: index.size,
      indexing: index.behind,
      skippedLines: index.skippedLines,
    };
  }

  /** Records [offset, offset + limit) of a step, grouped by prompt. */
  async samples(run: string, step: number, offset: number, limit: number): Promise<StepPage> {
    const index = await this.index(run);
    const page = await index.readStep(step, offset, limit);
    if (!page) throw new NotFound(`run ${run}: no samples of step ${step}`);
    return {
      run,
      step,
      total: page.total,
      offset,
      prompts: groupSamples(page.records, this.reader(run).config.task, offset),
    };
  }

  async search(run: string, text: string, outcome: OutcomeFilter, from: number): Promise<SearchResult> {
    return (await this.index(run)).search(text, outcome, from);
  }
}

/** A request for a run or step that is not there (the server answers 404). */
export class NotFound extends Error {}
