// Shared by the CLI integration tests: a tiny random model in Hugging Face layout, and the CLI run
// in-process with its output captured.
import { cpSync } from "node:fs";
import { join } from "node:path";
import { LocalEngine } from "../engine/local/localEngine.js";
import { PACKAGE_ROOT } from "../run/models.js";
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

/**
 * Writes a random 1-layer, 32-wide Qwen2-architecture model with the real Qwen2.5 vocabulary
 * (vocab.json + merges.txt + tokenizer_config.json of test-data/tokenizers/qwen2.5; vocab_size 151936
 * as Qwen2.5's config pads it) into `dir`/qwen: the shape a user's Hugging Face checkpoint has, small.
 */
export async function qwenVocabModel(dir: string): Promise<string> {
  const out = join(dir, "qwen");
  const engine = LocalEngine.fromConfig(
    {
      modelType: "qwen2",
      vocabSize: 151936,
      hiddenSize: 32,
      intermediateSize: 64,
      numHiddenLayers: 1,
      numAttentionHeads: 4,
      numKeyValueHeads: 2,
      headDim: 8,
      rmsNormEps: 1e-6,
      ropeTheta: 1e6,
      maxPositionEmbeddings: 4096,
      tieWordEmbeddings: true,
      attentionBias: true,
    },
    3,
  );
  await engine.saveWeights(out);
  await engine.close();
  for (const f of ["vocab.json", "merges.txt", "tokenizer_config.json"])
    cpSync(join(PACKAGE_ROOT, "test-data", "tokenizers", "qwen2.5", f), join(out, f));
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
