// The tiny Qwen2 shape the engine's unit tests build graphs for (2 layers, hidden 8, 4 heads of 4, 2 kv
// heads, vocabulary 11): small enough for finite differences in float64.
import type { ModelConfig } from "./modelConfig.js";

export function tinyModelConfig(overrides: Partial<ModelConfig> = {}): ModelConfig {
  return {
    vocabSize: 11,
    hiddenSize: 8,
    intermediateSize: 12,
    numHiddenLayers: 2,
    numAttentionHeads: 4,
    numKeyValueHeads: 2,
    headDim: 4,
    rmsNormEps: 1e-6,
    ropeTheta: 10000,
    maxPositionEmbeddings: 16,
    tieWordEmbeddings: true,
    attentionBias: true,
    modelType: "qwen2",
    ...overrides,
  };
}
