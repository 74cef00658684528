/**
 * From what was written to the answer to compare: a bare answer (`\frac{1}{2}`) is taken as it is;
 * one with markers — boxes, an answer phrase in any language, chat-template tokens, a committed
 * multiple-choice option — is read through extraction; prose without markers falls back to the
 * last math span or number. Several different boxed answers are kept as several answers.
 *
 * The same reading applies to gold answers (a gold written `\boxed{2}, \boxed{3}` is two answers),
 * except that a choice is looked for only in a prediction, when the gold is a choice.
 */

import { CHAT_TOKENS } from "./answerPhrases.js";
import { type ExtractMethod, extractAnswer } from "./extract.js";
import { type NormalizedAnswer, normalizeAnswer } from "./normalize.js";

export interface ReadOptions {
  /** The gold is a multiple-choice letter: read the option a free-text answer commits to. */
  expectChoice?: boolean;
  /** Several different boxed answers: "all" (default: several answers) or "use-last". */
  severalBoxes?: "all" | "use-last";
}

export interface AnswerReading {
  answer: NormalizedAnswer;
  /** How the answer was found in the text; undefined when the text was the answer. */
  method?: ExtractMethod;
  /** Number of different boxed answers, when there were several. */
  boxes?: number;
}

const EXPLICIT: ExtractMethod[] = [
  "boxed",
  "final-answer-phrase",
  "answer-colon",
  "answer-phrase",
  "conclusion-phrase",
];

/** Words of three letters or more outside math, or any CJK character: the text is prose. */
export function looksLikeProse(text: string): boolean {
  if (/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u.test(text)) return true;
  const outsideMath = text
    .replace(/\$\$[\s\S]*?\$\$|\$[^$]*\$|\\\([\s\S]*?\\\)|\\\[[\s\S]*?\\\]/g, " ")
    .replace(/\\[A-Za-z]+\s*(?:\{[^{}]*\})?/g, " ");
  const words = outsideMath.match(/[\p{L}]{3,}/gu) ?? [];
  const prose = words.filter((w) => !/^(?:and|sqrt|infinity|sin|cos|tan|log|exp)$/i.test(w));
  return prose.length >= 3;
}

/** Normalised several answers: each box by itself, the whole as a list. */
function severalAnswers(boxes: string[]): NormalizedAnswer {
  const distinct = [...new Map(boxes.map((b) => [b.replace(/\s+/g, ""), b])).values()];
  const several = distinct.map((b) => normalizeAnswer(b));
  return { latex: several.map((n) => n.latex).join(", "), percent: false, degrees: false, several };
}

/**
 * Can the text hold a marker at all (a box, a word, a CJK character, a chat token)? Most answers
 * (`-17`, `\frac{3}{4}`, `x = 2`) cannot, and skip extraction: it is most of the cost of a check.
 */
function mayHoldMarkers(text: string): boolean {
  if (/\\(?:boxed|fbox)|<\|?\/?s?>|<\|/.test(text)) return true;
  return /\p{L}{2,}|[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u.test(
    text.replace(/\\[A-Za-z]+/g, " "),
  );
}

/** Reads the answer that `text` gives (see the module comment). */
export function readAnswer(text: string, options: ReadOptions = {}): AnswerReading {
  if (!mayHoldMarkers(text)) return { answer: normalizeAnswer(text) };
  const cleaned = text.replace(CHAT_TOKENS, " ").trim();
  const methods = options.expectChoice ? [...EXPLICIT, "choice-letter" as const] : EXPLICIT;
  const explicit = extractAnswer(cleaned, {
    excludeThink: false,
    methods,
    expectChoice: options.expectChoice,
  });
  if (explicit.ok) {
    if (explicit.conflictingBoxes && (options.severalBoxes ?? "all") === "all") {
      const distinct = new Set(explicit.conflictingBoxes.map((b) => b.replace(/\s+/g, "")));
      return { answer: severalAnswers(explicit.conflictingBoxes), method: "boxed", boxes: distinct.size };
    }
    return { answer: normalizeAnswer(explicit.answer), method: explicit.method };
  }
  if (!/\\(?:boxed|fbox)/.test(cleaned) && looksLikeProse(cleaned)) {
    const fallback = extractAnswer(cleaned, { excludeThink: false, methods: ["latex-span", "last-number"] });
    if (fallback.ok) return { answer: normalizeAnswer(fallback.answer), method: fallback.method };
  }
  return { answer: normalizeAnswer(cleaned) };
}
