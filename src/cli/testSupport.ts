// Shared by the CLI integration tests: a tiny random model in Hugging Face layout, and the CLI run
// in-process with its output captured.
import { join } from "node:path";
import { LocalEngine } from "../engine/local/localEngine.js";
import { CharTokenizer } from "../engine/tokenizer/charTokenizer.js";
import { warmStartModelConfig } from "../run/warmStart.js";
import { runCli } from "./main.js";

/** Writes a 1-layer, 32-wide random model with the character tokenizer into `dir`/model. */
export async function tinyModel(dir: string): Promise<string> {
  const out = join(dir, "model");
  const tok = new CharTokenizer();
  const cfg = {
    ...warmStartModelConfig(tok.vocabSize),
    hiddenSize: 32,
    intermediateSize: 64,
    numHiddenLayers: 1,
    headDim: 8,
  };
  const engine = LocalEngine.fromConfig(cfg, 3);
  await engine.saveWeights(out);
  await engine.close();
  tok.save(out);
  return out;
}

/** Runs `rlvr ...args` in-process; resolves to its exit code and what it printed. */
export async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(["node", "rlvr", ...args], {
    writeOut: (t) => {
      out += t;
    },
    writeErr: (t) => {
      err += t;
    },
  });
  return { code, out, err };
}
