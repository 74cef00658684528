// The tables beside the curves: the two-turn evaluation (Acc@t1, Acc@t2, Δ, Δi→c, Δc→i) of every
// eval/*.json that holds one (the compare scripts store {settings, metrics}; a plain result is the
// metrics itself), the other evaluations' numbers, and the compare scripts' tables (compare-table.json:
// {title, header, rows}, written by writeCompareTable).
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../core/atomicFile.js";

export interface TwoTurnRow {
  run: string;
  eval: string;
  n: number | null;
  acc_t1: number;
  acc_t2: number;
  delta: number | null;
  delta_i2c: number | null;
  delta_c2i: number | null;
}

export interface OtherEval {
  run: string;
  eval: string;
  /** Numeric fields, flattened one level ("metrics.accuracy"). */
  values: [string, number][];
}

export interface CompareTable {
  /** Where it was read from. */
  path: string;
  title: string;
  header: string[];
  rows: string[][];
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const numOrNull = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** The two-turn metrics of an eval file's content, or null when it holds none. */
export function twoTurnOf(content: unknown): Omit<TwoTurnRow, "run" | "eval"> | null {
  if (!isObj(content)) return null;
  const m = isObj(content.metrics) ? content.metrics : content;
  if (typeof m.acc_t1 !== "number" || typeof m.acc_t2 !== "number") return null;
  return {
    n: numOrNull(m.n),
    acc_t1: m.acc_t1,
    acc_t2: m.acc_t2,
    delta: numOrNull(m.delta),
    delta_i2c: numOrNull(m.delta_i2c),
    delta_c2i: numOrNull(m.delta_c2i),
  };
}

/** Numeric fields of an eval file's content, one level of nesting flattened. */
export function numericFields(content: unknown): [string, number][] {
  if (!isObj(content)) return [];
  const out: [string, number][] = [];
  for (const [k, v] of Object.entries(content)) {
    if (typeof v === "number" && Number.isFinite(v)) out.push([k, v]);
    else if (isObj(v))
      for (const [k2, v2] of Object.entries(v))
        if (typeof v2 === "number" && Number.isFinite(v2)) out.push([`${k}.${k2}`, v2]);
  }
  return out;
}

/** Splits the evaluations of runs into two-turn rows and the other evaluations' numbers. */
export function evalTables(runs: readonly { id: string; evals: ReadonlyMap<string, unknown> }[]): {
  twoTurn: TwoTurnRow[];
  other: OtherEval[];
} {
  const twoTurn: TwoTurnRow[] = [];
  const other: OtherEval[] = [];
  for (const r of runs) {
    for (const [name, content] of r.evals) {
      const t = twoTurnOf(content);
      if (t) twoTurn.push({ run: r.id, eval: name, ...t });
      else {
        const values = numericFields(content);
        if (values.length > 0) other.push({ run: r.id, eval: name, values });
      }
    }
  }
  return { twoTurn, other };
}

/** Reads a compare-table.json; throws with the path when it is not {title, header, rows}. */
export function readCompareTable(path: string): CompareTable {
  const v = JSON.parse(readFileSync(path, "utf8")) as unknown;
  const ok =
    isObj(v) &&
    typeof v.title === "string" &&
    Array.isArray(v.header) &&
    v.header.every((h) => typeof h === "string") &&
    Array.isArray(v.rows) &&
    v.rows.every((r) => Array.isArray(r) && r.every((c) => typeof c === "string"));
  if (!ok) throw new Error(`${path}: expected {"title": string, "header": [string], "rows": [[string]]}`);
  const t = v as { title: string; header: string[]; rows: string[][] };
  return { path, title: t.title, header: t.header, rows: t.rows };
}

/** Writes a compare script's table as compare-table.json (atomically); returns its path. */
export function writeCompareTable(
  path: string,
  table: { title: string; header: string[]; rows: string[][] },
): string {
  writeFileAtomic(path, `${JSON.stringify(table, null, 2)}\n`);
  return path;
}
