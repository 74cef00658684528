// An index of samples.jsonl by step, so that the browser pages through a 1 GB file instead of loading
// it: one pass records the byte range and record count of each step (a record's step is read off the
// line's start, `{"step":N,`, as the run directory writes it; other lines are parsed), and keeps up as
// the file grows. A step's records are then read from their byte range only, and a search scans a
// bounded number of bytes per call and says where to go on. Read-only, asynchronous (the server answers
// other requests while a large file is indexed), and a replaced file (a resumed run cuts it back) is
// indexed again.
import { open, stat } from "node:fs/promises";
import { parseStepLine, type StepRecord } from "./jsonlTail.js";
import { lineMayMatch, type OutcomeFilter, recordMatches } from "./sampleView.js";

export interface StepEntry {
  step: number;
  /** Byte range [start, end) of the step's lines. */
  start: number;
  end: number;
  count: number;
}

export interface SearchMatch {
  step: number;
  /** Index of the record within its step. */
  index: number;
  record: StepRecord;
}

export interface SearchResult {
  matches: SearchMatch[];
  /** Byte offset to continue from, or null when the indexed file was scanned to its end. */
  next: number | null;
  /** Bytes of the file indexed (searched up to). */
  indexedBytes: number;
}

const PREFIX = Buffer.from('{"step":');

/** The step of a JSONL line: read off `{"step":N` when the line starts so, else parsed; null if none. */
export function stepOfLine(buf: Buffer, start: number, end: number): number | null {
  if (
    end - start > PREFIX.length &&
    buf.compare(PREFIX, 0, PREFIX.length, start, start + PREFIX.length) === 0
  ) {
    let v = 0;
    let i = start + PREFIX.length;
    const d0 = i;
    while (i < end && buf[i] >= 48 && buf[i] <= 57 && i - d0 < 15) v = v * 10 + (buf[i++] - 48);
    if (i > d0 && (buf[i] === 44 || buf[i] === 125)) return v; // followed by "," or "}"
  }
  const r = parseStepLine(buf.toString("utf8", start, end));
  return typeof r === "string" ? null : r.step;
}

export class SampleIndex {
  private entries: StepEntry[] = [];
  private byStep = new Map<number, StepEntry>();
  /** Bytes indexed: the offset just after the last complete line. */
  private offset = 0;
  private ino: number | undefined;
  /** The file's size at the last update. */
  size = 0;
  exists = false;
  /** Lines with no step (not JSON, not an object): left out of every step. */
  skippedLines = 0;
  private running: Promise<{ changed: boolean; reset: boolean; more: boolean }> | null = null;

  constructor(
    readonly path: string,
    private readonly chunkBytes = 4 << 20,
  ) {}

  get indexedBytes(): number {
    return this.offset;
  }

  /** Whether the last update stopped at its byte budget before the end of the file. */
  behind = false;

  /** (step, record count) of every indexed step, in file order. */
  steps(): [number, number][] {
    return this.entries.map((e) => [e.step, e.count]);
  }

  entry(step: number): StepEntry | undefined {
    return this.byStep.get(step);
  }

  /** Indexes what was appended (at most `budgetBytes` a call); concurrent calls share one pass. */
  update(budgetBytes = 256 << 20): Promise<{ changed: boolean; reset: boolean; more: boolean }> {
    this.running ??= this.run(budgetBytes).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private restart(): void {
    this.entries = [];
    this.byStep = new Map();
    this.offset = 0;
    this.skippedLines = 0;
  }

  private async run(budgetBytes: number): Promise<{ changed: boolean; reset: boolean; more: boolean }> {
    let st: { size: number; ino: number };
    try {
      st = await stat(this.path);
    } catch {
      const reset = this.exists;
      this.exists = false;
      this.size = 0;
      this.restart();
      return { changed: reset, reset, more: false };
    }
    let reset = false;
    if (this.exists && (st.ino !== this.ino || st.size < this.offset)) {
      this.restart();
      reset = true;
    }
    this.exists = true;
    this.ino = st.ino;
    this.size = st.size;
    const before = this.offset;
    const fh = await open(this.path, "r");
    try {
      let read = 0;
      let want = this.chunkBytes;
      while (this.offset < st.size && read < budgetBytes) {
        const len = Math.min(want, st.size - this.offset);
        const buf = Buffer.alloc(len);
        const { bytesRead } = await fh.read(buf, 0, len, this.offset);
        const last = buf.lastIndexOf(10, bytesRead - 1);
        if (last < 0) {
          if (this.offset + bytesRead >= st.size) break; // an unfinished last line
          want *= 2; // a line longer than the chunk
          continue;
        }
        want = this.chunkBytes;
        this.indexLines(buf, last, this.offset);
        this.offset += last + 1;
        read += last + 1;
      }
      // what is left is at most an unfinished last line, unless the budget ran out
      this.behind = this.offset < st.size && read >= budgetBytes;
    } finally {
      await fh.close();
    }
    return { changed: reset || this.offset !== before, reset, more: this.behind };
  }

  /** Indexes the complete lines buf[0..last] (a newline at `last`) read at file offset `base`. */
  private indexLines(buf: Buffer, last: number, base: number): void {
    let start = 0;
    while (start <= last) {
      const end = buf.indexOf(10, start);
      if (end > start) {
        const step = stepOfLine(buf, start, end);
        if (step === null) this.skippedLines++;
        else {
          const tail = this.entries.at(-1);
          if (tail && tail.step === step) {
            tail.end = base + end + 1;
            tail.count++;
          } else {
            const e = { step, start: base + start, end: base + end + 1, count: 1 };
            this.entries.push(e);
            // A step seen again later (should not happen: steps do not decrease) shows its last range.
            this.byStep.set(step, e);
          }
        }
      }
      start = end + 1;
    }
  }

  private async readRange(start: number, end: number): Promise<Buffer> {
    const fh = await open(this.path, "r");
    try {
      const buf = Buffer.alloc(end - start);
      const { bytesRead } = await fh.read(buf, 0, end - start, start);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }

  /** Records [offset, offset + limit) of a step, and how many it has; undefined for a step not indexed. */
  async readStep(
    step: number,
    offset: number,
    limit: number,
  ): Promise<{ total: number; records: StepRecord[] } | undefined> {
    const e = this.byStep.get(step);
    if (!e) return undefined;
    const buf = await this.readRange(e.start, e.end);
    const records: StepRecord[] = [];
    let k = 0;
    for (let start = 0; start < buf.length && records.length < limit; ) {
      let end = buf.indexOf(10, start);
      if (end < 0) end = buf.length;
      if (end > start) {
        const r = parseStepLine(buf.toString("utf8", start, end));
        if (typeof r !== "string" && r.step === step) {
          if (k >= offset) records.push(r);
          k++;
        }
      }
      start = end + 1;
    }
    return { total: e.count, records };
  }

  /**
   * Records from byte `from` on whose text fields contain `text` (case-insensitive) and that pass the
   * outcome filter: at most `limit` matches, scanning at most `budgetBytes` of the indexed file.
   */
  async search(
    text: string,
    outcome: OutcomeFilter,
    from = 0,
    limit = 50,
    budgetBytes = 64 << 20,
  ): Promise<SearchResult> {
    const matches: SearchMatch[] = [];
    const endAll = this.offset;
    let pos = Math.max(0, Math.min(from, endAll));
    // the index of a record within its step: counted from the start of the step's range
    const indexInStep = (step: number, lineStart: number, buf: Buffer, bufBase: number): number => {
      const e = this.byStep.get(step);
      if (!e || e.start < bufBase) return -1;
      let k = 0;
      for (let i = e.start - bufBase; i < lineStart; i++) if (buf[i] === 10) k++;
      return k;
    };
    const fh = await open(this.path, "r");
    try {
      let scanned = 0;
      while (pos < endAll && scanned < budgetBytes) {
        // Read whole steps when they fit, so that a record's index in its step can be counted.
        const len = Math.min(this.chunkBytes, endAll - pos);
        const buf = Buffer.alloc(len);
        const { bytesRead } = await fh.read(buf, 0, len, pos);
        let last = buf.lastIndexOf(10, bytesRead - 1);
        if (last < 0) last = bytesRead - 1;
        for (let start = 0; start <= last; ) {
          let end = buf.indexOf(10, start);
          if (end < 0 || end > last) end = last + 1;
          if (end > start) {
            const line = buf.toString("utf8", start, end);
            if (lineMayMatch(line.toLowerCase(), text, outcome)) {
              const r = parseStepLine(line);
              if (typeof r !== "string" && recordMatches(r, text, outcome)) {
                const stepEntry = this.byStep.get(r.step);
                let index = indexInStep(r.step, start, buf, pos);
                if (index < 0 && stepEntry) {
                  // the step began before this buffer: count its lines up to here from the file
                  const head = await this.readRange(stepEntry.start, pos + start);
                  index = 0;
                  for (const byte of head) if (byte === 10) index++;
                }
                matches.push({ step: r.step, index, record: r });
                if (matches.length >= limit) {
                  const next = pos + end + 1;
                  return { matches, next: next < endAll ? next : null, indexedBytes: endAll };
                }
              }
            }
          }
          start = end + 1;
        }
        pos += last + 1;
        scanned += last + 1;
      }
    } finally {
      await fh.close();
    }
    return { matches, next: pos < endAll ? pos : null, indexedBytes: endAll };
  }
}
