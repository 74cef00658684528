// Unbiased pass@k (Chen et al. 2021, "Evaluating Large Language Models Trained on Code", §2.1): from n
// samples of which c are correct, the probability that at least one of k drawn without replacement is
// correct. docs/algorithms.md "CoRPO" (evaluation pass@16).

/** pass@k = 1 − C(n−c, k)/C(n, k), computed as 1 − Π_{i=n−c+1}^{n} (1 − k/i) (no huge binomials). */
export function passAtK(n: number, c: number, k: number): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`passAtK: n must be an integer ≥ 1, got ${n}`);
  if (!Number.isInteger(c) || c < 0 || c > n)
    throw new Error(`passAtK: c must be an integer in [0, n=${n}], got ${c}`);
  if (!Number.isInteger(k) || k < 1 || k > n)
    throw new Error(`passAtK: k must be an integer in [1, n=${n}], got ${k}`);
  // fewer than k failures: every k-subset contains a success
  if (n - c < k) return 1;
  let prod = 1;
  // 1 − C(n−c, k)/C(n, k) = 1 − Π_{i=n−c+1}^{n} (1 − k/i)   (Chen et al. 2021, Fig. 3)
  for (let i = n - c + 1; i <= n; i++) prod *= 1 - k / i;
  return 1 - prod;
}

export interface SampleCounts {
  /** Samples drawn for the problem. */
  n: number;
  /** Of which correct. */
  c: number;
}

/** Mean of pass@k over problems (each problem may have its own n ≥ k). */
export function meanPassAtK(problems: readonly SampleCounts[], k: number): number {
  if (problems.length === 0) throw new Error("meanPassAtK: no problems");
  let sum = 0;
  for (const { n, c } of problems) sum += passAtK(n, c, k);
  return sum / problems.length;
}

/** Mean pass@k from per-problem correctness of each sample, correct_PN[p][j]. */
export function passAtKFromOutcomes(correct_PN: readonly (readonly boolean[])[], k: number): number {
  return meanPassAtK(
    correct_PN.map((row) => ({ n: row.length, c: row.filter(Boolean).length })),
    k,
  );
}
