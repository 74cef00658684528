// The numeric metrics of a run file as columns, one Float64Array per key with NaN where a step has no
// value (null, absent or not a number), so that 100k steps × 60 metrics take 48 MB rather than 6M boxed
// numbers. Steps must increase; a record whose step is not past the last one (timings.jsonl after a
// resume, which is appended to rather than cut back) replaces the rows from that step on.
import { decimate, type Series } from "./decimate.js";
import type { StepRecord } from "./jsonlTail.js";

export class StepColumns {
  private cap = 256;
  private stepsCol = new Float64Array(this.cap);
  private readonly cols = new Map<string, Float64Array>();
  /** Rows held. */
  length = 0;
  /** Keys with values that are not numbers or null (strings, objects), and how many. */
  readonly nonNumeric = new Map<string, number>();
  /** Rows dropped because a later record restarted from an earlier step. */
  replacedRows = 0;

  private grow(): void {
    this.cap *= 2;
    const steps = new Float64Array(this.cap);
    steps.set(this.stepsCol);
    this.stepsCol = steps;
    for (const [k, col] of this.cols) {
      const c = new Float64Array(this.cap).fill(Number.NaN);
      c.set(col);
      this.cols.set(k, c);
    }
  }

  /** The row index of the first step ≥ `step` (binary search; steps increase). */
  indexOfStep(step: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.stepsCol[mid] < step) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Appends a record; returns true when it replaced earlier rows (its step was not past the last). */
  append(record: StepRecord): boolean {
    let replaced = false;
    if (this.length > 0 && record.step <= this.stepsCol[this.length - 1]) {
      const at = this.indexOfStep(record.step);
      this.replacedRows += this.length - at;
      this.length = at;
      replaced = true;
    }
    if (this.length === this.cap) this.grow();
    const row = this.length;
    this.stepsCol[row] = record.step;
    for (const col of this.cols.values()) col[row] = Number.NaN;
    for (const [k, v] of Object.entries(record)) {
      if (k === "step") continue;
      if (typeof v !== "number" && v !== null) {
        this.nonNumeric.set(k, (this.nonNumeric.get(k) ?? 0) + 1);
        continue;
      }
      let col = this.cols.get(k);
      if (!col) {
        col = new Float64Array(this.cap).fill(Number.NaN);
        this.cols.set(k, col);
      }
      col[row] = typeof v === "number" ? v : Number.NaN;
    }
    this.length++;
    return replaced;
  }

  clear(): void {
    this.length = 0;
    this.cols.clear();
    this.nonNumeric.clear();
    this.replacedRows = 0;
  }

  keys(): string[] {
    return [...this.cols.keys()];
  }

  has(key: string): boolean {
    return this.cols.has(key);
  }

  get steps(): Float64Array {
    return this.stepsCol.subarray(0, this.length);
  }

  /** The last step held, or null. */
  get lastStep(): number | null {
    return this.length > 0 ? this.stepsCol[this.length - 1] : null;
  }

  /** The finite points of one key, at most `maxPoints` (decimate.ts); empty for an unknown key. */
  series(key: string, maxPoints: number): Series {
    const col = this.cols.get(key);
    if (!col) return { x: [], y: [] };
    return decimate(this.steps, col.subarray(0, this.length), maxPoints);
  }
}
