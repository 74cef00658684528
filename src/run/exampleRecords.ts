// What the training loop records about each example every step, beside metrics.jsonl: its training
// accuracy (examples.jsonl, the history `rlvr select-examples` ranks), the self-reflection words of its
// samples (rollout/ metrics) and the label audit's flags (label_audit.jsonl). 1-shot RLVR (003) §2.2, §3.3.
import type { RolloutGroup } from "../algorithms/rollouts.js";
import { type ExampleVisit, visitsOfStep } from "../core/exampleHistory.js";
import { auditGroup, type LabelAuditOptions, sequenceConfidence } from "../core/labelAudit.js";
import type { Metrics } from "../core/metrics.js";
import { countReflectionWords } from "../core/reflectionWords.js";
import { extractAnswer } from "../verifiers/extract.js";

/** One examples.jsonl line per distinct example sampled this step. */
export function exampleHistoryRecords(step: number, groups: readonly RolloutGroup[]): ExampleVisit[] {
  return visitsOfStep(
    step,
    groups.map((g) => ({
      id: g.problem.id,
      question: g.problem.question,
      gold: g.problem.gold,
      correct_G: g.trajectories_G.map((t) => t.correct),
    })),
  );
}

/** rollout/reflection_words (mean count per sample) and rollout/reflection_share (samples with one). */
export function reflectionMetrics(groups: readonly RolloutGroup[], words: readonly string[]): Metrics {
  const texts = groups.flatMap((g) => g.trajectories_G.map((t) => t.completionText));
  const r = countReflectionWords(texts, words);
  return {
    "rollout/reflection_words": texts.length > 0 ? r.total / texts.length : null,
    "rollout/reflection_share": texts.length > 0 ? r.share : null,
  };
}

/** The final answer as the audit compares it: extracted, whitespace removed; null when none. */
export function auditAnswer(completion: string): string | null {
  const e = extractAnswer(completion);
  return e.ok ? e.answer.replace(/\s+/g, "") : null;
}

/** A label_audit.jsonl line. */
export interface LabelFlagRecord {
  step: number;
  id: string;
  question: string;
  gold: string;
  /** The answer most confident samples agreed on (marked wrong against the gold). */
  answer: string;
  agreement: number;
  confident: number;
}

/** The step's flags (one per distinct example id: its samples of the step are audited together). */
export function labelAuditRecords(
  step: number,
  groups: readonly RolloutGroup[],
  options: LabelAuditOptions,
): LabelFlagRecord[] {
  const byId = new Map<string, RolloutGroup[]>();
  for (const g of groups) byId.set(g.problem.id, [...(byId.get(g.problem.id) ?? []), g]);
  const out: LabelFlagRecord[] = [];
  for (const [id, gs] of byId) {
    const samples = gs.flatMap((g) =>
      g.trajectories_G.map((t) => ({
        answer: t.truncated ? null : auditAnswer(t.completionText),
        correct: t.correct,
        confidence: sequenceConfidence(t.samplingLogprobs_T),
      })),
    );
    const flag = auditGroup(samples, options);
    if (flag) out.push({ step, id, question: gs[0].problem.question, gold: gs[0].problem.gold, ...flag });
  }
  return out;
}
