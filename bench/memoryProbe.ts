// Where the local engine's memory goes at the Qwen2.5-0.5B shape (bench/qwenScale.ts) with fewer layers:
// peak RSS after each phase of forward+backward, AdamW, a second forward+backward (with the AdamW moments
// alive), and the live ArrayBuffer bytes after each. Layers scale the activations; the embedding, LM head and
// their gradients stay the 0.5B model's (vocabulary 151,936). One process per measurement.
// Usage: npx tsx bench/memoryProbe.ts LAYERS full|lora SEQUENCES   (256-token sequences, micro-batches of 256)
import { LORA_TARGET_MODULES } from "../src/core/choices.js";
import { Rng } from "../src/core/rng.js";
import { LocalEngine } from "../src/engine/local/localEngine.js";
import { parameterShapes } from "../src/engine/local/model.js";
import { DEFAULT_ADAM, type Datum } from "../src/engine/types.js";
import { QWEN25_05B, randomWeights } from "./qwenScale.js";

const layers = Number(process.argv[2] ?? 2);
const mode = process.argv[3] ?? "full";
const seqs = Number(process.argv[4] ?? 2);
if (!Number.isInteger(layers) || layers < 0 || !["full", "lora"].includes(mode) || !(seqs >= 1))
  throw new Error("usage: npx tsx bench/memoryProbe.ts LAYERS full|lora SEQUENCES");
const cfg = { ...QWEN25_05B, numHiddenLayers: layers };
const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
const figures: Record<string, number> = {};
const record = (phase: string) => {
  figures[`${phase}_peak_rss_mib`] = Math.round(process.resourceUsage().maxRSS / 1024);
  figures[`${phase}_array_buffers_mib`] = mib(process.memoryUsage().arrayBuffers);
};
const weights = [...parameterShapes(cfg).values()].reduce((n, s) => n + 4 * s.reduce((a, b) => a * b, 1), 0);
figures.weights_mib = mib(weights);
const lora =
  mode === "lora" ? { rank: 16, alpha: 32, dropout: 0, targetModules: [...LORA_TARGET_MODULES] } : undefined;
const engine = new LocalEngine(cfg, randomWeights(cfg, 1), {
  intraOpNumThreads: 2,
  microBatchTokens: 256,
  seed: 1,
  lora,
});
record("init");
const rng = new Rng(2);
const datums: Datum[] = Array.from({ length: seqs }, () => {
  const s = Array.from({ length: 257 }, () => rng.int(0, cfg.vocabSize - 1));
  return {
    inputTokens: s.slice(0, -1),
    targetTokens: s.slice(1),
    weights: new Array(256).fill(1 / (seqs * 256)),
  };
});
await engine.forwardBackward(datums, { kind: "cross_entropy" });
record("fwd_bwd");
await engine.optimStep({ ...DEFAULT_ADAM, learningRate: 1e-4 });
record("adamw");
await engine.forwardBackward(datums, { kind: "cross_entropy" });
record("fwd_bwd_2");
console.log(JSON.stringify({ layers, mode, seqs, ...figures }));
await engine.close();
