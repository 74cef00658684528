// Label audit (docs/algorithms.md#1-shot-rlvr): when most of a group's confident samples agree on one
// final answer that the verifier marks wrong, the gold label itself is suspect (1-shot RLVR §2.1: the
// π1 example is labelled 12.8 while its exact answer is ∛2048 ≈ 12.70). Pure: the caller extracts
// the answers and the confidences.

/** One sample as the audit sees it. */
export interface AuditSample {
  /** The extracted final answer, normalised by the caller; null when none was found. */
  answer: string | null;
  /** The verifier's verdict against the gold label. */
  correct: boolean;
  /** exp(mean token log-prob) of the completion under the sampler, in (0, 1]. */
  confidence: number;
}

export interface LabelAuditOptions {
  /** A sample is confident when its confidence is at least this. */
  minConfidence: number;
  /** Flag when the top wrong answer holds at least this share of the confident samples (strictly above ½ = "most"). */
  minAgreement: number;
  /** At least this many confident samples are needed to judge. */
  minConfident: number;
}

export interface LabelAuditFlag {
  /** The answer most confident samples agree on. */
  answer: string;
  /** Its share of the confident samples. */
  agreement: number;
  confident: number;
}

/** Per-sample confidence: c = exp((1/T) Σ_t log q_t), the geometric-mean token probability. */
export function sequenceConfidence(logprobs_T: readonly number[]): number {
  if (logprobs_T.length === 0) return 0;
  return Math.exp(logprobs_T.reduce((s, v) => s + v, 0) / logprobs_T.length);
}

/**
 * The flag of one group, or null: among confident samples with an answer, the most common answer has
 * share ≥ minAgreement and the verifier marked it wrong (so the majority disagrees with the gold label).
 */
export function auditGroup(samples: readonly AuditSample[], o: LabelAuditOptions): LabelAuditFlag | null {
  const { minConfidence, minAgreement, minConfident } = o;
  const confident = samples.filter((s) => s.confidence >= minConfidence && s.answer !== null);
  if (confident.length < Math.max(1, minConfident)) return null;
  const votes = new Map<string, { n: number; correct: boolean }>();
  for (const s of confident) {
    const v = votes.get(s.answer!) ?? { n: 0, correct: false };
    v.n++;
    v.correct ||= s.correct;
    votes.set(s.answer!, v);
  }
  let best: [string, { n: number; correct: boolean }] | null = null;
  for (const e of votes) if (!best || e[1].n > best[1].n) best = e;
  if (!best || best[1].correct) return null;
  const agreement = best[1].n / confident.length;
  return agreement >= minAgreement && agreement > 0.5
    ? { answer: best[0], agreement, confident: confident.length }
    : null;
}
