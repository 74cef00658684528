// Draws one token from a row of logits with temperature, top-k and top-p (nucleus) filtering.
// The reported logprob is log softmax(logits / T) of the drawn token, i.e. under the tempered
// distribution *before* truncation (as vLLM and Tinker report it); T = 0 is greedy argmax with the
// logprob at T = 1. Order as in Hugging Face's logits warpers: temperature, top-k, then top-p
// (Holtzman et al. 2020: the smallest set of most likely tokens with cumulative probability ≥ p,
// measured after top-k, at least one token), renormalise, draw with one `rng.next()`.
import type { Rng } from "../../core/rng.js";

export interface TokenFilter {
  /** 0 = greedy (argmax). */
  temperature: number;
  /** ≤ 0 or ≥ vocabulary size disables top-k. Tokens tied with the k-th largest are kept. */
  topK: number;
  /** ≥ 1 disables top-p; ≤ 0 keeps only the most likely token. */
  topP: number;
}

export interface SampledToken {
  token: number;
  logprob: number;
}

// Reused between calls (sampling is per token, single-threaded); grown to the vocabulary size.
let weightsScratch = new Float64Array(0);
let selectScratch = new Float64Array(0);

function scratch(size: number): { w: Float64Array; sel: Float64Array } {
  if (weightsScratch.length < size) {
    weightsScratch = new Float64Array(size);
    selectScratch = new Float64Array(size);
  }
  return { w: weightsScratch, sel: selectScratch };
}

/** Largest finite-or-infinite logit; throws on NaN or when every logit is −∞. */
function maxLogit(logits: Float32Array): { max: number; argmax: number } {
  let max = Number.NEGATIVE_INFINITY;
  let argmax = -1;
  for (let i = 0; i < logits.length; i++) {
    const x = logits[i];
    if (Number.isNaN(x)) throw new Error(`sampleToken: logit ${i} is NaN`);
    if (x > max) {
      max = x;
      argmax = i;
    }
  }
  if (argmax < 0) throw new Error("sampleToken: every logit is -Infinity (or the row is empty)");
  if (max === Number.POSITIVE_INFINITY) throw new Error(`sampleToken: logit ${argmax} is +Infinity`);
  return { max, argmax };
}

/** log Σ exp(x_i / T), computed stably. */
export function logSumExp(logits: Float32Array, temperature = 1): number {
  const { max } = maxLogit(logits);
  const invT = 1 / temperature;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp((logits[i] - max) * invT);
  return max * invT + Math.log(sum);
}

/** log softmax(x / T) of a whole row. */
export function logSoftmax(logits: Float32Array, temperature = 1): Float32Array {
  const lse = logSumExp(logits, temperature);
  const invT = 1 / temperature;
  const out = new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = logits[i] * invT - lse;
  return out;
}

// Hoare-style quickselect: the k-th largest (k ≥ 1) of a[0..n), reordering a in place.
function kthLargest(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] > pivot) i++;
      while (a[j] < pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return a[target];
  }
  return a[target];
}

/** Draws u·mass from the weights over `indices` (in order); falls back to the last one with weight. */
function drawFrom(w: Float64Array, indices: Uint32Array, count: number, mass: number, u: number): number {
  const target = u * mass;
  let cum = 0;
  let last = indices[0];
  for (let j = 0; j < count; j++) {
    const i = indices[j];
    if (w[i] <= 0) continue;
    cum += w[i];
    last = i;
    if (cum > target) return i;
  }
  return last;
}

/**
 * Smallest prefix (by descending weight) of the kept tokens whose weight reaches topP·mass.
 * Only tokens with weight ≥ t·mass can be in it once those already reach the target, so sort
 * those, lowering t until they do: a full sort is needed only for very flat distributions.
 */
function nucleus(
  w: Float64Array,
  vocab: number,
  mass: number,
  topP: number,
): { indices: Uint32Array; count: number } {
  const target = topP * mass;
  let candidates = new Uint32Array(0);
  let n = 0;
  for (let t = 1 / 64; ; t /= 64) {
    const floor = t < 1e-12 ? 0 : t * mass;
    let candidateMass = 0;
    n = 0;
    for (let i = 0; i < vocab; i++) if (w[i] > 0 && w[i] >= floor) n++;
    candidates = new Uint32Array(n);
    n = 0;
    for (let i = 0; i < vocab; i++) {
      if (w[i] > 0 && w[i] >= floor) {
        candidates[n++] = i;
        candidateMass += w[i];
      }
    }
    if (candidateMass >= target || floor === 0) break;
  }
  candidates.sort((a, b) => w[b] - w[a] || a - b);
  let cum = 0;
  let count = 0;
  while (count < n) {
    cum += w[candidates[count++]];
    if (cum >= target) break;
  }
  return { indices: candidates, count: Math.max(count, 1) };
}

export function sampleToken(logits: Float32Array, params: TokenFilter, rng: Rng): SampledToken {
  const { temperature, topK, topP } = params;
  if (!(temperature >= 0)) throw new Error(`sampleToken: temperature must be ≥ 0, got ${temperature}`);
  if (Number.isNaN(topP)) throw new Error("sampleToken: topP is NaN");
  const vocab = logits.length;
  const { max, argmax } = maxLogit(logits);

  if (temperature === 0) {
    let sum = 0;
    for (let i = 0; i < vocab; i++) sum += Math.exp(logits[i] - max);
    return { token: argmax, logprob: -Math.log(sum) };
  }

  // Unnormalised probabilities w_i = exp((x_i − max)/T); log p_i = (x_i − max)/T − log Σw.
  const invT = 1 / temperature;
  const { w, sel } = scratch(vocab);
  let total = 0;
  for (let i = 0; i < vocab; i++) {
    const e = Math.exp((logits[i] - max) * invT);
    w[i] = e;
    total += e;
  }
  const logTotal = Math.log(total);

  let mass = total;
  if (topK > 0 && topK < vocab) {
    sel.set(w.subarray(0, vocab));
    const threshold = kthLargest(sel, vocab, topK);
    mass = 0;
    for (let i = 0; i < vocab; i++) {
      if (w[i] < threshold) w[i] = 0;
      else mass += w[i];
    }
  }

  const u = rng.next();
  let token: number;
  if (topP < 1) {
    const { indices, count } = nucleus(w, vocab, mass, topP);
    let nucleusMass = 0;
    for (let j = 0; j < count; j++) nucleusMass += w[indices[j]];
    token = drawFrom(w, indices, count, nucleusMass, u);
  } else {
    const target = u * mass;
    let cum = 0;
    token = argmax;
    for (let i = 0; i < vocab; i++) {
      if (w[i] <= 0) continue;
      cum += w[i];
      token = i;
      if (cum > target) break;
    }
  }
  return { token, logprob: (logits[token] - max) * invT - logTotal };
}
