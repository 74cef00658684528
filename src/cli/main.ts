// The `rlvr` command line. Each command lives in commands/<name>.ts and exports register<Name>(program).
// Errors: a thrown error prints `rlvr: <message>` and exits 1 (the stack only with RLVR_DEBUG set).
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { Command, CommanderError } from "commander";
import { registerConfig } from "./commands/config.js";
import { registerDashboard } from "./commands/dashboard.js";
import { registerEval } from "./commands/eval.js";
import { registerLogprobs } from "./commands/logprobs.js";
import { registerReport } from "./commands/report.js";
import { registerServe } from "./commands/serve.js";
import { registerSelectExamples } from "./commands/selectExamples.js";
import { registerSft } from "./commands/sft.js";
import { registerTokenize } from "./commands/tokenize.js";
import { registerTrain } from "./commands/train.js";
import { registerVerify } from "./commands/verify.js";

function packageVersion(): string {
  // src/cli/main.ts and dist/cli/main.js are both two levels below the package root.
  try {
    return (
      JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
    ).version;
  } catch {
    return "unknown";
  }
}

export interface CliOutput {
  writeOut(text: string): void;
  writeErr(text: string): void;
}

const processOutput: CliOutput = {
  writeOut: (t) => process.stdout.write(t),
  writeErr: (t) => process.stderr.write(t),
};

/** The program with every command registered; commander's own exits are turned into exceptions. */
export function createProgram(output: CliOutput = processOutput): Command {
  const program = new Command();
  program
    .name("rlvr")
    .description(
      "Reinforcement learning from verifiable rewards: GRPO (with the CoRPO and other group baselines), MGRPO, PPO with a critic, STaR (with rationalisation or external prompts) and 1-shot RLVR on language models",
    )
    .version(packageVersion(), "-V, --version")
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({
      writeOut: (t) => output.writeOut(t),
      writeErr: (t) => output.writeErr(t),
      outputError: (t, write) => write(`rlvr: ${t.replace(/^error: /, "")}`),
    });
  registerTrain(program);
  registerSft(program);
  registerEval(program);
  registerVerify(program);
  registerConfig(program);
  registerLogprobs(program);
  registerTokenize(program);
  registerDashboard(program);
  registerReport(program);
  registerServe(program);
  registerSelectExamples(program);
  return program;
}

function prefixLines(message: string): string {
  return message
    .split("\n")
    .map((l) => `rlvr: ${l}`)
    .join("\n");
}

/** Runs the CLI on argv (process.argv layout: node, script, ...args); resolves to the exit code. */
export async function runCli(argv: string[], output: CliOutput = processOutput): Promise<number> {
  const program = createProgram(output);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode; // already printed (or help/version: 0)
    const message = err instanceof Error ? err.message : String(err);
    output.writeErr(`${prefixLines(message)}\n`);
    if (process.env.RLVR_DEBUG && err instanceof Error && err.stack) output.writeErr(`${err.stack}\n`);
    return 1;
  }
}

/** Entry point of bin/rlvr.js. Sets the exit code rather than exiting, so buffered output is flushed. */
export async function main(argv: string[]): Promise<void> {
  process.exitCode = await runCli(argv);
}

// Run directly (`tsx src/cli/main.ts …`, as the npm scripts do), not only through bin/rlvr.js.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void main(process.argv);
