// One run directory, read as it grows: config.json, metrics.jsonl and timings.jsonl as columns
// (stepColumns.ts), eval/*.json, and the list of what could not be shown and why (a torn or bad line, a
// missing file, a key outside the known namespaces, a value that is not a number). Only reads: nothing
// is ever written into the run directory.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { CONFIG_FILE, EVAL_DIR, METRICS_FILE, SAMPLES_FILE, TIMINGS_FILE } from "../run/runDirectory.js";
import { JsonlTail, type StepRecord } from "./jsonlTail.js";
import { isKnownMetric } from "./metricCatalog.js";
import { StepColumns } from "./stepColumns.js";
import type { Series } from "./decimate.js";

/** What the page shows of a run's config.json. */
export interface RunConfigSummary {
  algo: string | null;
  task: string | null;
  steps: number | null;
  seed: number | null;
  model: string | null;
  promptsPerStep: number | null;
  groupSize: number | null;
  layer2Group: number | null;
}

export interface RunInfo {
  id: string;
  dir: string;
  name: string;
  config: RunConfigSummary;
  /** Rows of metrics.jsonl read, and its last step. */
  rows: number;
  lastStep: number | null;
  /** Numeric keys of metrics.jsonl and timings.jsonl. */
  keys: string[];
  hasSamples: boolean;
  /** What could not be shown, and why. */
  notes: string[];
}

/** What a refresh read: the new records of each file, or reset when what was read before is void. */
export interface RunChange {
  reset: boolean;
  metrics: StepRecord[];
  timings: StepRecord[];
  /** The eval/*.json files changed. */
  evals: boolean;
  /** The byte budget stopped before the end of a file. */
  more: boolean;
}

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** The summary of a parsed config.json (any shape: fields that are missing are null). */
export function summarizeConfig(c: unknown): RunConfigSummary {
  const o = obj(c);
  return {
    algo: str(o.algo),
    task: str(obj(o.task).name),
    steps: num(o.steps),
    seed: num(o.seed),
    model: str(o.model),
    promptsPerStep: num(obj(o.batch).promptsPerStep),
    groupSize: num(obj(o.batch).groupSize),
    layer2Group: o.algo === "mgrpo" ? num(obj(o.mgrpo).layer2Group) : null,
  };
}

function tailNotes(file: string, tail: JsonlTail, cols: StepColumns, missing: string): string[] {
  if (!tail.exists) return [`${file} missing: ${missing}`];
  const out: string[] = [];
  if (tail.skippedCount > 0) {
    const shown = tail.skipped.map((s) => `line ${s.line}: ${s.reason}`).join("; ");
    const more = tail.skippedCount > tail.skipped.length ? `; … ${tail.skippedCount} in all` : "";
    out.push(`${file}: skipped ${tail.skippedCount} unreadable line(s) (${shown}${more})`);
  }
  if (tail.pendingBytes > 0)
    out.push(
      `${file}: the last line is unfinished (${tail.pendingBytes} bytes, torn or being written): not shown`,
    );
  for (const [key, n] of cols.nonNumeric)
    out.push(`${file}: ${n} value(s) of ${key} are not numbers: skipped`);
  const unknown = cols.keys().filter((k) => !isKnownMetric(k));
  if (unknown.length > 0)
    out.push(`${file}: ${unknown.join(", ")} not in a known namespace: drawn under Other metrics`);
  if (cols.replacedRows > 0)
    out.push(
      `${file}: ${cols.replacedRows} row(s) replaced by later records of the same steps (a resumed run)`,
    );
  return out;
}

export class RunReader {
  readonly metrics = new StepColumns();
  readonly timings = new StepColumns();
  private readonly metricsTail: JsonlTail;
  private readonly timingsTail: JsonlTail;
  private configStamp = "";
  private configNote: string | null = null;
  config: RunConfigSummary = summarizeConfig(null);
  private evalStamp = "";
  /** eval/<name>.json parsed, by name. */
  evals = new Map<string, unknown>();
  private evalNotes: string[] = [];

  constructor(
    readonly id: string,
    readonly dir: string,
    maxBytesPerPoll?: number,
  ) {
    this.metricsTail = new JsonlTail(join(dir, METRICS_FILE), maxBytesPerPoll);
    this.timingsTail = new JsonlTail(join(dir, TIMINGS_FILE), maxBytesPerPoll);
  }

  private readConfig(): void {
    const path = join(this.dir, CONFIG_FILE);
    let stamp = "missing";
    try {
      const st = statSync(path);
      stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      // missing
    }
    if (stamp === this.configStamp) return;
    this.configStamp = stamp;
    if (stamp === "missing") {
      this.config = summarizeConfig(null);
      this.configNote = `${CONFIG_FILE} missing: the algorithm and settings are unknown`;
      return;
    }
    try {
      this.config = summarizeConfig(JSON.parse(readFileSync(path, "utf8")));
      this.configNote = null;
    } catch (err) {
      this.config = summarizeConfig(null);
      this.configNote = `${CONFIG_FILE} unreadable (${(err as Error).message}): the settings are unknown`;
    }
  }

  private readEvals(): boolean {
    const dir = join(this.dir, EVAL_DIR);
    let names: string[] = [];
    try {
      names = readdirSync(dir)
        .filter((n) => n.endsWith(".json") && !n.startsWith("."))
        .sort();
    } catch {
      // no evaluations
    }
    const stamps = names.map((n) => {
      try {
        const st = statSync(join(dir, n));
        return `${n}:${st.size}:${st.mtimeMs}`;
      } catch {
        return `${n}:gone`;
      }
    });
    const stamp = stamps.join("|");
    if (stamp === this.evalStamp) return false;
    this.evalStamp = stamp;
    this.evals = new Map();
    this.evalNotes = [];
    for (const n of names) {
      try {
        this.evals.set(n.replace(/\.json$/, ""), JSON.parse(readFileSync(join(dir, n), "utf8")));
      } catch (err) {
        this.evalNotes.push(`${EVAL_DIR}/${n} unreadable (${(err as Error).message}): skipped`);
      }
    }
    return true;
  }

  /** Reads what was appended since the last refresh (each file up to its byte budget). */
  refresh(): RunChange {
    this.readConfig();
    const evals = this.readEvals();
    const m = this.metricsTail.poll();
    const t = this.timingsTail.poll();
    let reset = m.reset || t.reset;
    if (m.reset) this.metrics.clear();
    if (t.reset) this.timings.clear();
    for (const r of m.records) reset = this.metrics.append(r) || reset;
    for (const r of t.records) reset = this.timings.append(r) || reset;
    return { reset, metrics: m.records, timings: t.records, evals, more: m.more || t.more };
  }

  /** Refreshes until every file is read to its end (for a report). */
  readAll(): void {
    for (let i = 0; i < 1e6 && this.refresh().more; i++);
  }

  /** Points of the given keys (from metrics.jsonl, else timings.jsonl), at most `maxPoints` each. */
  series(keys: readonly string[], maxPoints: number): Record<string, Series> {
    const out: Record<string, Series> = {};
    for (const key of keys) {
      const cols = this.metrics.has(key) ? this.metrics : this.timings.has(key) ? this.timings : null;
      if (cols) out[key] = cols.series(key, maxPoints);
    }
    return out;
  }

  notes(): string[] {
    return [
      ...(this.configNote ? [this.configNote] : []),
      ...tailNotes(METRICS_FILE, this.metricsTail, this.metrics, "no curves"),
      ...tailNotes(TIMINGS_FILE, this.timingsTail, this.timings, "no tokens/s curve"),
      ...(existsSync(join(this.dir, SAMPLES_FILE)) ? [] : [`${SAMPLES_FILE} missing: no samples to browse`]),
      ...this.evalNotes,
    ];
  }

  info(): RunInfo {
    return {
      id: this.id,
      dir: this.dir,
      name: basename(this.dir),
      config: this.config,
      rows: this.metrics.length,
      lastStep: this.metrics.lastStep,
      keys: [...new Set([...this.metrics.keys(), ...this.timings.keys()])],
      hasSamples: existsSync(join(this.dir, SAMPLES_FILE)),
      notes: this.notes(),
    };
  }
}
