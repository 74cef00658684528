import assert from "node:assert/strict";
import { test } from "node:test";
import { parameterShapes } from "../src/engine/local/model.js";
import { QWEN25_05B, randomWeights, type ScaleReport, scaleTable } from "./qwenScale.js";

test("the 0.5B shape has Qwen2.5-0.5B's 494M parameters (tied embeddings)", () => {
  const n = [...parameterShapes(QWEN25_05B).values()].reduce((s, sh) => s + sh.reduce((a, b) => a * b, 1), 0);
  assert.equal(n, 494_032_768);
});

test("scaleTable: ours beside PyTorch as speed and size ratios, RSS as a multiple of the weights", () => {
  const report: ScaleReport = {
    machine: { cpu: "x", cores: 2, threads: 2, load_average_before: 1, openblas_coretype: "Haswell" },
    options: {
      threads: 2,
      seqs: 8,
      seqLen: 256,
      microBatchTokens: 256,
      loraRank: 16,
      prompt: 64,
      newTokens: 32,
    },
    weight_mb: 1000,
    local: {
      full: { fwd_bwd_s: 50, adamw_s: 2, step_s: 52, step2_adamw_s: 1, step2_s: 45, peak_rss_mb: 5000 },
      lora: { fwd_bwd_s: 40, adamw_s: 0.01, peak_rss_mb: 1500 },
      sample: { sample_b1_tokens_per_s: 10, sample_b8_tokens_per_s: 40 },
    },
    pytorch: {
      full: { fwd_bwd_s: 100, adamw_s: 1, step_s: 101, step2_adamw_s: 0.5, step2_s: 90, peak_rss_mb: 4000 },
      lora: { fwd_bwd_s: 40, adamw_s: 0.02, peak_rss_mb: 3000 },
      sample: { sample_b1_tokens_per_s: 20, sample_b8_tokens_per_s: 40 },
    },
  };
  const lines = scaleTable(report).split("\n");
  const row = (label: string) => lines.find((l) => l.startsWith(label))!.split(/\s{2,}/);
  assert.deepEqual(row("full FT: forward+backward"), [
    "full FT: forward+backward",
    "50.00 s",
    "100 s",
    "2.00× faster",
    "≤ PyTorch",
  ]);
  assert.deepEqual(row("full FT: AdamW"), [
    "full FT: AdamW (first step: moments allocated)",
    "2.00 s",
    "1.00 s",
    "2.00× slower",
    "≤ PyTorch",
  ]);
  assert.deepEqual(row("full FT: second step  "), [
    "full FT: second step",
    "45.00 s",
    "90.00 s",
    "2.00× faster",
    "≤ PyTorch",
  ]);
  assert.deepEqual(row("full FT: peak RSS"), [
    "full FT: peak RSS (two steps)",
    "5000 MB",
    "4000 MB",
    "1.25×",
    "5.00×",
    "≤ 4.5× weights = 4500 MB",
  ]);
  assert.deepEqual(row("LoRA r16: peak RSS"), [
    "LoRA r16: peak RSS",
    "1500 MB",
    "3000 MB",
    "0.50×",
    "1.50×",
    "≤ 1.6× weights = 1600 MB",
  ]);
  assert.deepEqual(row("sampling, batch 1"), [
    "sampling, batch 1",
    "10.00 tok/s",
    "20.00 tok/s",
    "2.00× slower",
    "≥ PyTorch",
  ]);
  assert.deepEqual(row("sampling, batch 8"), [
    "sampling, batch 8",
    "40.00 tok/s",
    "40.00 tok/s",
    "1.00× faster",
    "≥ PyTorch",
  ]);
  const alone = scaleTable({ ...report, pytorch: { skipped: "no torch" } });
  assert.ok(!alone.includes("PyTorch  "), alone);
  assert.match(alone, /full FT: peak RSS \(two steps\)\s+5000 MB\s+5\.00×/);
});

test("randomWeights: std 0.02 weights, norms 1, biases 0, from the seed", () => {
  const cfg = { ...QWEN25_05B, vocabSize: 64, numHiddenLayers: 1 };
  const p = randomWeights(cfg, 3);
  const w = p.get("model.layers.0.mlp.up_proj.weight")!;
  const std = Math.sqrt(w.reduce((s, x) => s + x * x, 0) / w.length);
  assert.ok(Math.abs(std - 0.02) < 0.0005, `std ${std}`);
  assert.ok(p.get("model.norm.weight")!.every((x) => x === 1));
  assert.ok(p.get("model.layers.0.self_attn.q_proj.bias")!.every((x) => x === 0));
  assert.deepEqual(
    randomWeights(cfg, 3).get("model.embed_tokens.weight"),
    p.get("model.embed_tokens.weight"),
  );
});
