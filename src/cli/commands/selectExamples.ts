// `rlvr select-examples --history RUN_DIR --method variance|random --top K [--json]`: ranks the examples
// of a run's per-example history (RUN_DIR/examples.jsonl) by the variance of their training accuracy
// (1-shot RLVR, 003 §2.2) or draws K at random, and prints {"examples": [{"id", "prompt", "answer",
// "score"}, …]}, the file `rlvr train --examples FILE` reads.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import { EXAMPLE_SELECTIONS, type ExampleSelection } from "../../core/choices.js";
import { type ExampleVisit, randomExamples, rankByVariance } from "../../core/exampleHistory.js";
import { EXAMPLES_FILE, readJsonl } from "../../run/runDirectory.js";
import { writeOut } from "../output.js";

interface SelectFlags {
  history: string;
  method: ExampleSelection;
  top: number;
  seed: number;
  minVisits: number;
  json?: boolean;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive integer.");
  return n;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected an integer ≥ 0.");
  return n;
}

/** The visits recorded in a run directory's examples.jsonl; the error names the file. */
export function readHistory(runDir: string): ExampleVisit[] {
  const path = join(resolve(runDir), EXAMPLES_FILE);
  if (!existsSync(path))
    throw new Error(`select-examples: ${path} not found (a training run writes it; was RUN_DIR trained?)`);
  const visits = readJsonl(path) as unknown as ExampleVisit[];
  for (const [i, v] of visits.entries()) {
    if (typeof v.id !== "string" || typeof v.accuracy !== "number" || typeof v.question !== "string")
      throw new Error(`${path}: record ${i + 1} lacks id, question or accuracy`);
  }
  if (visits.length === 0) throw new Error(`select-examples: ${path} has no records`);
  return visits;
}

export function registerSelectExamples(program: Command): void {
  program
    .command("select-examples")
    .description(
      "choose training examples for 1-shot RLVR from a run's per-example accuracy history (highest variance, or random)",
    )
    .requiredOption("--history <RUN_DIR>", "a training run (its examples.jsonl)")
    .addOption(new Option("--method <name>", "how to choose").choices(EXAMPLE_SELECTIONS).default("variance"))
    .option("--top <k>", "how many examples", positiveInt, 1)
    .option("--seed <n>", "seed of --method random", nonNegativeInt, 0)
    .option("--min-visits <n>", "--method variance: leave out examples seen fewer times", positiveInt, 2)
    .option("--json", "print only the JSON (the file rlvr train --examples reads)")
    .action((flags: SelectFlags, command: Command) => {
      const visits = readHistory(flags.history);
      const examples =
        flags.method === "variance"
          ? rankByVariance(visits, flags.top, flags.minVisits)
          : randomExamples(visits, flags.top, flags.seed);
      if (examples.length === 0)
        throw new Error(
          `select-examples: no example of ${flags.history} was seen ${flags.minVisits} times or more; train longer or lower --min-visits`,
        );
      if (flags.json) {
        writeOut(command, `${JSON.stringify({ examples }, null, 2)}\n`);
        return;
      }
      const lines = examples.map(
        (e, i) =>
          `${i + 1}. ${e.id}  score ${e.score.toFixed(4)}  answer ${e.answer}  ${e.prompt.slice(0, 80)}`,
      );
      writeOut(command, `${lines.join("\n")}\n${JSON.stringify({ examples })}\n`);
    });
}
