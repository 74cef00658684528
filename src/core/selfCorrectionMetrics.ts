// Two-turn self-correction metrics (docs/algorithms.md "MGRPO", Evaluation; after Kumar et al.
// 2024, SCoRe): over N problems, Acc@t1, Acc@t2, Δ = Acc@t2 − Acc@t1, Δ^{i→c} = fraction wrong at t1 and
// right at t2, Δ^{c→i} = fraction right at t1 and wrong at t2, so that Δ = Δ^{i→c} − Δ^{c→i}.
//
// With K samples per problem, each sample is a (turn-1, turn-2) pair — turn 2 corrects that sample's own
// turn 1 — and a problem's outcomes are the averages of its K pairs (e.g. acc_t1 of the problem = share of
// its samples right at turn 1); the metrics are then the mean over problems, every problem weighing the
// same. Per-problem turn-1/turn-2 fractions alone would not do: Δ^{i→c} needs the joint outcome of each
// pair, which marginal fractions do not determine. Every quantity is linear in the per-pair indicators and
// t2 − t1 = [¬t1 ∧ t2] − [t1 ∧ ¬t2] holds for each pair, so the identity holds after averaging.

/** One sample's outcome at turn 1 and at turn 2 (the correction of that turn-1 answer). */
export interface TwoTurnOutcome {
  t1: boolean;
  t2: boolean;
}

export interface SelfCorrectionMetrics {
  /** Number of problems. */
  n: number;
  acc_t1: number;
  acc_t2: number;
  /** acc_t2 − acc_t1 (= delta_i2c − delta_c2i up to rounding). */
  delta: number;
  /** Fraction wrong at turn 1 and right at turn 2. */
  delta_i2c: number;
  /** Fraction right at turn 1 and wrong at turn 2. */
  delta_c2i: number;
}

/**
 * Metrics over problems; each entry is one problem's outcome, or its K samples' outcomes (K ≥ 1, may differ
 * between problems). Throws on an empty list or a problem with no samples.
 */
export function selfCorrectionMetrics(
  problems_P: readonly (TwoTurnOutcome | readonly TwoTurnOutcome[])[],
): SelfCorrectionMetrics {
  const N = problems_P.length;
  if (N === 0) throw new Error("selfCorrectionMetrics: no problems");
  let t1 = 0;
  let t2 = 0;
  let i2c = 0;
  let c2i = 0;
  problems_P.forEach((problem, p) => {
    const samples_K: readonly TwoTurnOutcome[] = Array.isArray(problem)
      ? problem
      : [problem as TwoTurnOutcome];
    const K = samples_K.length;
    if (K === 0) throw new Error(`selfCorrectionMetrics: problem ${p} has no samples`);
    for (const s of samples_K) {
      t1 += Number(s.t1) / K;
      t2 += Number(s.t2) / K;
      // Δ^{i→c}: wrong at t1, right at t2; Δ^{c→i}: right at t1, wrong at t2   (docs/algorithms.md MGRPO, Evaluation)
      i2c += Number(!s.t1 && s.t2) / K;
      c2i += Number(s.t1 && !s.t2) / K;
    }
  });
  const acc_t1 = t1 / N;
  const acc_t2 = t2 / N;
  // Δ(t1, t2) = Acc@t2 − Acc@t1   (docs/algorithms.md MGRPO, Evaluation)
  return { n: N, acc_t1, acc_t2, delta: acc_t2 - acc_t1, delta_i2c: i2c / N, delta_c2i: c2i / N };
}
