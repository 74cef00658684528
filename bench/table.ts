// Plain-text tables and the comparison of the local engine with PyTorch.
import { threadsOf } from "./report.js";
import type { Figures } from "./sections.js";

/** Left-aligned first column, right-aligned others, columns separated by two spaces. */
export function formatTable(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) widths[i] = Math.max(widths[i] ?? 0, row[i].length);
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

const num = (x: unknown): number | null => (typeof x === "number" && Number.isFinite(x) ? x : null);

function fmt(x: number | null): string {
  if (x === null) return "—";
  return x >= 100 ? x.toFixed(0) : x.toFixed(1);
}

/** One compared figure: `better` says whether larger or smaller values win. */
interface Metric {
  key: string;
  label: string;
  better: "higher" | "lower";
}

export const COMPARED_METRICS: Metric[] = [
  { key: "train_step_ms", label: "training step (ms)", better: "lower" },
  { key: "sample_tokens_per_s", label: "sampling (tokens/s)", better: "higher" },
  { key: "peak_rss_mb", label: "peak RSS (MB)", better: "lower" },
];

/**
 * ours ÷ PyTorch as a speed-up or a size ratio: training speed-up = torch ms / our ms; sampling
 * ratio = our tokens/s / torch tokens/s; RSS ratio = our MB / torch MB.
 */
export function ratio(metric: Metric, ours: number | null, theirs: number | null): string {
  if (ours === null || theirs === null || ours <= 0 || theirs <= 0) return "—";
  if (metric.key === "peak_rss_mb") return `${(ours / theirs).toFixed(2)}× PyTorch's`;
  const speedup = metric.better === "lower" ? theirs / ours : ours / theirs;
  return speedup >= 1 ? `${speedup.toFixed(2)}× faster` : `${(1 / speedup).toFixed(2)}× slower`;
}

/** The local engine beside PyTorch (if measured), one row per compared metric. */
export function comparisonTable(local: Figures | null, pytorch: Figures | null): string {
  const threads = (f: Figures | null) => {
    const t = threadsOf(f);
    return t === undefined ? "" : ` (${t} thread${t === 1 ? "" : "s"})`;
  };
  const torchTitle = pytorch ? `PyTorch ${pytorch.torch_version ?? ""}${threads(pytorch)}` : null;
  const header = ["", `rlvr local${threads(local)}`, ...(torchTitle ? [torchTitle, "ours vs PyTorch"] : [])];
  const rows = COMPARED_METRICS.map((m) => {
    const ours = num(local?.[m.key]);
    const theirs = num(pytorch?.[m.key]);
    return [m.label, fmt(ours), ...(pytorch ? [fmt(theirs), ratio(m, ours, theirs)] : [])];
  });
  return formatTable([header, ...rows]);
}

function fmtAny(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v !== "number") return JSON.stringify(v);
  if (Number.isInteger(v) || Math.abs(v) >= 100) return v.toFixed(0);
  return String(Number(v.toPrecision(3)));
}

/** Any other section's scalar figures, one key per row (lists and objects are in the --json output). */
export function figuresTable(figures: Figures): string {
  return formatTable(
    Object.entries(figures)
      .filter(([, v]) => v === null || typeof v !== "object")
      .map(([k, v]) => [k, fmtAny(v)]),
  );
}
