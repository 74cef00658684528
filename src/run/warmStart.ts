// The SFT warm start: a small character-level Qwen2 model trained from scratch on the synthetic
// task's corpus (solutions, flawed solutions, correction demonstrations) to an imperfect level, so
// that RL has room to show what it does. Reproducible from a seed; writes a Hugging Face layout
// directory (config.json, model.safetensors, tokenizer.json) that every command can load.
import { join } from "node:path";
import { type SftPair, sftStep } from "../algorithms/sft.js";
import { writeFileAtomic } from "../core/atomicFile.js";
import { Rng } from "../core/rng.js";
import { learningRateAt } from "../core/schedule.js";
import { LocalEngine } from "../engine/local/localEngine.js";
import type { ModelConfig } from "../engine/local/modelConfig.js";
import { CharTokenizer } from "../engine/tokenizer/charTokenizer.js";
import { generateSftCorpus } from "../tasks/sftCorpus.js";
import type { ProgressReporter } from "./progress.js";

/** The shipped model's shape: ~0.8M parameters, trains in minutes on two cores. */
export function warmStartModelConfig(vocabSize: number): ModelConfig {
  return {
    modelType: "qwen2",
    vocabSize,
    hiddenSize: 128,
    intermediateSize: 384,
    numHiddenLayers: 4,
    numAttentionHeads: 4,
    numKeyValueHeads: 2,
    headDim: 32,
    rmsNormEps: 1e-6,
    ropeTheta: 10000,
    maxPositionEmbeddings: 512,
    tieWordEmbeddings: true,
    attentionBias: true,
  };
}

export interface WarmStartOptions {
  out: string;
  seed: number;
  steps: number;
  batchSize: number;
  lr: number;
  /** Corpus documents (examples are drawn in order, epoch-wise shuffled). */
  corpusSize: number;
  /** The corpus's document shares (see SftCorpusOptions); WARM_START_DEFAULTS when left out. */
  mistakeShare?: number;
  correctionShare?: number;
  confirmationShare?: number;
  progress?: ProgressReporter;
}

export const WARM_START_DEFAULTS = {
  seed: 0,
  steps: 3000,
  batchSize: 32,
  lr: 3e-3,
  corpusSize: 20_000,
  // Flawed solutions are 0.4 / (1 − 0.3) ≈ 57% of the solution documents: the model samples a slip in
  // most answers (≈38% right at temperature 1) but has learnt the arithmetic (76% greedy), so RL has
  // room. Confirmations are 60% of the correction documents so a guide phrase does not mean "change it".
  mistakeShare: 0.4,
  correctionShare: 0.3,
  confirmationShare: 0.6,
} as const;

/** Trains the warm start and saves it to `out`; returns the final training loss. */
export async function trainWarmStart(o: WarmStartOptions): Promise<{ loss: number; seconds: number }> {
  const t0 = performance.now();
  const tokenizer = new CharTokenizer();
  const engine = LocalEngine.fromConfig(warmStartModelConfig(tokenizer.vocabSize), o.seed, { seed: o.seed });
  const shares = {
    mistakeShare: o.mistakeShare ?? WARM_START_DEFAULTS.mistakeShare,
    correctionShare: o.correctionShare ?? WARM_START_DEFAULTS.correctionShare,
    confirmationShare: o.confirmationShare ?? WARM_START_DEFAULTS.confirmationShare,
  };
  const corpus: SftPair[] = generateSftCorpus({ count: o.corpusSize, seed: o.seed, ...shares });
  let order = new Rng(o.seed).shuffle(corpus);
  let loss = Number.NaN;
  for (let s = 0; s < o.steps; s++) {
    const start = (s * o.batchSize) % order.length;
    if (start < o.batchSize && s > 0) order = Rng.derive(o.seed, s).shuffle(corpus);
    const batch = order.slice(start, start + o.batchSize);
    const lr = learningRateAt(s, o.steps, {
      baseLr: o.lr,
      schedule: "cosine",
      warmupRatio: 0.05,
      minLrRatio: 0.1,
    });
    const adam = { learningRate: lr, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.01, gradClipNorm: 1 };
    const out = await sftStep(engine, tokenizer, batch, adam, o.batchSize);
    loss = out.loss;
    o.progress?.update(s + 1, { reward: loss });
  }
  await engine.saveWeights(o.out);
  tokenizer.save(o.out);
  writeFileAtomic(
    join(o.out, "warm_start.json"),
    `${JSON.stringify({ seed: o.seed, steps: o.steps, batchSize: o.batchSize, lr: o.lr, corpusSize: o.corpusSize, ...shares, finalLoss: loss }, null, 2)}\n`,
  );
  await engine.close();
  return { loss, seconds: (performance.now() - t0) / 1000 };
}
