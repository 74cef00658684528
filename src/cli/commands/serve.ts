// `rlvr serve --model DIR [--host 127.0.0.1] [--port 8000] [--api-key KEY]`: the model on the local engine
// behind the Tinker training API and an OpenAI-compatible API. The work is serve/server.ts's.
import type { Command } from "commander";
import { locateModel } from "../../run/models.js";
import { startServer } from "../../serve/server.js";
import { closeOnStopSignal, parsePort } from "../longRunning.js";
import { writeOut } from "../output.js";

interface ServeFlags {
  model: string;
  host: string;
  port: string;
  apiKey?: string;
  checkpointDir: string;
  threads?: string;
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description(
      "serve a model for training and sampling: the Tinker REST API (/api/v1, the official Tinker SDK works) and OpenAI's /v1 completions",
    )
    .requiredOption(
      "--model <dir>",
      'model directory (Hugging Face layout), or "default" for the shipped warm start',
    )
    .option("--host <address>", "address to listen on (another than loopback needs --api-key)", "127.0.0.1")
    .option("--port <n>", "port (0 = any free port)", "8000")
    .option("--api-key <key>", "require this key (X-API-Key or Authorization: Bearer)")
    .option("--checkpoint-dir <dir>", "where tinker:// checkpoints are written", "serve-checkpoints")
    .option("--threads <n>", "onnxruntime threads per op (default: every core)")
    .action(async (flags: ServeFlags, command: Command) => {
      const port = parsePort("serve", flags.port);
      const threads = flags.threads === undefined ? undefined : Number(flags.threads);
      if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1))
        throw new Error(`serve: --threads must be a positive integer, got ${flags.threads}`);
      const server = await startServer({
        modelDir: await locateModel(flags.model),
        host: flags.host,
        port,
        apiKey: flags.apiKey,
        checkpointDir: flags.checkpointDir,
        threads,
      });
      writeOut(
        command,
        `rlvr serve: ${server.url} (Tinker API at ${server.url}/api/v1, OpenAI at ${server.url}/v1; Ctrl-C to stop)\n`,
      );
      await closeOnStopSignal(() => server.close());
    });
}
