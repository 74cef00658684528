// Where a command writes: the program's configured output (process.stdout/stderr by default,
// captured by tests through createProgram/runCli). Commands use these instead of process.stdout.
import type { Command } from "commander";

/** Writes to the command's standard output. */
export function writeOut(cmd: Command, text: string): void {
  const write = cmd.configureOutput().writeOut;
  if (write) write(text);
  else process.stdout.write(text);
}

/** Writes to the command's standard error. */
export function writeErr(cmd: Command, text: string): void {
  const write = cmd.configureOutput().writeErr;
  if (write) write(text);
  else process.stderr.write(text);
}
