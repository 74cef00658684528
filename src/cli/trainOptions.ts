// The options every train-like command shares (train, sft, eval, config --print): flags → config
// overrides → parseConfig. Precedence: schema defaults < --config FILE < flags (--set, then named flags).
// With --resume DIR the run's own config.json is the base and only steps/run logging may change.
import { type Command, InvalidArgumentError, Option } from "commander";
import { ALGOS, ENGINE_KINDS, PROMPT_PRESETS } from "../core/choices.js";
import { taskNames } from "../tasks/registry.js";
import {
  type Config,
  ConfigError,
  type ConfigInput,
  mergeConfig,
  parseConfig,
  readConfigInput,
} from "../run/config.js";
import { checkResumeConfig, readRunConfig } from "../run/runDirectory.js";

/** The parsed values of the shared flags (commander's camelCase names). */
export interface TrainFlags {
  config?: string;
  algo?: string;
  task?: string;
  model?: string;
  steps?: number;
  seed?: number;
  out?: string;
  checkpointEvery?: number;
  dataset?: string;
  testDataset?: string;
  questionField?: string;
  answerField?: string;
  skipBadRows?: boolean;
  reward?: string;
  system?: string;
  promptPreset?: string;
  engine?: string;
  baseUrl?: string;
  baseModel?: string;
  loraRank?: number;
  loraAlpha?: number;
  loraDropout?: number;
  examples?: string;
  resume?: string;
  /** "path=value" assignments, e.g. "loss.kl.coef=0". */
  set?: string[];
}

/** Config field path of each named flag, for overrides and for error messages. */
const FLAG_FIELDS: ReadonlyArray<readonly [keyof TrainFlags, string, string]> = [
  ["algo", "algo", "--algo"],
  ["task", "task.name", "--task"],
  ["model", "model", "--model"],
  ["steps", "steps", "--steps"],
  ["seed", "seed", "--seed"],
  ["out", "run.out", "--out"],
  ["checkpointEvery", "run.checkpointEvery", "--checkpoint-every"],
  ["dataset", "task.options.file", "--dataset"],
  ["testDataset", "task.options.testFile", "--test-dataset"],
  ["questionField", "task.options.questionField", "--question-field"],
  ["answerField", "task.options.answerField", "--answer-field"],
  ["skipBadRows", "task.options.skipBadRows", "--skip-bad-rows"],
  ["reward", "reward.module", "--reward"],
  ["system", "task.prompt.system", "--system"],
  ["promptPreset", "task.prompt.preset", "--prompt-preset"],
  ["engine", "engine.kind", "--engine"],
  ["baseUrl", "engine.baseUrl", "--base-url"],
  ["baseModel", "engine.baseModel", "--base-model"],
  ["loraRank", "lora.rank", "--lora-rank"],
  ["loraAlpha", "lora.alpha", "--lora-alpha"],
  ["loraDropout", "lora.dropout", "--lora-dropout"],
  ["examples", "task.examples", "--examples"],
];

function parseNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new InvalidArgumentError("expected a number.");
  return n;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export interface TrainOptionsSpec {
  /** Offer --resume DIR (train-like commands). Default true. */
  resume?: boolean;
}

/** Adds the shared flags to a command. */
export function addTrainOptions(cmd: Command, spec: TrainOptionsSpec = {}): Command {
  cmd
    .option("-c, --config <file>", "JSON config file (see `rlvr config --print` for every field)")
    .addOption(new Option("--algo <name>", "algorithm").choices(ALGOS))
    .option("--task <name>", `task (${taskNames().join(", ")})`)
    .option(
      "--model <dir|id>",
      'model directory, Hugging Face Hub id (org/name[@revision]), or "default" for the shipped warm start',
    )
    .option("--steps <n>", "training steps", parseNumber)
    .option("--seed <n>", "seed of every random stream", parseNumber)
    .option("--out <dir>", "run directory (default runs/<algo>-<task>-seed<seed>)")
    .option("--checkpoint-every <n>", "checkpoint every N steps (0 = only at the end)", parseNumber)
    .option("--dataset <file>", "train on your own problems (JSONL, JSON or Parquet; sets --task dataset)")
    .option("--test-dataset <file>", "held-out problems of --dataset")
    .option("--question-field <name>", "--dataset: the question's field (default question)")
    .option("--answer-field <name>", "--dataset: the gold answer's field (default answer)")
    .option("--skip-bad-rows", "--dataset: leave out rows without a usable question or answer (counted)")
    .option("--reward <module>", "your reward: a module exporting score(completion, example)")
    .option("--system <text>", "a system turn before every question")
    .addOption(
      new Option("--prompt-preset <name>", "a seed paper's prompt (suffix or system turn)").choices(
        PROMPT_PRESETS,
      ),
    )
    .addOption(
      new Option("--engine <kind>", "engine that samples and trains (tinker: a Tinker server)").choices(
        ENGINE_KINDS,
      ),
    )
    .option("--base-url <url>", "--engine tinker: the server's URL (API key from $TINKER_API_KEY)")
    .option("--base-model <name>", "--engine tinker: the server's base model")
    .option(
      "--lora-rank <r>",
      "train LoRA adapters of rank r on frozen weights (default: full fine-tuning; on Tinker, rank 32)",
      parseNumber,
    )
    .option("--lora-alpha <a>", "LoRA's α: the update is scaled by α/r (default 32)", parseNumber)
    .option(
      "--lora-dropout <p>",
      "LoRA's dropout on the adapters' input, in training (default 0)",
      parseNumber,
    )
    .option(
      "--examples <file>",
      "train on these examples only (rlvr select-examples --json), repeated to fill the batch",
    )
    .option(
      "--set <path=value>",
      "set any config field, e.g. --set loss.kl.coef=0 (repeatable; value is JSON or a string)",
      collect,
    );
  if (spec.resume !== false) cmd.option("--resume <dir>", "continue the run in DIR from its last checkpoint");
  return cmd;
}

/** Parses one --set assignment into a nested override object. */
export function parseSetAssignment(assignment: string): ConfigInput {
  const eq = assignment.indexOf("=");
  const path = eq < 0 ? "" : assignment.slice(0, eq).trim();
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(path)) {
    throw new ConfigError("command line", [
      { path: "", message: `--set ${JSON.stringify(assignment)}: expected path=value, e.g. loss.kl.coef=0` },
    ]);
  }
  const raw = assignment.slice(eq + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // not JSON: a plain string (e.g. --set model=runs/x)
  }
  const keys = path.split(".");
  let out: unknown = value;
  for (let i = keys.length - 1; i >= 0; i--) out = { [keys[i]]: out };
  return out as ConfigInput;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let o = target;
  for (const k of keys.slice(0, -1)) {
    o[k] ??= {};
    o = o[k] as Record<string, unknown>;
  }
  o[keys[keys.length - 1]] = value;
}

/** The config overrides the flags ask for (--set first, then the named flags, which win). Pure. */
export function flagsToOverrides(flags: TrainFlags): ConfigInput {
  let out: ConfigInput = {};
  for (const a of flags.set ?? []) out = mergeConfig(out, parseSetAssignment(a));
  const named: Record<string, unknown> = {};
  for (const [flag, field] of FLAG_FIELDS) {
    if (flags[flag] !== undefined) setPath(named, field, flags[flag]);
  }
  if (flags.dataset !== undefined && flags.task === undefined) setPath(named, "task.name", "dataset");
  return mergeConfig(out, named);
}

/** Re-labels schema errors caused by flags: source "command line", the flag name where there is one. */
function parseWithFlags(base: unknown, flags: TrainFlags): Config {
  try {
    return parseConfig(mergeConfig(base, flagsToOverrides(flags)), "command line");
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const flagOf = new Map(
      FLAG_FIELDS.filter(([f]) => flags[f] !== undefined).map(([, field, name]) => [field, name]),
    );
    throw new ConfigError(
      "command line",
      err.issues.map((i) => (flagOf.has(i.path) ? { path: flagOf.get(i.path)!, message: i.message } : i)),
    );
  }
}

/**
 * The resolved config of a command's flags: --config FILE (validated on its own first, so its errors
 * name the file) merged with the flags. Throws ConfigError.
 */
export function resolveConfig(flags: TrainFlags): Config {
  let base: unknown = {};
  if (flags.config) {
    base = readConfigInput(flags.config);
    parseConfig(base, flags.config);
  }
  return parseWithFlags(base, flags);
}

export interface ResolvedTrain {
  config: Config;
  /** Set with --resume: pass to openRunForResume(resume, { config }). */
  resume?: string;
}

/**
 * resolveConfig, plus --resume: the run's stored config is the base; --config is refused, and the flags
 * may change only steps and run logging (--steps, --checkpoint-every, --set run.…).
 */
export function resolveTrainConfig(flags: TrainFlags): ResolvedTrain {
  if (flags.resume === undefined) return { config: resolveConfig(flags) };
  if (flags.config)
    throw new Error("--config cannot be combined with --resume (a resumed run keeps its config.json)");
  const stored = readRunConfig(flags.resume);
  if (flags.out !== undefined && flags.out !== flags.resume) {
    throw new Error(
      `--out ${flags.out} differs from --resume ${flags.resume}; a run resumes in its own directory`,
    );
  }
  const config = parseWithFlags(stored, { ...flags, out: undefined });
  checkResumeConfig(flags.resume, stored, config);
  return { config, resume: flags.resume };
}
