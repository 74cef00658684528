// What the sample browser shows of samples.jsonl records (run/trainLoop.ts sampleRecords for layer 1,
// run/mgrpoStep.ts layer2SampleRecords for MGRPO's layer 2): the records of a step grouped by prompt —
// its G completions, and for MGRPO the correction groups (attempt, guide phrase, H corrections with their
// outcome i→c, c→i, c→c, i→i) — with the answer the verifier's extraction finds in each completion, and
// the search and outcome filter over records.
import type { CorrectionOutcome } from "../core/mgrpoSelection.js";
import { type ExtractMethod, extractAnswer } from "../verifiers/extract.js";
import type { StepRecord } from "./jsonlTail.js";

/** The outcome filter of the sample browser. */
export const OUTCOME_FILTERS = ["", "correct", "wrong", "i2c", "c2i", "c2c", "i2i"] as const;
export type OutcomeFilter = (typeof OUTCOME_FILTERS)[number];

const SHORT: Record<CorrectionOutcome, "i→c" | "i→i" | "c→c" | "c→i"> = {
  "successful-correction": "i→c",
  "failed-correction": "i→i",
  "successful-confirmation": "c→c",
  "failed-confirmation": "c→i",
};
const FILTER_OF: Record<CorrectionOutcome, OutcomeFilter> = {
  "successful-correction": "i2c",
  "failed-correction": "i2i",
  "successful-confirmation": "c2c",
  "failed-confirmation": "c2i",
};

/** i→c, i→i, c→c or c→i for a layer-2 outcome; null for anything else. */
export function outcomeShort(outcome: unknown): string | null {
  return typeof outcome === "string" && Object.hasOwn(SHORT, outcome)
    ? SHORT[outcome as CorrectionOutcome]
    : null;
}

export interface Extraction {
  answer: string | null;
  /** How it was found (boxed, last-number, …), or why nothing was. */
  how: string;
}

/**
 * The answer extraction of a completion as the task's verifier does it: the arithmetic tasks accept only
 * a \boxed answer (tasks/arith.ts scoreArith), the math tasks every method of verifiers/extract.ts.
 */
export function extractionOf(completion: unknown, task: string | null): Extraction | null {
  if (typeof completion !== "string") return null;
  const methods: ExtractMethod[] | undefined = task?.startsWith("arith") ? ["boxed"] : undefined;
  const r = extractAnswer(completion, { methods });
  return r.ok ? { answer: r.answer, how: r.method } : { answer: null, how: r.reason };
}

export interface ShownSample {
  /** The record's position in its step (0-based). */
  index: number;
  completion: string;
  reward: number | null;
  advantage: number | null;
  correct: boolean | null;
  truncated: boolean;
  reason: string;
  extraction: Extraction | null;
  /** Layer 2: i→c, i→i, c→c, c→i. */
  outcome: string | null;
}

export interface CorrectionGroupView {
  attempt: string;
  attemptCorrect: boolean | null;
  guidePhrase: string;
  kept: boolean | null;
  corrections: ShownSample[];
}

export interface PromptView {
  problemId: string;
  question: string;
  gold: string;
  completions: ShownSample[];
  correctionGroups: CorrectionGroupView[];
}

const s = (v: unknown) =>
  typeof v === "string" ? v : v === undefined || v === null ? "" : JSON.stringify(v);
const n = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
const b = (v: unknown) => (typeof v === "boolean" ? v : null);

function shown(r: StepRecord, index: number, task: string | null): ShownSample {
  return {
    index,
    completion: s(r.completion),
    reward: n(r.reward),
    advantage: n(r.advantage),
    correct: b(r.correct),
    truncated: r.truncated === true,
    reason: s(r.reason),
    extraction: extractionOf(r.completion, task),
    outcome: outcomeShort(r.outcome),
  };
}

/**
 * The records of one step (in file order; `first` is the index of records[0] in its step) grouped by
 * prompt, in order of first appearance; layer-2 records form a correction group per consecutive
 * (problem, attempt, guide phrase).
 */
export function groupSamples(records: readonly StepRecord[], task: string | null, first = 0): PromptView[] {
  const prompts = new Map<string, PromptView>();
  const promptOf = (r: StepRecord): PromptView => {
    const id = s(r.problem_id) || s(r.question) || "(no problem id)";
    let p = prompts.get(id);
    if (!p) {
      p = { problemId: id, question: s(r.question), gold: s(r.gold), completions: [], correctionGroups: [] };
      prompts.set(id, p);
    }
    return p;
  };
  let lastKey = "";
  let lastGroup: CorrectionGroupView | undefined;
  for (const [i, r] of records.entries()) {
    const p = promptOf(r);
    if (r.layer === 2) {
      const key = JSON.stringify([p.problemId, r.attempt, r.guide_phrase]);
      if (!lastGroup || lastKey !== key) {
        lastGroup = {
          attempt: s(r.attempt),
          attemptCorrect: b(r.attempt_correct),
          guidePhrase: s(r.guide_phrase),
          kept: b(r.kept),
          corrections: [],
        };
        lastKey = key;
        p.correctionGroups.push(lastGroup);
      }
      lastGroup.corrections.push(shown(r, first + i, task));
    } else {
      lastGroup = undefined;
      p.completions.push(shown(r, first + i, task));
    }
  }
  return [...prompts.values()];
}

const SEARCHED = ["question", "gold", "completion", "attempt", "guide_phrase", "reason", "problem_id"];

/** Whether a record passes the browser's filter: `text` in one of its text fields, and the outcome. */
export function recordMatches(r: StepRecord, text: string, outcome: OutcomeFilter): boolean {
  if (outcome !== "") {
    if (outcome === "correct" || outcome === "wrong") {
      if (r.correct !== (outcome === "correct")) return false;
    } else if (
      typeof r.outcome !== "string" ||
      !Object.hasOwn(FILTER_OF, r.outcome) ||
      FILTER_OF[r.outcome as CorrectionOutcome] !== outcome
    )
      return false;
  }
  if (text === "") return true;
  const needle = text.toLowerCase();
  return SEARCHED.some((f) => typeof r[f] === "string" && (r[f] as string).toLowerCase().includes(needle));
}

/**
 * A cheap test on a raw JSONL line before parsing it: false only when the record cannot match (the text,
 * JSON-escaped as it is in the file, is absent; or the outcome's value is absent).
 */
export function lineMayMatch(lineLower: string, text: string, outcome: OutcomeFilter): boolean {
  if (text !== "" && !lineLower.includes(JSON.stringify(text.toLowerCase()).slice(1, -1))) return false;
  if (outcome === "correct" && !lineLower.includes('"correct":true')) return false;
  if (outcome === "wrong" && !lineLower.includes('"correct":false')) return false;
  const names: Record<string, string> = {
    i2c: "successful-correction",
    i2i: "failed-correction",
    c2c: "successful-confirmation",
    c2i: "failed-confirmation",
  };
  if (names[outcome] && !lineLower.includes(`"outcome":"${names[outcome]}"`)) return false;
  return true;
}
