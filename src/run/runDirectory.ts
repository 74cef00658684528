// The run directory, the contract every face reads (README "A run directory"):
//
//   <out>/config.json             resolved Config + { versions } (atomic)
//   <out>/metrics.jsonl           one JSON object per step, {"step": N, ...}, appended and fsynced
//   <out>/samples.jsonl           sampled rollouts, {"step": N, ...}, appended and fsynced
//   <out>/eval/<name>.json        evaluation results (atomic)
//   <out>/checkpoints/step-N/     whatever the caller writes (engine.saveState) + trainer_state.json,
//                                 written as a whole with writeDirAtomic
//   <out>/checkpoints/latest.json {"step": N, "path": "step-N"} (atomic), written after the directory
//
// Steps count completed optimizer steps: the metrics record of step N is appended when step N is done,
// and checkpoint step-N holds the state after step N (step-0 = before training). On resume from step-N,
// metrics and samples are cut back to records with step <= N, so a run killed at any moment and resumed
// has no duplicate or orphan steps.
import { createRequire } from "node:module";
import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { makeDirectory, writeDirAtomic, writeFileAtomic } from "../core/atomicFile.js";
import { checkpointProblem, writeManifest } from "./checkpointManifest.js";
import { type Config, ConfigError, parseConfig, readConfigInput } from "./config.js";
import { LOCK_FILE } from "./runLock.js";

export const CONFIG_FILE = "config.json";
export const METRICS_FILE = "metrics.jsonl";
export const SAMPLES_FILE = "samples.jsonl";
export const EVAL_DIR = "eval";
export const CHECKPOINTS_DIR = "checkpoints";
export const LATEST_FILE = "latest.json";
export const TRAINER_STATE_FILE = "trainer_state.json";
/** Wall-clock metrics per step (time/…), apart from metrics.jsonl so that it is identical across reruns. */
export const TIMINGS_FILE = "timings.jsonl";
/** Per-example training accuracy, one line per example per step it was sampled (1-shot RLVR's history). */
export const EXAMPLES_FILE = "examples.jsonl";
/** Examples the label audit flagged (core/labelAudit.ts), one line per flag. */
export const LABEL_AUDIT_FILE = "label_audit.jsonl";
/** One line per change to a run's config.json after its start (a resume that extends it). */
export const CONFIG_HISTORY_FILE = "config_history.jsonl";

/** A run directory that cannot be created, written or resumed; the message names the path. */
export class RunDirectoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RunDirectoryError";
  }
}

export interface Versions {
  /** This package's version. */
  rlvr: string;
  /** process.version. */
  node: string;
  /** onnxruntime-node's version, when it can be resolved. */
  onnxruntime?: string;
}

/** What the loop checkpoints beside the engine state: the step plus whatever it needs to continue. */
export interface TrainerState {
  /** Completed optimizer steps. */
  step: number;
  [key: string]: unknown;
}

/** One line of metrics.jsonl / samples.jsonl. */
export interface StepRecord {
  step: number;
  [key: string]: unknown;
}

export interface CheckpointRef {
  step: number;
  /** Absolute path of checkpoints/step-N. */
  path: string;
}

function readPackageVersion(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === name) return pkg.version;
    } catch {
      // not here
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** Versions of this package, Node and onnxruntime (when resolvable), for config.json. */
export function collectVersions(): Versions {
  const here = dirname(fileURLToPath(import.meta.url));
  const out: Versions = { rlvr: readPackageVersion("rlvr", here) ?? "unknown", node: process.version };
  try {
    const entry = createRequire(import.meta.url).resolve("onnxruntime-node");
    const v = readPackageVersion("onnxruntime-node", dirname(entry));
    if (v) out.onnxruntime = v;
  } catch {
    // not installed: omitted
  }
  return out;
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (typeof v === "object" && v !== null) {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

/** Field paths where two configs differ ("loss.kl.coef", "steps"), ignoring run.out. */
export function configDifferences(a: Config, b: Config): string[] {
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, path: string): void => {
    const isObj = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
    if (isObj(x) && isObj(y)) {
      const xo = x as Record<string, unknown>;
      const yo = y as Record<string, unknown>;
      for (const k of new Set([...Object.keys(xo), ...Object.keys(yo)])) {
        const p = path ? `${path}.${k}` : k;
        if (p !== "run.out") walk(xo[k], yo[k], p);
      }
    } else if (stableJson(x) !== stableJson(y)) {
      out.push(path);
    }
  };
  walk(a, b, "");
  return out;
}

/** Fields that may change when a run is resumed: how long it runs and what it logs, not what it computes. */
const RESUMABLE_CHANGES =
  /^(steps|run\.(checkpointEvery|keepCheckpoints|samplesPerStep|evalEvery|evalProblems))$/;

/** One field a resume changes, as config_history.jsonl records it. */
export interface ConfigChange {
  field: string;
  from: unknown;
  to: unknown;
}

function valueAt(c: Config, path: string): unknown {
  return path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], c);
}

/** Throws unless `requested` differs from a run's stored config only in fields a resume may change. */
export function checkResumeConfig(dir: string, stored: Config, requested: Config): void {
  const bad = configDifferences(stored, requested).filter((p) => !RESUMABLE_CHANGES.test(p));
  if (bad.length > 0) {
    throw new RunDirectoryError(
      `cannot resume ${dir} with a different ${bad.join(", ")} (a resumed run keeps its config; only steps and ` +
        `run.checkpointEvery/keepCheckpoints/samplesPerStep/evalEvery/evalProblems may change); use another --out for a new run`,
    );
  }
}

/**
 * The changes a resume from `doneSteps` may make to a run's config, or an error that says what to do.
 * `steps` may not fall below the steps done, and may change only where the learning rate does not depend
 * on it (a constant schedule without warm-up): elsewhere it would change the schedule of the steps left.
 */
export function resumeChanges(
  dir: string,
  stored: Config,
  requested: Config,
  doneSteps: number,
): ConfigChange[] {
  checkResumeConfig(dir, stored, requested);
  const changes = configDifferences(stored, requested).map((field) => ({
    field,
    from: valueAt(stored, field),
    to: valueAt(requested, field),
  }));
  if (requested.steps < doneSteps)
    throw new RunDirectoryError(
      `${dir} is already trained to step ${doneSteps}; --steps ${requested.steps} would undo that. ` +
        `Evaluate an earlier checkpoint with rlvr eval --checkpoint ${dir}/checkpoints/step-N instead`,
    );
  const o = stored.optim;
  if (requested.steps !== stored.steps && doneSteps > 0 && (o.schedule !== "constant" || o.warmupRatio > 0))
    throw new RunDirectoryError(
      `cannot change steps of ${dir} from ${stored.steps} to ${requested.steps}: its learning rate follows a ` +
        `${o.schedule} schedule with ${o.warmupRatio} warm-up over ${stored.steps} steps, which the change would redraw ` +
        `for the steps left. Resume without --steps, or train a new run (another --out) with --steps ${requested.steps}`,
    );
  return changes;
}

function appendConfigHistory(
  dir: string,
  entry: { time: string; at_step: number; changes: ConfigChange[] },
): void {
  appendFileSync(join(dir, CONFIG_HISTORY_FILE), `${JSON.stringify(entry)}\n`);
}

function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EROFS":
      return "read-only file system";
    case "ENOTDIR":
      return "a parent is not a directory";
    case "EEXIST":
      return "exists and is not a directory";
    case "ENOSPC":
      return "no space left on device";
    default:
      return e.message ?? String(err);
  }
}

/** Creates `dir` if needed and proves it writable by writing and removing a probe file. */
function ensureWritable(dir: string): void {
  try {
    if (existsSync(dir) && !statSync(dir).isDirectory()) {
      throw Object.assign(new Error("exists and is not a directory"), { code: "EEXIST" });
    }
    makeDirectory(dir);
    const probe = join(dir, `.rlvr-write-test-${process.pid}`);
    writeFileAtomic(probe, "ok\n");
    rmSync(probe, { force: true });
  } catch (err) {
    throw new RunDirectoryError(`cannot write to run directory ${dir}: ${describeFsError(err)}`);
  }
}

function readJsonFile(path: string): unknown {
  return JSON.parse(readFileSync(path, "utf8"));
}

/** Every parseable line of a JSONL file (a torn last line, from a kill mid-append, is skipped). */
export function readJsonl(path: string): StepRecord[] {
  if (!existsSync(path)) return [];
  const out: StepRecord[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    try {
      const v = JSON.parse(line) as unknown;
      if (typeof v === "object" && v !== null && Number.isInteger((v as StepRecord).step))
        out.push(v as StepRecord);
    } catch {
      // a torn line
    }
  }
  return out;
}

/** Rewrites a JSONL file atomically keeping records with step <= maxStep; returns the kept records. */
function truncateJsonl(path: string, maxStep: number): StepRecord[] {
  const before = existsSync(path) ? readFileSync(path, "utf8") : "";
  const kept = readJsonl(path).filter((r) => r.step <= maxStep);
  const after = kept.map((r) => `${JSON.stringify(r)}\n`).join("");
  if (after !== before) writeFileAtomic(path, after);
  return kept;
}

/** N of a checkpoint directory's name step-N; undefined for any other name. */
function checkpointStep(name: string): number | undefined {
  const m = /^step-(\d+)$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Names of checkpoint directories step-N that are complete (hold trainer_state.json), ascending. */
function listCheckpoints(checkpointsDir: string): CheckpointRef[] {
  if (!existsSync(checkpointsDir)) return [];
  const out: CheckpointRef[] = [];
  for (const name of readdirSync(checkpointsDir)) {
    const step = checkpointStep(name);
    if (step === undefined) continue;
    const path = join(checkpointsDir, name);
    if (existsSync(join(path, TRAINER_STATE_FILE))) out.push({ step, path });
  }
  return out.sort((a, b) => a.step - b.step);
}

/** Throws unless the checkpoint verifies against its manifest. */
function verified(c: CheckpointRef): CheckpointRef {
  const problem = checkpointProblem(c.path);
  if (problem) throw new RunDirectoryError(`${c.path}: ${problem}; it cannot be used`);
  return c;
}

/** The newest checkpoint that verifies, and the newer ones that do not, with why (nothing is moved). */
function verifiedCheckpoints(checkpointsDir: string): {
  valid: CheckpointRef | null;
  invalid: (CheckpointRef & { problem: string })[];
} {
  const all = listCheckpoints(checkpointsDir);
  const invalid: (CheckpointRef & { problem: string })[] = [];
  for (let i = all.length - 1; i >= 0; i--) {
    const problem = checkpointProblem(all[i].path);
    if (!problem) return { valid: all[i], invalid };
    invalid.push({ ...all[i], problem });
  }
  return { valid: null, invalid };
}

/** The newest complete checkpoint of a run directory, verified (for commands that read a run without resuming it). */
export function latestCheckpointOf(runDir: string): CheckpointRef {
  const all = listCheckpoints(join(resolve(runDir), CHECKPOINTS_DIR));
  if (all.length === 0)
    throw new RunDirectoryError(`${runDir}: no complete checkpoint in ${CHECKPOINTS_DIR}/`);
  return verified(all[all.length - 1]);
}

/** Writes `eval/<name>.json` of the run in `runDir` atomically; returns its path. */
export function writeRunEval(runDir: string, name: string, result: unknown): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new RunDirectoryError(`eval name ${JSON.stringify(name)}: use letters, digits, ".", "_" and "-"`);
  }
  const path = join(runDir, EVAL_DIR, `${name}.json`);
  writeFileAtomic(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}

/**
 * A run directory and one of its checkpoints, from either the run directory (its newest checkpoint) or a
 * checkpoint inside it (`RUN/checkpoints/step-N`), for commands that read a run without resuming it.
 */
export function resolveCheckpoint(path: string): { runDir: string; checkpoint: CheckpointRef } {
  const abs = resolve(path);
  if (checkpointStep(basename(abs)) !== undefined && basename(dirname(abs)) === CHECKPOINTS_DIR) {
    const checkpoint = listCheckpoints(dirname(abs)).find((c) => c.path === abs);
    if (!checkpoint)
      throw new RunDirectoryError(`${path}: not a complete checkpoint (no ${TRAINER_STATE_FILE})`);
    return { runDir: dirname(dirname(abs)), checkpoint: verified(checkpoint) };
  }
  return { runDir: abs, checkpoint: latestCheckpointOf(path) };
}

/** Removes temporaries a killed writer may have left (".name.xxxx.tmp", ".name.xxxx.old"). */
function removeLeftovers(dir: string): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    if (/^\..+\.[0-9a-f]{12}\.(tmp|old)$/.test(name))
      rmSync(join(dir, name), { recursive: true, force: true });
  }
}

/** An open run directory: appends metrics and samples, writes evaluations and checkpoints. */
export class RunDirectory {
  readonly dir: string;
  readonly config: Config;
  /** Where createRunDirectory moved a previous run with the same config (a rerun from scratch), if it did. */
  readonly previousRun: string | undefined;
  private lastMetricsStep: number;
  private lastSamplesStep: number;
  private metricsFd: number | undefined;
  private samplesFd: number | undefined;
  private timingsFd: number | undefined;
  private examplesFd: number | undefined;
  private labelAuditFd: number | undefined;

  /** Use createRunDirectory or openRunForResume. */
  constructor(
    dir: string,
    config: Config,
    init: { lastMetricsStep: number; lastSamplesStep: number; previousRun?: string },
  ) {
    this.dir = dir;
    this.config = config;
    this.lastMetricsStep = init.lastMetricsStep;
    this.lastSamplesStep = init.lastSamplesStep;
    this.previousRun = init.previousRun;
  }

  get metricsPath(): string {
    return join(this.dir, METRICS_FILE);
  }
  get samplesPath(): string {
    return join(this.dir, SAMPLES_FILE);
  }
  get checkpointsDir(): string {
    return join(this.dir, CHECKPOINTS_DIR);
  }

  private append(fd: number, records: readonly StepRecord[], path: string): void {
    const bytes = Buffer.from(records.map((r) => `${JSON.stringify(r)}\n`).join(""), "utf8");
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } catch (err) {
      throw new RunDirectoryError(`cannot append to ${path}: ${describeFsError(err)}`);
    }
  }

  /** Appends one step's metrics (flushed to disk). Steps must increase strictly. */
  appendMetrics(record: StepRecord): void {
    if (!Number.isInteger(record.step) || record.step <= this.lastMetricsStep) {
      throw new RunDirectoryError(
        `${this.metricsPath}: metrics step ${record.step} after step ${this.lastMetricsStep} (steps must increase)`,
      );
    }
    this.metricsFd ??= openSync(this.metricsPath, "a");
    this.append(this.metricsFd, [record], this.metricsPath);
    this.lastMetricsStep = record.step;
  }

  /** Appends sample records (flushed to disk). Steps must not decrease. */
  appendSamples(records: readonly StepRecord[]): void {
    let last = this.lastSamplesStep;
    for (const r of records) {
      if (!Number.isInteger(r.step) || r.step < last) {
        throw new RunDirectoryError(
          `${this.samplesPath}: sample of step ${r.step} after step ${last} (steps must not decrease)`,
        );
      }
      last = r.step;
    }
    if (records.length === 0) return;
    this.samplesFd ??= openSync(this.samplesPath, "a");
    this.append(this.samplesFd, records, this.samplesPath);
    this.lastSamplesStep = last;
  }

  /** Appends one step's wall-clock metrics to timings.jsonl (flushed to disk). */
  appendTimings(record: StepRecord): void {
    this.timingsFd ??= openSync(join(this.dir, TIMINGS_FILE), "a");
    this.append(this.timingsFd, [record], join(this.dir, TIMINGS_FILE));
  }

  /** Appends one step's per-example accuracies to examples.jsonl (flushed to disk). */
  appendExampleHistory(records: readonly { step: number }[]): void {
    if (records.length === 0) return;
    this.examplesFd ??= openSync(join(this.dir, EXAMPLES_FILE), "a");
    this.append(this.examplesFd, records as StepRecord[], join(this.dir, EXAMPLES_FILE));
  }

  /** Appends label-audit flags to label_audit.jsonl (flushed to disk). */
  appendLabelFlags(records: readonly { step: number }[]): void {
    if (records.length === 0) return;
    this.labelAuditFd ??= openSync(join(this.dir, LABEL_AUDIT_FILE), "a");
    this.append(this.labelAuditFd, records as StepRecord[], join(this.dir, LABEL_AUDIT_FILE));
  }

  /** Writes eval/<name>.json atomically; returns its path. */
  writeEval(name: string, result: unknown): string {
    return writeRunEval(this.dir, name, result);
  }

  /**
   * Writes checkpoints/step-N (N = state.step) atomically: `fill(dir)` writes into it first (e.g.
   * engine.saveState(dir)), then trainer_state.json is added; then latest.json is updated and old
   * checkpoints beyond config.run.keepCheckpoints (0 = keep all) are removed.
   */
  async saveCheckpoint(
    state: TrainerState,
    fill?: (dir: string) => Promise<void> | void,
  ): Promise<CheckpointRef> {
    if (!Number.isInteger(state.step) || state.step < 0) {
      throw new RunDirectoryError(`checkpoint step must be a non-negative integer, got ${state.step}`);
    }
    const path = join(this.checkpointsDir, `step-${state.step}`);
    const json = `${JSON.stringify(state, null, 2)}\n`;
    try {
      await writeDirAtomic(path, async (tmp) => {
        if (fill) await fill(tmp);
        writeFileAtomic(join(tmp, TRAINER_STATE_FILE), json);
        writeManifest(tmp);
      });
    } catch (err) {
      throw new RunDirectoryError(`cannot write checkpoint ${path}: ${describeFsError(err)}`);
    }
    writeFileAtomic(
      join(this.checkpointsDir, LATEST_FILE),
      `${JSON.stringify({ step: state.step, path: `step-${state.step}` })}\n`,
    );
    const keep = this.config.run.keepCheckpoints;
    if (keep > 0) {
      const all = listCheckpoints(this.checkpointsDir).filter((c) => c.step !== state.step);
      for (const old of all.slice(0, Math.max(0, all.length - (keep - 1))))
        rmSync(old.path, { recursive: true, force: true });
    }
    return { step: state.step, path };
  }

  /** The newest complete checkpoint, or null. */
  latestCheckpoint(): CheckpointRef | null {
    return listCheckpoints(this.checkpointsDir).at(-1) ?? null;
  }

  /** Closes the JSONL files (appending again reopens them). */
  close(): void {
    for (const fd of [this.metricsFd, this.samplesFd, this.timingsFd, this.examplesFd, this.labelAuditFd])
      if (fd !== undefined) closeSync(fd);
    this.examplesFd = undefined;
    this.labelAuditFd = undefined;
    this.metricsFd = undefined;
    this.samplesFd = undefined;
    this.timingsFd = undefined;
  }
}

function writeConfigFile(dir: string, config: Config): void {
  writeFileAtomic(
    join(dir, CONFIG_FILE),
    `${JSON.stringify({ ...config, versions: collectVersions() }, null, 2)}\n`,
  );
}

/** The config stored in a run directory (validated; run.out is the directory given). */
export function readRunConfig(dir: string): Config {
  const abs = resolve(dir);
  const path = join(abs, CONFIG_FILE);
  if (!existsSync(path)) throw new RunDirectoryError(`${abs} is not a run directory (no ${CONFIG_FILE})`);
  const c = parseConfig(readConfigInput(path), path);
  return { ...c, run: { ...c.run, out: dir } };
}

/**
 * Starts a run in `out` (created if needed) before any training: checks that it is writable, and
 * refuses a directory that holds a run with a different config unless `overwrite` (the error says to
 * use --resume or another --out). A previous run with the same config is moved aside to
 * `<out>.replaced-<time>` and started afresh (rerunning a config reproduces it; continuing it is
 * openRunForResume's job). Writes config.json and empty JSONL files.
 */
export function createRunDirectory(
  out: string,
  config: Config,
  options: { overwrite?: boolean } = {},
): RunDirectory {
  const dir = resolve(out);
  ensureWritable(dir);
  const ours = [CONFIG_FILE, METRICS_FILE, SAMPLES_FILE, EVAL_DIR, CHECKPOINTS_DIR];
  const present = ours.filter((n) => existsSync(join(dir, n)));
  let previousRun: string | undefined;
  if (present.length > 0) {
    if (!options.overwrite) {
      let stored: Config;
      try {
        stored = readRunConfig(dir);
      } catch (err) {
        const why =
          err instanceof ConfigError || err instanceof RunDirectoryError ? err.message : String(err);
        throw new RunDirectoryError(
          `${dir} already holds run files (${present.join(", ")}) and its config cannot be read (${why}); ` +
            "use another --out, or remove the directory",
        );
      }
      const diff = configDifferences(stored, config);
      if (diff.length > 0) {
        const shown = diff.slice(0, 5).join(", ") + (diff.length > 5 ? `, … (${diff.length} fields)` : "");
        throw new RunDirectoryError(
          `${dir} already holds a run with a different config (${shown}); ` +
            `use --resume ${out} to continue it, or another --out for a new run`,
        );
      }
    }
    // Nothing trained is lost: the previous run moves aside whole, to <out>.replaced-<time>.
    const aside = `${dir}.replaced-${new Date().toISOString().replace(/[:.]/g, "-")}`;
    renameSync(dir, aside);
    makeDirectory(dir);
    // The writer's lock (run/runLock.ts) stays with the directory it guards.
    if (existsSync(join(aside, LOCK_FILE))) renameSync(join(aside, LOCK_FILE), join(dir, LOCK_FILE));
    previousRun = aside;
  }
  removeLeftovers(dir);
  writeConfigFile(dir, config);
  writeFileAtomic(join(dir, METRICS_FILE), "");
  writeFileAtomic(join(dir, SAMPLES_FILE), "");
  return new RunDirectory(dir, config, {
    lastMetricsStep: Number.NEGATIVE_INFINITY,
    lastSamplesStep: Number.NEGATIVE_INFINITY,
    previousRun,
  });
}

export interface ResumedRun<S extends TrainerState = TrainerState> {
  run: RunDirectory;
  config: Config;
  /** The checkpoint to load (engine.loadState(checkpoint.path)), or null: no checkpoint, start from step 0. */
  checkpoint: CheckpointRef | null;
  /** trainer_state.json of that checkpoint (unchecked beyond `step`; the loop validates its own fields). */
  trainerState: S | null;
}

/**
 * Opens a run for resuming from its newest complete checkpoint: cuts metrics.jsonl and samples.jsonl
 * back to that step (no duplicate or orphan steps), removes temporaries a kill left behind. `config`,
 * when given, replaces the stored one; it may differ only in steps and run logging fields.
 */
export function openRunForResume<S extends TrainerState = TrainerState>(
  dir: string,
  options: { config?: Config; log?: (message: string) => void } = {},
): ResumedRun<S> {
  const abs = resolve(dir);
  const log = options.log ?? (() => {});
  const stored = readRunConfig(dir);
  ensureWritable(abs);
  const checkpointsDir = join(abs, CHECKPOINTS_DIR);
  removeLeftovers(abs);
  removeLeftovers(checkpointsDir);
  removeLeftovers(join(abs, EVAL_DIR));
  const { valid: checkpoint, invalid } = verifiedCheckpoints(checkpointsDir);
  let config = stored;
  if (options.config) {
    const changes = resumeChanges(abs, stored, options.config, checkpoint?.step ?? 0);
    config = { ...options.config, run: { ...options.config.run, out: dir } };
    if (changes.length > 0) {
      // config.json is rewritten only with a record of what changed, at which step, in config_history.jsonl.
      appendConfigHistory(abs, { time: new Date().toISOString(), at_step: checkpoint?.step ?? 0, changes });
      writeConfigFile(abs, config);
      log(
        `${abs}: ${changes.map((c) => `${c.field} ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`).join(", ")} (recorded in ${CONFIG_HISTORY_FILE})`,
      );
    }
  }
  for (const bad of invalid) {
    const aside = `${bad.path}.invalid-${new Date().toISOString().replace(/[:.]/g, "-")}`;
    renameSync(bad.path, aside);
    log(
      `checkpoint step-${bad.step} failed verification (${bad.problem}); moved to ${basename(aside)}; ` +
        (checkpoint ? `resuming from step-${checkpoint.step}` : "no valid checkpoint: starting from step 0"),
    );
  }
  let trainerState: S | null = null;
  if (checkpoint) {
    const statePath = join(checkpoint.path, TRAINER_STATE_FILE);
    let state: unknown;
    try {
      state = readJsonFile(statePath);
    } catch (err) {
      throw new RunDirectoryError(`${statePath}: cannot read trainer state: ${(err as Error).message}`);
    }
    if (typeof state !== "object" || state === null || (state as TrainerState).step !== checkpoint.step) {
      throw new RunDirectoryError(`${statePath}: expected an object with "step": ${checkpoint.step}`);
    }
    trainerState = state as S;
    // latest.json may lag the directories by one (a kill between the two writes): bring it up to date.
    writeFileAtomic(
      join(checkpointsDir, LATEST_FILE),
      `${JSON.stringify({ step: checkpoint.step, path: `step-${checkpoint.step}` })}\n`,
    );
  }
  const maxStep = checkpoint?.step ?? Number.NEGATIVE_INFINITY;
  const metrics = truncateJsonl(join(abs, METRICS_FILE), maxStep);
  const samples = truncateJsonl(join(abs, SAMPLES_FILE), maxStep);
  truncateJsonl(join(abs, TIMINGS_FILE), maxStep);
  truncateJsonl(join(abs, EXAMPLES_FILE), maxStep);
  truncateJsonl(join(abs, LABEL_AUDIT_FILE), maxStep);
  const run = new RunDirectory(abs, config, {
    lastMetricsStep: metrics.at(-1)?.step ?? Number.NEGATIVE_INFINITY,
    lastSamplesStep: samples.at(-1)?.step ?? Number.NEGATIVE_INFINITY,
  });
  return { run, config, checkpoint, trainerState };
}
