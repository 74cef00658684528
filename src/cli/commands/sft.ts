// `rlvr sft`: trains the warm-start model from scratch on the synthetic task's SFT corpus and
// writes it in Hugging Face layout (config.json, model.safetensors, tokenizer.json).
import { hasTensors } from "../../engine/local/shardedSafetensors.js";
import type { Command } from "commander";
import { ProgressReporter } from "../../run/progress.js";
import { trainWarmStart, WARM_START_DEFAULTS } from "../../run/warmStart.js";
import { writeErr, writeOut } from "../output.js";

interface SftFlags {
  out: string;
  seed: string;
  steps: string;
  batchSize: string;
  lr: string;
  corpusSize: string;
  mistakeShare: string;
  correctionShare: string;
  confirmationShare: string;
  force?: boolean;
}

function share(value: string, flag: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new Error(`sft: ${flag} must be a number in [0, 1], got ${value}`);
  return n;
}

function num(value: string, flag: string, integer: boolean): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new Error(`sft: ${flag} must be a positive ${integer ? "integer" : "number"}, got ${value}`);
  }
  return n;
}

export function registerSft(program: Command): void {
  const d = WARM_START_DEFAULTS;
  program
    .command("sft")
    .description("train the warm-start model from scratch with SFT on the arithmetic corpus")
    .requiredOption("--out <dir>", "output model directory")
    .option("--seed <s>", "seed of the model init, corpus and data order", String(d.seed))
    .option("--steps <n>", "optimizer steps", String(d.steps))
    .option("--batch-size <n>", "documents per step", String(d.batchSize))
    .option("--lr <lr>", "peak learning rate (cosine schedule)", String(d.lr))
    .option("--corpus-size <n>", "documents in the generated corpus", String(d.corpusSize))
    .option("--mistake-share <x>", "share of flawed solutions in the corpus", String(d.mistakeShare))
    .option(
      "--correction-share <x>",
      "share of correction-query documents (corrections and confirmations)",
      String(d.correctionShare),
    )
    .option(
      "--confirmation-share <x>",
      "share of confirmations among the correction-query documents",
      String(d.confirmationShare),
    )
    .option("--force", "replace an existing model in --out")
    .action(async (flags: SftFlags, command: Command) => {
      if (hasTensors(flags.out, "model") && !flags.force) {
        throw new Error(`sft: ${flags.out} already holds a model; pass --force to replace it`);
      }
      const steps = num(flags.steps, "--steps", true);
      const result = await trainWarmStart({
        out: flags.out,
        seed: Number(flags.seed),
        steps,
        batchSize: num(flags.batchSize, "--batch-size", true),
        lr: num(flags.lr, "--lr", false),
        corpusSize: num(flags.corpusSize, "--corpus-size", true),
        mistakeShare: share(flags.mistakeShare, "--mistake-share"),
        correctionShare: share(flags.correctionShare, "--correction-share"),
        confirmationShare: share(flags.confirmationShare, "--confirmation-share"),
        progress: new ProgressReporter({ total: steps, label: "sft (loss)" }),
      });
      writeErr(command, `\nmodel written to ${flags.out}\n`);
      writeOut(
        command,
        `${JSON.stringify({ out: flags.out, final_loss: result.loss, seconds: result.seconds })}\n`,
      );
    });
}
