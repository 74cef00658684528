/**
 * Format reward and overlong handling.
 *
 * A completion is well formatted when it has exactly one well-formed reasoning block
 * (`<think>…</think>`, opened before it is closed, not nested, non-empty) followed by text that
 * commits to exactly one final answer (one `\boxed{…}`, or when no box is used, exactly one
 * "final answer" statement). A truncated completion (stop reason "length") is never rewarded, for
 * format or correctness: an answer cut off mid-sentence is not a committed answer, and rewarding it
 * would teach the policy that running out of tokens is harmless.
 */

import { extractAnswer, matchBraces } from "./extract.js";

export interface FormatCheck {
  wellFormed: boolean;
  reason: string;
}

export interface FormatOptions {
  /** Require a reasoning block (default true). */
  requireReasoning?: boolean;
  stopReason?: string;
}

function countBoxes(text: string): { count: number; malformed: boolean } {
  const re = /\\(?:boxed|fbox)(?![A-Za-z])\s*\{/g;
  let count = 0;
  let malformed = false;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const r = matchBraces(text, m.index + m[0].length - 1);
    if ("reason" in r) malformed = true;
    else {
      count++;
      re.lastIndex = r.end;
    }
  }
  return { count, malformed };
}

export function checkFormat(completion: string, options: FormatOptions = {}): FormatCheck {
  if (options.stopReason === "length")
    return { wellFormed: false, reason: "truncated (stop reason: length)" };
  const opens = [...completion.matchAll(/<think>/gi)].map((m) => m.index!);
  const closes = [...completion.matchAll(/<\/think>/gi)].map((m) => m.index!);
  let answerPart = completion;
  if (opens.length > 0 || closes.length > 0 || (options.requireReasoning ?? true)) {
    if (opens.length !== 1 || closes.length !== 1) {
      return {
        wellFormed: false,
        reason: `expected one reasoning block, found ${opens.length} <think> and ${closes.length} </think>`,
      };
    }
    if (closes[0]! < opens[0]!) return { wellFormed: false, reason: "</think> before <think>" };
    if (completion.slice(0, opens[0]!).trim() !== "")
      return { wellFormed: false, reason: "text before the reasoning block" };
    const reasoning = completion.slice(opens[0]! + "<think>".length, closes[0]!);
    if (reasoning.trim() === "") return { wellFormed: false, reason: "empty reasoning block" };
    answerPart = completion.slice(closes[0]! + "</think>".length);
  }
  if (answerPart.trim() === "") return { wellFormed: false, reason: "no answer after the reasoning block" };
  const boxes = countBoxes(answerPart);
  if (boxes.malformed) return { wellFormed: false, reason: "malformed \\boxed" };
  if (boxes.count > 1) return { wellFormed: false, reason: `${boxes.count} boxed answers (expected one)` };
  if (boxes.count === 0) {
    const phrases = answerPart.match(/the\s+final\s+answer\s+is|(?:^|\n)\s*(?:final\s+)?answer\s*:/gi) ?? [];
    if (phrases.length !== 1)
      return { wellFormed: false, reason: `expected one final answer, found ${phrases.length}` };
  }
  const extracted = extractAnswer(answerPart, {
    excludeThink: false,
    methods: ["boxed", "final-answer-phrase", "answer-colon"],
  });
  if (!extracted.ok) return { wellFormed: false, reason: `no final answer: ${extracted.reason}` };
  return { wellFormed: true, reason: "one reasoning block and one final answer" };
}

/** Format reward: `weight` (e.g. 0.1) when well formed, else 0. */
export function formatReward(completion: string, weight = 0.1, options: FormatOptions = {}): number {
  return checkFormat(completion, options).wellFormed ? weight : 0;
}
