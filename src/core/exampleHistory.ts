// Per-example training accuracy history and the 1-shot RLVR example ranking (docs/algorithms.md#1-shot-rlvr;
// Wang et al. 2025, "Reinforcement Learning for Reasoning in Large Language Models with One Training
// Example", §2.2: rank examples by the variance of their training-accuracy history). Pure functions.
import { Rng } from "./rng.js";

/** One visit of an example in one step: its share of correct samples (all its samples that step). */
export interface ExampleVisit {
  step: number;
  id: string;
  question: string;
  gold: string;
  /** Share of this example's samples that were correct this step. */
  accuracy: number;
  /** How many samples of it were drawn this step (duplicates of one example in a batch are merged). */
  samples: number;
}

/** The visits of one step: one record per distinct example id, in the order of first appearance. */
export function visitsOfStep(
  step: number,
  groups: readonly { id: string; question: string; gold: string; correct_G: readonly boolean[] }[],
): ExampleVisit[] {
  const byId = new Map<string, ExampleVisit & { right: number }>();
  for (const g of groups) {
    if (g.correct_G.length === 0) continue;
    const v = byId.get(g.id) ?? {
      step,
      id: g.id,
      question: g.question,
      gold: g.gold,
      accuracy: 0,
      samples: 0,
      right: 0,
    };
    v.samples += g.correct_G.length;
    v.right += g.correct_G.filter(Boolean).length;
    byId.set(g.id, v);
  }
  return [...byId.values()].map(({ right, ...v }) => ({ ...v, accuracy: right / v.samples }));
}

/** An example chosen for 1-shot training, with its ranking score. */
export interface RankedExample {
  id: string;
  prompt: string;
  answer: string;
  score: number;
}

/** Population variance: Var(a) = 1/n Σ (a_k − ā)²   (1-shot RLVR §2.2, historical variance score) */
export function variance(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const m = values.reduce((s, v) => s + v, 0) / values.length;
  return values.reduce((s, v) => s + (v - m) ** 2, 0) / values.length;
}

/** Each example's accuracy history in step order, with its question and gold (from its first visit). */
export function historiesOf(
  visits: readonly ExampleVisit[],
): Map<string, { question: string; gold: string; accuracy_K: number[] }> {
  const out = new Map<string, { question: string; gold: string; accuracy_K: number[] }>();
  for (const v of [...visits].sort((a, b) => a.step - b.step)) {
    const h = out.get(v.id) ?? { question: v.question, gold: v.gold, accuracy_K: [] };
    h.accuracy_K.push(v.accuracy);
    out.set(v.id, h);
  }
  return out;
}

/**
 * The top `k` examples by the variance of their accuracy history, highest first; ties by more visits,
 * then by id (a deterministic order). `minVisits` leaves out examples seen fewer times (default 2: one
 * visit has variance 0 by definition).
 */
export function rankByVariance(visits: readonly ExampleVisit[], k: number, minVisits = 2): RankedExample[] {
  const ranked = [...historiesOf(visits)]
    .filter(([, h]) => h.accuracy_K.length >= minVisits)
    .map(([id, h]) => ({
      id,
      prompt: h.question,
      answer: h.gold,
      score: variance(h.accuracy_K),
      n: h.accuracy_K.length,
    }))
    .sort((a, b) => b.score - a.score || b.n - a.n || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return ranked.slice(0, k).map(({ n: _n, ...e }) => e);
}

/** `k` examples drawn uniformly without replacement under `seed` (the paper's random-example baseline); score = variance. */
export function randomExamples(visits: readonly ExampleVisit[], k: number, seed: number): RankedExample[] {
  const all = [...historiesOf(visits)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Rng.derive(seed, 0x1540)
    .shuffle(all)
    .slice(0, k)
    .map(([id, h]) => ({ id, prompt: h.question, answer: h.gold, score: variance(h.accuracy_K) }));
}
