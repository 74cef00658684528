import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../core/rng.js";
import { logSoftmax, logSumExp, sampleToken, type TokenFilter } from "./samplingFilter.js";

/** Logits whose softmax is exactly `probs`. */
const logitsOf = (probs: number[]) => Float32Array.from(probs.map(Math.log));

function frequencies(logits: Float32Array, params: TokenFilter, draws: number, seed: number): number[] {
  const rng = new Rng(seed);
  const counts = new Array(logits.length).fill(0);
  for (let i = 0; i < draws; i++) counts[sampleToken(logits, params, rng).token]++;
  return counts.map((c) => c / draws);
}

/** Each frequency within 5 standard errors of its expected probability. */
function assertFrequencies(freq: number[], expected: number[], draws: number) {
  for (let i = 0; i < expected.length; i++) {
    const sd = Math.sqrt((expected[i] * (1 - expected[i])) / draws);
    assert.ok(Math.abs(freq[i] - expected[i]) <= 5 * sd + 1e-12, `token ${i}: ${freq[i]} vs ${expected[i]}`);
  }
}

test("logSoftmax and logSumExp are normalised and stable for large logits", () => {
  const x = Float32Array.from([1000, 1001, 999]);
  const lp = logSoftmax(x);
  const sum = lp.reduce((s, v) => s + Math.exp(v), 0);
  assert.ok(Math.abs(sum - 1) < 1e-6);
  assert.ok(Math.abs(logSumExp(x) - (1001 + Math.log(1 + Math.exp(-1) + Math.exp(-2)))) < 1e-9);
  // Temperature 2 halves the logits.
  assert.ok(Math.abs(logSoftmax(x, 2)[1] - logSoftmax(Float32Array.from([500, 500.5, 499.5]))[1]) < 1e-6);
});

test("temperature 1 samples tokens with their softmax frequencies and reports their log-probabilities", () => {
  const probs = [0.5, 0.25, 0.15, 0.1];
  const logits = logitsOf(probs);
  const draws = 40000;
  assertFrequencies(frequencies(logits, { temperature: 1, topK: 0, topP: 1 }, draws, 1), probs, draws);
  const rng = new Rng(2);
  for (let i = 0; i < 20; i++) {
    const { token, logprob } = sampleToken(logits, { temperature: 1, topK: -1, topP: 1 }, rng);
    assert.ok(Math.abs(logprob - Math.log(probs[token])) < 1e-6);
  }
});

test("temperature sharpens or flattens the distribution; the logprob is at that temperature", () => {
  const probs = [0.6, 0.3, 0.1];
  const logits = logitsOf(probs);
  const draws = 40000;
  // At T = 0.5, p ∝ p_i²: [0.36, 0.09, 0.01] / 0.46.
  const sharp = [0.36, 0.09, 0.01].map((p) => p / 0.46);
  assertFrequencies(frequencies(logits, { temperature: 0.5, topK: 0, topP: 1 }, draws, 3), sharp, draws);
  const { token, logprob } = sampleToken(logits, { temperature: 0.5, topK: 0, topP: 1 }, new Rng(4));
  assert.ok(Math.abs(logprob - Math.log(sharp[token])) < 1e-6);
});

test("top-k never draws outside the k most likely tokens; the logprob is before truncation", () => {
  const probs = [0.1, 0.4, 0.05, 0.3, 0.15];
  const logits = logitsOf(probs);
  const draws = 30000;
  const freq = frequencies(logits, { temperature: 1, topK: 2, topP: 1 }, draws, 5);
  assert.equal(freq[0] + freq[2] + freq[4], 0);
  assertFrequencies(freq, [0, 0.4 / 0.7, 0, 0.3 / 0.7, 0], draws);
  const rng = new Rng(6);
  for (let i = 0; i < 20; i++) {
    const { token, logprob } = sampleToken(logits, { temperature: 1, topK: 2, topP: 1 }, rng);
    assert.ok(Math.abs(logprob - Math.log(probs[token])) < 1e-6, "untruncated logprob");
  }
  // topK ≥ vocabulary size is no truncation.
  const all = frequencies(logits, { temperature: 1, topK: 5, topP: 1 }, draws, 7);
  assertFrequencies(all, probs, draws);
});

test("top-p keeps the smallest set reaching p, measured after top-k", () => {
  const probs = [0.05, 0.5, 0.3, 0.15];
  const logits = logitsOf(probs);
  const draws = 30000;
  // 0.5 < 0.75 ≤ 0.5 + 0.3: the nucleus is {1, 2}.
  const freq = frequencies(logits, { temperature: 1, topK: 0, topP: 0.75 }, draws, 8);
  assert.equal(freq[0] + freq[3], 0);
  assertFrequencies(freq, [0, 0.5 / 0.8, 0.3 / 0.8, 0], draws);
  // 0.85 needs a third token: {1, 2, 3}.
  const wider = frequencies(logits, { temperature: 1, topK: 0, topP: 0.85 }, draws, 9);
  assert.equal(wider[0], 0);
  assert.ok(wider[3] > 0);
  // After top-k = 2 the kept mass is 0.8; p = 0.6 of it is 0.48 < 0.5, so only token 1 remains.
  const both = frequencies(logits, { temperature: 1, topK: 2, topP: 0.6 }, 2000, 10);
  assert.deepEqual(both, [0, 1, 0, 0]);
  // p = 0 still keeps one token.
  assert.deepEqual(frequencies(logits, { temperature: 1, topK: 0, topP: 0 }, 500, 11), [0, 1, 0, 0]);
});

test("top-p over a flat, large vocabulary draws only from the nucleus", () => {
  // 1000 tokens: 10 likely ones (logit 5, weight e^5 ≈ 148.4 each) and 990 at logit 0 (weight 1):
  // the likely ones hold 1484/2474 ≈ 60%, and p = 0.5 needs ⌈0.5·2474/148.4⌉ = 9 of them.
  const logits = new Float32Array(1000);
  for (let i = 0; i < 10; i++) logits[i * 100] = 5;
  const rng = new Rng(12);
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++)
    seen.add(sampleToken(logits, { temperature: 1, topK: 0, topP: 0.5 }, rng).token);
  assert.ok([...seen].every((t) => t % 100 === 0));
  assert.equal(seen.size, 9);
  // p = 0.9 needs part of the flat tail.
  const rng2 = new Rng(13);
  let tail = 0;
  for (let i = 0; i < 2000; i++)
    if (sampleToken(logits, { temperature: 1, topK: 0, topP: 0.9 }, rng2).token % 100) tail++;
  assert.ok(tail > 0);
});

test("temperature 0 is argmax with the temperature-1 logprob, and uses no randomness", () => {
  const probs = [0.2, 0.7, 0.1];
  const rng = new Rng(14);
  const before = rng.state();
  const r = sampleToken(logitsOf(probs), { temperature: 0, topK: 1, topP: 0.1 }, rng);
  assert.equal(r.token, 1);
  assert.ok(Math.abs(r.logprob - Math.log(0.7)) < 1e-6);
  assert.deepEqual(rng.state(), before);
  // Ties go to the lowest index, as argmax does.
  assert.equal(sampleToken(Float32Array.from([1, 3, 3]), { temperature: 0, topK: 0, topP: 1 }, rng).token, 1);
});

test("the same seed gives the same tokens", () => {
  const logits = Float32Array.from({ length: 50 }, (_, i) => Math.sin(i) * 3);
  const params = { temperature: 0.8, topK: 20, topP: 0.9 };
  const run = (seed: number) => {
    const rng = new Rng(seed);
    return Array.from({ length: 100 }, () => sampleToken(logits, params, rng).token);
  };
  assert.deepEqual(run(15), run(15));
  assert.notDeepEqual(run(15), run(16));
});

test("masked (−∞) tokens are never drawn; invalid inputs are rejected", () => {
  const logits = Float32Array.from([0, Number.NEGATIVE_INFINITY, 0]);
  const rng = new Rng(17);
  for (let i = 0; i < 200; i++)
    assert.notEqual(sampleToken(logits, { temperature: 1, topK: 0, topP: 1 }, rng).token, 1);
  const p = { temperature: 1, topK: 0, topP: 1 };
  assert.throws(() => sampleToken(Float32Array.from([0, Number.NaN]), p, rng), /logit 1 is NaN/);
  assert.throws(() => sampleToken(new Float32Array(0), p, rng), /empty/);
  assert.throws(() => sampleToken(Float32Array.from([0]), { ...p, temperature: -1 }, rng), /temperature/);
});
