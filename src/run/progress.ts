// The progress line of every long job: step/total, reward, accuracy,
// tokens/s, ETA. On a TTY one live line rewritten in place; otherwise one plain line per update.
// formatProgress / formatDuration / estimateEta are pure; ProgressReporter does the I/O.

export interface ProgressState {
  /** "train", "sft", "eval"… shown first. */
  label?: string;
  /** Completed steps. */
  step: number;
  total: number;
  reward?: number;
  /** Fraction in [0, 1]; shown as a percentage. */
  accuracy?: number;
  tokensPerSecond?: number;
  /** Seconds left; omitted when unknown. */
  etaSeconds?: number;
}

/** "45s", "3m05s", "1h02m", "2d03h". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, "0")}h`;
}

/** `name value`, or `name –` for a non-finite value; undefined when absent. */
function field(name: string, v: number | undefined, f: (x: number) => string): string | undefined {
  if (v === undefined) return undefined;
  return Number.isFinite(v) ? f(v) : `${name} –`;
}

/**
 * One progress line, e.g. `train 12/40 (30%)  reward 0.412  acc 38.5%  812 tok/s  ETA 1m05s`.
 * `width` (a terminal's columns) truncates it so a live line never wraps.
 */
export function formatProgress(s: ProgressState, width?: number): string {
  const digits = String(s.total).length;
  const pct = s.total > 0 ? Math.floor((100 * s.step) / s.total) : 0;
  const head = `${s.label ? `${s.label} ` : ""}${String(s.step).padStart(digits)}/${s.total} (${pct}%)`;
  const parts = [
    head,
    field("reward", s.reward, (x) => `reward ${x.toFixed(3)}`),
    field("acc", s.accuracy, (x) => `acc ${(100 * x).toFixed(1)}%`),
    field("tok/s", s.tokensPerSecond, (x) => `${x >= 100 ? Math.round(x) : x.toFixed(1)} tok/s`),
    s.etaSeconds === undefined ? undefined : `ETA ${formatDuration(s.etaSeconds)}`,
  ].filter((p): p is string => p !== undefined);
  const line = parts.join("  ");
  if (width !== undefined && width > 1 && line.length > width - 1) return `${line.slice(0, width - 2)}…`;
  return line;
}

/**
 * Seconds left, from the pace since this process started (a resumed run's earlier steps do not count):
 * (now − startTime)/(step − startStep) · (total − step). Undefined before the first step is done.
 */
export function estimateEta(p: {
  startStep: number;
  startTimeMs: number;
  step: number;
  nowMs: number;
  total: number;
}): number | undefined {
  const done = p.step - p.startStep;
  if (done <= 0) return undefined;
  return ((p.nowMs - p.startTimeMs) / 1000 / done) * Math.max(0, p.total - p.step);
}

/** Where the reporter writes: process.stderr by default. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  total: number;
  label?: string;
  /** Steps already done when this process started (a resumed run). Default 0. */
  startStep?: number;
  /** Default process.stderr (stdout stays clean for --json output). */
  stream?: ProgressStream;
  /** Live line rewritten in place; default: the stream is a TTY. */
  live?: boolean;
  /** Clock in ms; default Date.now. */
  now?: () => number;
}

export class ProgressReporter {
  private readonly stream: ProgressStream;
  private readonly live: boolean;
  private readonly now: () => number;
  private startTime: number;
  private startStep: number;
  private current: string | undefined;

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.live = options.live ?? this.stream.isTTY === true;
    this.now = options.now ?? Date.now;
    this.startTime = this.now();
    this.startStep = options.startStep ?? 0;
  }

  /** Restarts the ETA clock at `step` (a resumed run, once its checkpoint is known). */
  startAt(step: number): void {
    this.startStep = step;
    this.startTime = this.now();
  }

  /** Reports `step` completed, with this step's numbers. */
  update(step: number, values: { reward?: number; accuracy?: number; tokensPerSecond?: number } = {}): void {
    const { total, label } = this.options;
    const etaSeconds = estimateEta({
      startStep: this.startStep,
      startTimeMs: this.startTime,
      step,
      nowMs: this.now(),
      total,
    });
    const line = formatProgress(
      { label, step, total, ...values, etaSeconds },
      this.live ? this.stream.columns : undefined,
    );
    if (this.live) {
      this.stream.write(`\r${line}\x1b[K`);
      this.current = line;
    } else {
      this.stream.write(`${line}\n`);
    }
  }

  /** Prints a message on its own line without breaking the live line. */
  log(message: string): void {
    if (this.live && this.current !== undefined) {
      this.stream.write(`\r\x1b[K${message}\n${this.current}`);
    } else {
      this.stream.write(`${message}\n`);
    }
  }

  /** Ends the live line (the last state stays on screen); optionally prints a closing message. */
  done(message?: string): void {
    if (this.live && this.current !== undefined) this.stream.write("\n");
    this.current = undefined;
    if (message !== undefined) this.stream.write(`${message}\n`);
  }
}
