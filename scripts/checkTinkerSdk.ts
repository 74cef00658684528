// `npm run check:tinker-sdk`: the official Tinker Python SDK (0.25.0) drives `rlvr serve` on the shipped
// model and checks every answer (scripts/tinker-sdk/check_server.py). The SDK is installed with
// ../shared/tools/tinker-sdk/install.sh (relative to the repository root; a development machine's copy of
// the SDK and its package mirror); where that is missing the script says so and exits 1. CI does not run it.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadTokenizer } from "../src/engine/tokenizer/loadTokenizer.js";
import { DEFAULT_MODEL_DIR } from "../src/run/models.js";
import { startServer } from "../src/serve/server.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const INSTALL = resolve(ROOT, "../shared/tools/tinker-sdk/install.sh");

if (!existsSync(INSTALL)) {
  process.stderr.write(
    `check:tinker-sdk: ${INSTALL} not found. This check needs the official Tinker SDK 0.25.0 and its installer at ` +
      "../shared/tools/tinker-sdk/ beside the repository (with a pip mirror for its dependencies); nothing was checked.\n",
  );
  process.exit(1);
}
const venv = process.env.TINKER_SDK_VENV ?? join(tmpdir(), "tinker-sdk-venv");
process.stderr.write(`check:tinker-sdk: installing the SDK into ${venv} (minutes the first time)\n`);
const install = spawnSync("bash", [INSTALL, venv], {
  encoding: "utf8",
  stdio: ["ignore", "pipe", "inherit"],
});
const python = install.stdout.trim().split("\n").pop() ?? "";
if (install.status !== 0 || !existsSync(python)) {
  process.stderr.write(
    `check:tinker-sdk: ${INSTALL} failed (exit ${install.status}); see its output above\n`,
  );
  process.exit(1);
}

const tokenizer = loadTokenizer(DEFAULT_MODEL_DIR);
const checkpoints = mkdtempSync(join(tmpdir(), "rlvr-sdk-check-"));
const server = await startServer({ modelDir: DEFAULT_MODEL_DIR, port: 0, checkpointDir: checkpoints });
let status = 1;
try {
  // spawn, not spawnSync: the server runs in this process and must keep answering
  const child = spawn(python, [join(ROOT, "scripts/tinker-sdk/check_server.py")], {
    stdio: "inherit",
    env: {
      ...process.env,
      TINKER_BASE_URL: server.url,
      TINKER_API_KEY: "tml-local",
      TINKER_TELEMETRY: "0",
      RLVR_BASE_MODEL: "arith-warm-start",
      RLVR_PROMPT_TOKENS: tokenizer
        .encode("<|im_start|>user\n12+30=?<|im_end|>\n<|im_start|>assistant\n")
        .join(","),
      RLVR_ANSWER_TOKENS: tokenizer.encode("<think>12+30=42</think>42<|im_end|>").join(","),
    },
  });
  status = await new Promise<number>((done) => child.on("close", (code) => done(code ?? 1)));
} finally {
  await server.close();
  rmSync(checkpoints, { recursive: true, force: true });
}
process.stdout.write(
  status === 0 ? "check:tinker-sdk: passed\n" : `check:tinker-sdk: FAILED (exit ${status})\n`,
);
process.exit(status);
