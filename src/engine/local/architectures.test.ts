// Golden parity of the Qwen3, Llama 3 and sliding-window variants with an independent PyTorch decoder
// (bench/decoder_goldens.py, after transformers' modeling_qwen3 / modeling_llama / modeling_qwen2):
// logits of the model graph, logprobs of the training path (packed rows, per-layer masks), and greedy
// decoding through the KV-cache sampler. Each fixture also shows that its feature changes the logits,
// so the parity could not hold without it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { Graph } from "./graph/graph.js";
import { CompiledGraph } from "./graph/runtime.js";
import { LocalEngine } from "./localEngine.js";
import { causalAttention, declareParameters, decoderHidden, lmHead, ropeConstants } from "./model.js";
import type { ModelConfig } from "./modelConfig.js";

interface Golden {
  input_ids: number[][];
  logits: number[][][];
  greedy: { prompt: number[]; tokens: number[]; logprobs: number[] };
}

const fixture = (name: string) => fileURLToPath(new URL(`../../../test-data/${name}/`, import.meta.url));
const goldenOf = (name: string) =>
  JSON.parse(readFileSync(join(fixture(name), "golden.json"), "utf8")) as Golden;

async function graphLogits(
  cfg: ModelConfig,
  params: ReadonlyMap<string, Float32Array>,
  ids: number[][],
): Promise<Float32Array> {
  const [S, T] = [ids.length, ids[0].length];
  const g = new Graph();
  const p = declareParameters(g, cfg);
  const tokens = g.input("tokens", [S, T], "int32");
  const { cos, sin } = ropeConstants(g, cfg, T, "float32");
  g.output(
    "logits",
    lmHead(cfg, p, decoderHidden(cfg, p, { tokens, cos, sin, attention: causalAttention(cfg) })),
  );
  const compiled = await CompiledGraph.compile(g);
  const out = (await compiled.run({ ...Object.fromEntries(params), tokens: Int32Array.from(ids.flat()) }))
    .logits as Float32Array;
  await compiled.release();
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** log softmax of each row of logits [S][T][V], at the target tokens ids[s][t + 1]. */
function targetLogprobs(logits: number[][][], ids: number[][]): number[][] {
  return ids.map((seq, s) =>
    seq.slice(1).map((next, t) => {
      const row = logits[s][t];
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((a, x) => a + Math.exp(x - max), 0));
      return row[next] - lse;
    }),
  );
}

const CASES: {
  name: string;
  check: (cfg: ModelConfig) => void;
  without: (cfg: ModelConfig) => ModelConfig;
}[] = [
  {
    name: "tiny-qwen3",
    check: (cfg) => {
      assert.equal(cfg.modelType, "qwen3");
      assert.equal(cfg.qkNorm, true);
      assert.equal(cfg.attentionBias, false);
      assert.equal(
        cfg.headDim,
        16,
        "head_dim 16 with hidden 32 and 4 heads: q is wider than the hidden state",
      );
    },
    // rotary tables at a different θ: the fixture's θ = 10⁶ matters
    without: (cfg) => ({ ...cfg, ropeTheta: 10000 }),
  },
  {
    name: "tiny-llama3",
    check: (cfg) => {
      assert.equal(cfg.modelType, "llama");
      assert.equal(cfg.ropeScaling?.type, "llama3");
      assert.equal(cfg.attentionBias, true, "q/k/v and o_proj biases");
    },
    without: (cfg) => ({ ...cfg, ropeScaling: undefined }),
  },
  {
    name: "tiny-qwen2-sliding",
    check: (cfg) => assert.deepEqual(cfg.slidingWindow, { size: 4, layers: [1, 2] }),
    without: (cfg) => ({ ...cfg, slidingWindow: undefined }),
  },
];

for (const c of CASES) {
  test(`${c.name}: logits, training-path logprobs and greedy decoding match PyTorch`, async () => {
    const golden = goldenOf(c.name);
    const engine = LocalEngine.fromDirectory(fixture(c.name), { intraOpNumThreads: 1, lengthBucket: 4 });
    try {
      const cfg = engine.config;
      c.check(cfg);
      const logits = await graphLogits(cfg, engine.parameters(), golden.input_ids);
      const err = maxAbsDiff(logits, golden.logits.flat(2));
      assert.ok(err < 2e-4, `logits max abs error ${err}`);
      const altered = await graphLogits(c.without(cfg), engine.parameters(), golden.input_ids);
      assert.ok(maxAbsDiff(altered, golden.logits.flat(2)) > 1e-2, "the feature does not change the logits");

      const lp = await engine.computeLogprobs(golden.input_ids);
      const lpErr = maxAbsDiff(lp.flat(), targetLogprobs(golden.logits, golden.input_ids).flat());
      assert.ok(lpErr < 2e-4, `training-path logprobs max abs error ${lpErr}`);

      const { prompt, tokens, logprobs } = golden.greedy;
      const [sample] = await engine.sample(prompt, 1, {
        temperature: 0,
        topK: -1,
        topP: 1,
        maxTokens: tokens.length,
        seed: 0,
      });
      assert.deepEqual(sample.tokens, tokens);
      assert.ok(
        maxAbsDiff(sample.logprobs, logprobs) < 2e-4,
        `sampled logprobs ${sample.logprobs} vs ${logprobs}`,
      );
    } finally {
      await engine.close();
    }
  });
}
