// MGRPO layer-2 selection (docs/algorithms.md "MGRPO", Selection; MGRPO 001 §3.2): classify each
// of the H corrections of a layer-1 attempt by (attempt correct?, correction correct?) and decide whether
// the H-group trains.
//
// Rule: a group in which no correction is right is discarded. The paper states this for a wrong attempt
// ("Trajectories where o_i was incorrect and all H corrected responses remain incorrect would be
// discarded") and is silent about a right attempt whose corrections all fail. Option
// `discardRightThenAllWrong` (default true) discards that case too: its H rewards are all equal, so with
// group-normalised advantages (grpo, mean, rloo) every advantage is 0 and the group only costs compute and
// dilutes the normaliser; set it false to keep such groups (e.g. with a static baseline, where they would
// push the failed confirmations down).

/** Outcome of a correction of a wrong attempt. */
export type WrongAttemptOutcome = "successful-correction" | "failed-correction";
/** Outcome of a correction of a right attempt. */
export type RightAttemptOutcome = "successful-confirmation" | "failed-confirmation";
export type CorrectionOutcome = WrongAttemptOutcome | RightAttemptOutcome;

/** wrong→right: successful correction; right→right: successful confirmation; →wrong: failed. */
export function classifyCorrection(attemptCorrect: false, correctionCorrect: boolean): WrongAttemptOutcome;
export function classifyCorrection(attemptCorrect: true, correctionCorrect: boolean): RightAttemptOutcome;
export function classifyCorrection(attemptCorrect: boolean, correctionCorrect: boolean): CorrectionOutcome;
export function classifyCorrection(attemptCorrect: boolean, correctionCorrect: boolean): CorrectionOutcome {
  if (attemptCorrect) return correctionCorrect ? "successful-confirmation" : "failed-confirmation";
  return correctionCorrect ? "successful-correction" : "failed-correction";
}

/**
 * The selection result of one H-group. The attempt's correctness fixes which outcomes can occur, and a
 * discarded group's reason fixes its outcomes (all failed).
 */
export type Layer2Group =
  | { kept: true; attemptCorrect: false; outcomes_H: WrongAttemptOutcome[]; numRight: number }
  | { kept: true; attemptCorrect: true; outcomes_H: RightAttemptOutcome[]; numRight: number }
  | { kept: false; reason: "wrong-then-all-wrong"; attemptCorrect: false; outcomes_H: "failed-correction"[] }
  | {
      kept: false;
      reason: "right-then-all-wrong";
      attemptCorrect: true;
      outcomes_H: "failed-confirmation"[];
    };

export interface Layer2SelectionOptions {
  /** Discard a right attempt whose H corrections are all wrong. Default true (see the file comment). */
  discardRightThenAllWrong?: boolean;
}

/** Classifies the H corrections of one attempt and decides whether the group is kept. */
export function selectLayer2Group(
  attemptCorrect: boolean,
  correctionsCorrect_H: readonly boolean[],
  options: Layer2SelectionOptions = {},
): Layer2Group {
  const H = correctionsCorrect_H.length;
  if (H === 0) throw new Error("selectLayer2Group: an H-group needs at least one correction");
  const numRight = correctionsCorrect_H.filter(Boolean).length;
  if (!attemptCorrect) {
    const outcomes_H = correctionsCorrect_H.map((c) => classifyCorrection(false, c));
    if (numRight === 0) {
      return {
        kept: false,
        reason: "wrong-then-all-wrong",
        attemptCorrect: false,
        outcomes_H: outcomes_H.map(() => "failed-correction"),
      };
    }
    return { kept: true, attemptCorrect: false, outcomes_H, numRight };
  }
  const outcomes_H = correctionsCorrect_H.map((c) => classifyCorrection(true, c));
  if (numRight === 0 && (options.discardRightThenAllWrong ?? true)) {
    return {
      kept: false,
      reason: "right-then-all-wrong",
      attemptCorrect: true,
      outcomes_H: outcomes_H.map(() => "failed-confirmation"),
    };
  }
  return { kept: true, attemptCorrect: true, outcomes_H, numRight };
}

export interface Layer2SelectionSummary {
  groups: number;
  keptGroups: number;
  discardedGroups: number;
  discardedWrongThenAllWrong: number;
  discardedRightThenAllWrong: number;
  /** All sampled corrections (Σ H), of kept and discarded groups. */
  corrections: number;
  successfulCorrections: number;
  successfulConfirmations: number;
  failedCorrections: number;
  failedConfirmations: number;
  /** failedCorrections + failedConfirmations. */
  failures: number;
  /** Share of the corrections whose attempt was right (layer-1 accuracy weighted by H). null with none. */
  attemptAccuracy: number | null;
  /** Share of the corrections that are right (layer-2 accuracy). null with none. */
  correctionAccuracy: number | null;
  /** wrong→right among all corrections; correctionAccuracy − attemptAccuracy = i2cRate − c2iRate. */
  i2cRate: number | null;
  /** right→wrong among all corrections. */
  c2iRate: number | null;
  /** Right corrections among the corrections of wrong attempts; null when no attempt was wrong. */
  correctionSuccessRate: number | null;
  /** Right corrections among the corrections of right attempts; null when no attempt was right. */
  confirmationSuccessRate: number | null;
}

/** Counts and rates of a step's layer-2 groups (for metrics.jsonl). */
export function summarizeLayer2Selection(groups: readonly Layer2Group[]): Layer2SelectionSummary {
  const count = {
    "successful-correction": 0,
    "successful-confirmation": 0,
    "failed-correction": 0,
    "failed-confirmation": 0,
  };
  let discardedWrongThenAllWrong = 0;
  let discardedRightThenAllWrong = 0;
  for (const g of groups) {
    for (const o of g.outcomes_H) count[o]++;
    if (!g.kept) {
      if (g.reason === "wrong-then-all-wrong") discardedWrongThenAllWrong++;
      else discardedRightThenAllWrong++;
    }
  }
  const sc = count["successful-correction"];
  const sf = count["successful-confirmation"];
  const fc = count["failed-correction"];
  const ff = count["failed-confirmation"];
  const total = sc + sf + fc + ff;
  const rate = (num: number, den: number) => (den === 0 ? null : num / den);
  const discarded = discardedWrongThenAllWrong + discardedRightThenAllWrong;
  return {
    groups: groups.length,
    keptGroups: groups.length - discarded,
    discardedGroups: discarded,
    discardedWrongThenAllWrong,
    discardedRightThenAllWrong,
    corrections: total,
    successfulCorrections: sc,
    successfulConfirmations: sf,
    failedCorrections: fc,
    failedConfirmations: ff,
    failures: fc + ff,
    attemptAccuracy: rate(sf + ff, total),
    correctionAccuracy: rate(sc + sf, total),
    // Δ^{i→c}, Δ^{c→i} over (attempt, correction) pairs   (docs/algorithms.md MGRPO, Evaluation)
    i2cRate: rate(sc, total),
    c2iRate: rate(ff, total),
    correctionSuccessRate: rate(sc, sc + fc),
    confirmationSuccessRate: rate(sf, sf + ff),
  };
}
