import assert from "node:assert/strict";
import { test } from "node:test";
import type { Datum } from "../types.js";
import { ropeTables } from "./model.js";
import type { ModelConfig } from "./modelConfig.js";
import { memberIndices, packDatums, packedFeeds, shareablePrefixLength } from "./prefixPacking.js";

/** A datum over `ids` (targets = ids shifted), weighted from position `weightedFrom` on. */
function datum(ids: number[], weightedFrom: number): Datum {
  return {
    inputTokens: ids.slice(0, -1),
    targetTokens: ids.slice(1),
    weights: ids.slice(1).map((_, t) => (t < weightedFrom ? 0 : 1)),
    advantages: ids.slice(1).map((_, t) => 10 + t),
  };
}

const cfg: ModelConfig = {
  vocabSize: 16,
  hiddenSize: 8,
  intermediateSize: 8,
  numHiddenLayers: 1,
  numAttentionHeads: 2,
  numKeyValueHeads: 1,
  headDim: 4,
  rmsNormEps: 1e-6,
  ropeTheta: 10000,
  maxPositionEmbeddings: 32,
  tieWordEmbeddings: true,
  attentionBias: false,
  modelType: "qwen2",
};

test("shareablePrefixLength stops at the first differing token or target, or a weighted position", () => {
  const prompt = [1, 2, 3, 4];
  // the last prompt position predicts the completion: weighted, and its target differs
  assert.equal(shareablePrefixLength(datum([...prompt, 5, 6], 3), datum([...prompt, 7], 3)), 3);
  // same tokens, but a weight from position 1 on in one of them
  assert.equal(shareablePrefixLength(datum([...prompt, 5, 6], 3), datum([...prompt, 5, 6], 1)), 1);
  // all weights 0 (reference log-probs): every position whose token and target agree, into the completion
  assert.equal(shareablePrefixLength(datum([...prompt, 5, 6], 9), datum([...prompt, 5, 8], 9)), 4);
  assert.equal(shareablePrefixLength(datum([9, ...prompt], 0), datum(prompt, 0)), 0);
});

test("packDatums packs consecutive datums over their shared prefix, and keeps the rest apart", () => {
  const p = [1, 2, 3, 4, 5, 6];
  const datums = [
    datum([...p, 7, 8, 9], 5), // 8 positions
    datum([...p, 10, 11], 5), // 7
    datum([...p, 12, 13, 14], 5), // 8
    datum([9, 9, 9, 9], 1), // shares nothing: a row of its own
    datum([...p, 7], 5), // 6: shares p with nothing before it in its row
  ];
  const rows = packDatums(datums, 64);
  assert.deepEqual(rows, [
    { members: [0, 1, 2], prefixLength: 5, length: 5 + 3 + 2 + 3 },
    { members: [3], prefixLength: 3, length: 3 },
    { members: [4], prefixLength: 6, length: 6 },
  ]);
  // a row never grows past the cap; 0 packs nothing
  assert.deepEqual(
    packDatums(datums.slice(0, 3), 12).map((r) => r.members),
    [[0, 1], [2]],
  );
  assert.deepEqual(
    packDatums(datums, 0).map((r) => r.members),
    [[0], [1], [2], [3], [4]],
  );
  // a datum that would shrink the prefix below the saving starts a new row
  const shortShare = [datum([...p, 7, 8], 5), datum([...p, 9], 5), datum([1, 5, 5, 5, 5, 5, 5], 1)];
  assert.deepEqual(
    packDatums(shortShare, 64).map((r) => r.members),
    [[0, 1], [2]],
  );
});

test("memberIndices: the prefix once, then each member's suffix", () => {
  const p = [1, 2, 3, 4];
  const datums = [datum([...p, 5, 6], 3), datum([...p, 7], 3)];
  const [row] = packDatums(datums, 64);
  assert.deepEqual(memberIndices(row, datums), [
    [0, 1, 2, 3, 4],
    [0, 1, 2, 5],
  ]);
});

test("packedFeeds: each suffix sees the prefix and itself at its own positions; padding is causal", () => {
  const p = [1, 2, 3, 4];
  const datums = [datum([...p, 5, 6], 3), datum([...p, 7], 3)];
  const rows = packDatums(datums, 64);
  const T = 8;
  const f = packedFeeds(cfg, datums, rows, 2, T, ["advantages"]);
  // row 0: [1 2 3 | 4 5 | 4] then padding; targets and weights of each member
  assert.deepEqual([...f.tokens.subarray(0, T)], [1, 2, 3, 4, 5, 4, 0, 0]);
  assert.deepEqual([...f.targets.subarray(0, T)], [2, 3, 4, 5, 6, 7, 0, 0]);
  assert.deepEqual([...f.weights.subarray(0, T)], [0, 0, 0, 1, 1, 1, 0, 0]);
  assert.deepEqual([...f.fields.advantages.subarray(0, T)], [10, 11, 12, 13, 14, 13, 0, 0]);
  const visible = (b: number, i: number) =>
    Array.from({ length: T }, (_, j) => (f.mask[(b * T + i) * T + j] === 0 ? 1 : 0)).join("");
  assert.equal(visible(0, 0), "10000000");
  assert.equal(visible(0, 2), "11100000");
  assert.equal(visible(0, 4), "11111000"); // member 0's second token: prefix and its own first
  assert.equal(visible(0, 5), "11100100"); // member 1's token: the prefix and itself, not member 0
  assert.equal(visible(0, 7), "11111111"); // padding
  assert.equal(visible(1, 3), "11110000"); // a row past the last: causal, never all −∞
  // rotary tables at each token's position in its own sequence: row index 5 is member 1's position 3
  const d = cfg.headDim;
  const at3 = ropeTables([3], cfg);
  assert.deepEqual([...f.cos.subarray(5 * d, 6 * d)], [...Float32Array.from(at3.cos)]);
  assert.deepEqual([...f.sin.subarray(5 * d, 6 * d)], [...Float32Array.from(at3.sin)]);
});

test("sliding-window mask over a packed row: the window counts positions in each member's own sequence", () => {
  // a = [1, 2, 3, 4, 5] and b = [1, 2, 3, 7, 8] share the unweighted prefix [1, 2] (2 positions)
  const datums = [datum([1, 2, 3, 4, 5], 2), datum([1, 2, 3, 7, 8], 2)];
  const rows = packDatums(datums, 64);
  assert.deepEqual(rows, [{ members: [0, 1], prefixLength: 2, length: 6 }]);
  const windowed = { ...cfg, slidingWindow: { size: 2, layers: [0] } };
  const f = packedFeeds(windowed, datums, rows, 1, 6, []);
  assert.equal(
    packedFeeds(cfg, datums, rows, 1, 6, []).slidingMask,
    undefined,
    "only when the config has a window",
  );
  // row: p0 p1 a2 a3 b2 b3 at positions 0 1 2 3 2 3; with window 2 a query sees itself and the position before
  const I = Number.NEGATIVE_INFINITY;
  // biome-ignore format: one mask row per line
  assert.deepEqual([...f.slidingMask!], [
    0, I, I, I, I, I,
    0, 0, I, I, I, I,
    I, 0, 0, I, I, I,
    I, I, 0, 0, I, I,
    I, 0, I, I, 0, I,
    I, I, I, I, 0, 0,
  ]);
  // biome-ignore format: one mask row per line
  assert.deepEqual([...f.mask], [
    0, I, I, I, I, I,
    0, 0, I, I, I, I,
    0, 0, 0, I, I, I,
    0, 0, 0, 0, I, I,
    0, 0, I, I, 0, I,
    0, 0, I, I, 0, 0,
  ]);
});
