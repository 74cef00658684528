// `rlvr logprobs --model DIR --input FILE.json`: per-token logprobs of FILE's `input_ids` (an array
// of token-id arrays) under the checkpoint in DIR (Hugging Face layout), printed as
// {"logprobs": [[...], ...]} where index t = log p(token t+1 | tokens ≤ t).
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { LocalEngine } from "../../engine/local/localEngine.js";
import { writeOut } from "../output.js";

interface LogprobsFlags {
  model: string;
  input: string;
  threads?: string;
}

/** Reads and checks FILE.json's `input_ids`; errors name the file and the sequence at fault. */
export function readInputIds(file: string): number[][] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`${file}: cannot read JSON (${(err as Error).message})`);
  }
  const ids = (json as { input_ids?: unknown } | null)?.input_ids;
  if (!Array.isArray(ids)) throw new Error(`${file}: field "input_ids" must be an array of token-id arrays`);
  return ids.map((seq, i) => {
    if (!Array.isArray(seq) || !seq.every((t) => Number.isInteger(t) && t >= 0)) {
      throw new Error(`${file}: input_ids[${i}] must be an array of non-negative integers`);
    }
    if (seq.length < 2) throw new Error(`${file}: input_ids[${i}] has ${seq.length} tokens, need at least 2`);
    return seq as number[];
  });
}

export function registerLogprobs(program: Command): void {
  program
    .command("logprobs")
    .description("print per-token logprobs of token sequences under a checkpoint (local engine)")
    .requiredOption(
      "--model <dir>",
      "checkpoint directory: config.json + model.safetensors (or its shards and index)",
    )
    .requiredOption("--input <file>", 'JSON file with "input_ids": [[token ids], ...]')
    .option("--threads <n>", "CPU threads (default: all cores)")
    .addHelpText("after", '\nOutput: {"logprobs": [[...], ...]}, index t = log p(token t+1 | tokens ≤ t).')
    .action(async (flags: LogprobsFlags, command: Command) => {
      const sequences = readInputIds(flags.input);
      const threads = flags.threads === undefined ? undefined : Number(flags.threads);
      if (threads !== undefined && !(Number.isInteger(threads) && threads > 0)) {
        throw new Error(`logprobs: --threads must be a positive integer, got ${flags.threads}`);
      }
      const engine = LocalEngine.fromDirectory(flags.model, { intraOpNumThreads: threads });
      try {
        const logprobs = await engine.computeLogprobs(sequences);
        writeOut(command, `${JSON.stringify({ logprobs })}\n`);
      } finally {
        await engine.close();
      }
    });
}
