// Follows a JSONL file of step records as it grows (metrics.jsonl, timings.jsonl): each poll reads only
// the bytes appended since the last one and hands back the complete lines parsed. An unterminated last
// line (a record being written, or one torn by a kill) is held back until its newline arrives; a line
// that is not a JSON object with an integer "step" is skipped and remembered, with its line number. A
// file that is replaced or shrinks (a resumed run rewrites metrics.jsonl atomically) is read again from
// the start. Read-only: the file is opened for reading only.
import { closeSync, openSync, readSync, statSync } from "node:fs";

/** One record of a run file: {"step": N, ...}. */
export interface StepRecord {
  step: number;
  [key: string]: unknown;
}

export interface SkippedLine {
  /** 1-based line number in the file. */
  line: number;
  reason: string;
}

export interface TailPoll {
  /** The records of the lines completed since the last poll, in file order. */
  records: StepRecord[];
  /** The file was replaced, shrank or disappeared: everything read before is void. */
  reset: boolean;
  /** The byte budget stopped this poll before the end of the file: poll again. */
  more: boolean;
}

/** The most skipped lines remembered with their numbers (the count goes on). */
const MAX_REMEMBERED = 20;

/** Parses one line into a step record, or says why it is skipped. */
export function parseStepLine(text: string): StepRecord | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return "not valid JSON";
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return "not a JSON object";
  if (!Number.isInteger((v as StepRecord).step)) return 'no integer "step"';
  return v as StepRecord;
}

export class JsonlTail {
  /** Bytes consumed: the offset just after the last complete line. */
  private offset = 0;
  private lineNo = 0;
  private ino: number | undefined;
  /** Whether the file existed at the last poll. */
  exists = false;
  /** Bytes of an unterminated last line held back at the last poll (0 = none). */
  pendingBytes = 0;
  /** Skipped lines (the first MAX_REMEMBERED) and how many in all. */
  readonly skipped: SkippedLine[] = [];
  skippedCount = 0;

  constructor(
    readonly path: string,
    private readonly maxBytesPerPoll = 16 << 20,
  ) {}

  private restart(): void {
    this.offset = 0;
    this.lineNo = 0;
    this.pendingBytes = 0;
    this.skipped.length = 0;
    this.skippedCount = 0;
  }

  poll(): TailPoll {
    let size: number;
    let ino: number;
    try {
      const st = statSync(this.path);
      size = st.size;
      ino = st.ino;
    } catch {
      const reset = this.exists;
      this.exists = false;
      this.ino = undefined;
      this.restart();
      return { records: [], reset, more: false };
    }
    let reset = false;
    if (this.exists && (ino !== this.ino || size < this.offset + this.pendingBytes)) {
      this.restart();
      reset = true;
    }
    this.exists = true;
    this.ino = ino;
    const records: StepRecord[] = [];
    if (size === this.offset) {
      this.pendingBytes = 0;
      return { records, reset, more: false };
    }
    const fd = openSync(this.path, "r");
    try {
      // Read up to the budget; a line longer than the budget is read whole.
      let want = Math.min(size - this.offset, this.maxBytesPerPoll);
      let buf = Buffer.alloc(0);
      let lastNewline = -1;
      for (;;) {
        const chunk = Buffer.alloc(want);
        const n = readSync(fd, chunk, 0, want, this.offset + buf.length);
        buf = Buffer.concat([buf, chunk.subarray(0, n)]);
        lastNewline = buf.lastIndexOf(10);
        if (lastNewline >= 0 || n < want || this.offset + buf.length >= size) break;
        want = Math.min(size - this.offset - buf.length, this.maxBytesPerPoll);
      }
      let start = 0;
      while (start <= lastNewline) {
        const end = buf.indexOf(10, start);
        this.lineNo++;
        const text = buf.toString("utf8", start, end);
        start = end + 1;
        if (text.trim() === "") continue;
        const r = parseStepLine(text);
        if (typeof r === "string") {
          this.skippedCount++;
          if (this.skipped.length < MAX_REMEMBERED) this.skipped.push({ line: this.lineNo, reason: r });
        } else records.push(r);
      }
      this.offset += lastNewline + 1;
      const unread = size - this.offset;
      const more = buf.length - (lastNewline + 1) < unread;
      this.pendingBytes = more ? 0 : unread;
      return { records, reset, more };
    } finally {
      closeSync(fd);
    }
  }
}
