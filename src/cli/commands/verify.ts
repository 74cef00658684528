/**
 * `rlvr verify`: checks predicted answers against gold answers.
 *
 *   rlvr verify --gold G --pred P [--json] [--kind answer|solution] [--timeout-ms N]
 *   rlvr verify --jsonl FILE        (lines {"gold", "pred"}; one result object per line, in order)
 *
 * With `--kind solution` the prediction is a whole solution and its final answer is extracted first.
 */

import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Command } from "commander";
import { AnswerVerifier, type VerifyResult } from "../../verifiers/verify.js";

interface VerifyCommandOptions {
  gold?: string;
  pred?: string;
  jsonl?: string;
  json?: boolean;
  kind: string;
  timeoutMs: string;
}

function check(verifier: AnswerVerifier, kind: string, gold: string, pred: string): Promise<VerifyResult> {
  return kind === "solution" ? verifier.verifySolution(gold, pred) : verifier.verifyAnswer(gold, pred);
}

function asJson(r: VerifyResult): string {
  return JSON.stringify({ equivalent: r.equivalent, reason: r.reason, extracted: r.extracted ?? null });
}

async function runJsonl(
  verifier: AnswerVerifier,
  file: string,
  kind: string,
  write: (s: string) => void,
): Promise<void> {
  const lines = createInterface({
    input: file === "-" ? process.stdin : createReadStream(file),
    crlfDelay: Infinity,
  });
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === "") continue;
    let result: VerifyResult;
    try {
      const row = JSON.parse(line) as { gold?: unknown; pred?: unknown };
      if (typeof row.gold !== "string" || typeof row.pred !== "string") {
        result = { equivalent: false, reason: `${file}:${lineNo}: fields "gold" and "pred" must be strings` };
      } else {
        result = await check(verifier, kind, row.gold, row.pred);
      }
    } catch (error) {
      result = { equivalent: false, reason: `${file}:${lineNo}: invalid JSON (${(error as Error).message})` };
    }
    write(`${asJson(result)}\n`);
  }
}

export function registerVerify(program: Command): Command {
  return program
    .command("verify")
    .description("check whether predicted answers are equivalent to gold answers")
    .option("--gold <answer>", "gold answer")
    .option("--pred <answer>", "predicted answer (or whole solution with --kind solution)")
    .option("--jsonl <file>", 'JSONL file of {"gold","pred"} lines ("-" for stdin); one JSON result per line')
    .option("--json", "print the result as JSON")
    .option(
      "--kind <kind>",
      "answer | solution (extract the final answer from a whole solution first)",
      "answer",
    )
    .option("--timeout-ms <ms>", "time budget of each check, start-up of the algebra worker included", "2000")
    .action(async (opts: VerifyCommandOptions, cmd: Command) => {
      // Through commander's output configuration, so that callers (and tests) can capture it.
      const out = (s: string) => {
        const writeOut = cmd.configureOutput().writeOut;
        if (writeOut) writeOut(s);
        else process.stdout.write(s);
      };
      if (opts.kind !== "answer" && opts.kind !== "solution")
        cmd.error(`--kind must be "answer" or "solution", not "${opts.kind}"`);
      const timeoutMs = Number(opts.timeoutMs);
      if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) cmd.error("--timeout-ms must be a positive number");
      // One comparison needs no spare worker: starting one would only compete for the CPU.
      const verifier = new AnswerVerifier({ timeoutMs, spareWorker: opts.jsonl !== undefined });
      try {
        if (opts.jsonl !== undefined) {
          // Many checks: start the algebra worker once, before the first line, so that its start-up
          // is not charged to whichever line happens to need it first.
          await verifier.warmUp();
          await runJsonl(verifier, opts.jsonl, opts.kind, out);
          return;
        }
        if (opts.gold === undefined || opts.pred === undefined)
          cmd.error("give --gold and --pred, or --jsonl FILE");
        const result = await check(verifier, opts.kind, opts.gold!, opts.pred!);
        if (opts.json) out(`${asJson(result)}\n`);
        else
          out(
            `${result.equivalent ? "equivalent" : "not equivalent"}: ${result.reason}${result.extracted !== undefined ? ` (extracted: ${result.extracted})` : ""}\n`,
          );
      } finally {
        await verifier.close();
      }
    });
}
