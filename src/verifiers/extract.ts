/**
 * Answer extraction: find the final answer a model committed to inside a whole solution.
 *
 * Order of preference (the first that finds something wins):
 *   1. the `\boxed{…}` / `\fbox{…}` answers (brace-matched, so nested braces survive): the last one,
 *      and all of them when there are several different ones (`several`),
 *   2. "the final answer is …",
 *   3. "Answer: …" on its own line / at a line start,
 *   4. a multiple-choice letter named as the answer ("the answer is (C)", "Option A is"),
 *   5. an answer phrase in English or another language ("The answer is", "Réponse :", "答案是"),
 *   6. when a choice is expected, the option a free-text answer commits to ("I'd go with C since A
 *      and B fail"),
 *   7. a conclusion phrase followed by math ("所以 x = 4", "therefore x = 4"),
 *   8. the last LaTeX math span (`$…$`, `\(…\)`, `\[…\]`),
 *   9. the last number.
 *
 * After a phrase, the answer is the math that follows it up to the first prose or chatter
 * (`answerSpan.ts`): "Final Answer: 17 … Hope this helps! … 2 more" is 17. Chat-template tokens
 * (`<|im_end|>`) are removed first.
 *
 * A reasoning block (`<think>…</think>`) is excluded by default: an answer that only appears
 * while the model is still thinking is not a committed answer. An unclosed `<think>` means the
 * model never left its reasoning, so nothing is extracted at all.
 *
 * Written by hand (no library does this job): the scanning is linear, brace matching is explicit
 * so unbalanced input yields a reason instead of a wrong span, and input size is capped so an
 * adversarially long solution cannot make extraction slow.
 */

import { ANSWER_PHRASE, CHAT_TOKENS, CONCLUSION_PHRASE } from "./answerPhrases.js";
import { answerAfterPhrase, cutAtSentenceEnd, leadingMath } from "./answerSpan.js";
import { committedChoice } from "./choiceInProse.js";

export type ExtractMethod =
  | "boxed"
  | "final-answer-phrase"
  | "answer-colon"
  | "answer-phrase"
  | "conclusion-phrase"
  | "latex-span"
  | "last-number"
  | "choice-letter";

export type ExtractResult =
  | {
      ok: true;
      answer: string;
      method: ExtractMethod;
      /** Set when several boxed answers with different contents were found (`answer` is the last). */
      conflictingBoxes?: string[];
    }
  | { ok: false; reason: string };

export interface ExtractOptions {
  /** Drop `<think>…</think>` blocks before extracting (default true). */
  excludeThink?: boolean;
  /** Which fallbacks are allowed (default all). Strict graders may want only boxed answers. */
  methods?: readonly ExtractMethod[];
  /** The gold is a multiple-choice letter: read the option a free-text answer commits to. */
  expectChoice?: boolean;
}

/** Longest answer we accept; longer "answers" are a parser attack or garbage, not a result. */
export const MAX_ANSWER_LENGTH = 2000;
/** Deepest brace nesting we accept inside a box. */
export const MAX_BRACE_DEPTH = 64;

const BOX_COMMANDS = ["\\boxed", "\\fbox"];

type BoxScan =
  | { kind: "found"; contents: string[]; lastEnd: number }
  | { kind: "none" }
  | { kind: "malformed"; reason: string };

/** Strips reasoning blocks. Returns null when a reasoning block was opened and never closed. */
export function stripReasoning(solution: string): string | null {
  const openTag = /<think>/gi;
  const closeTag = /<\/think>/gi;
  let text = solution;
  // A solution that closes a think block it never opened (chat templates often put `<think>`
  // in the prompt) — everything before the last close tag is reasoning.
  const lastClose = lastIndexOfRegex(text, closeTag);
  const firstOpen = text.search(openTag);
  if (lastClose >= 0 && (firstOpen < 0 || firstOpen > lastClose)) {
    text = text.slice(lastClose + "</think>".length);
    if (text.search(openTag) < 0) return text;
  }
  let out = "";
  let pos = 0;
  for (;;) {
    const open = indexOfCaseless(text, "<think>", pos);
    if (open < 0) {
      out += text.slice(pos);
      return out;
    }
    out += text.slice(pos, open);
    const close = indexOfCaseless(text, "</think>", open);
    if (close < 0) return null;
    pos = close + "</think>".length;
  }
}

function indexOfCaseless(text: string, needle: string, from: number): number {
  const re = new RegExp(needle.replace(/[/\\^$*+?.()|[\]{}]/g, "\\$&"), "gi");
  re.lastIndex = from;
  const m = re.exec(text);
  return m ? m.index : -1;
}

function lastIndexOfRegex(text: string, re: RegExp): number {
  let last = -1;
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) last = m.index;
  return last;
}

/**
 * Reads a brace group starting at `open` (which must be `{`). Returns the index just after the
 * matching `}`, or a reason. Escaped braces `\{` `\}` do not count for matching.
 */
export function matchBraces(text: string, open: number): { end: number } | { reason: string } {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\\") {
      i++; // skip the escaped character (\{, \}, \\)
      continue;
    }
    if (ch === "{") {
      depth++;
      if (depth > MAX_BRACE_DEPTH) return { reason: "braces nested too deeply" };
    } else if (ch === "}") {
      depth--;
      if (depth === 0) return { end: i + 1 };
    }
  }
  return { reason: "unbalanced braces" };
}

function scanBoxes(text: string): BoxScan {
  const contents: string[] = [];
  let lastEnd = 0;
  let malformed: string | null = null;
  const re = /\\(?:boxed|fbox)(?![A-Za-z])/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let i = m.index + m[0].length;
    while (i < text.length && (text[i] === " " || text[i] === "\t")) i++;
    if (text[i] === "{") {
      const match = matchBraces(text, i);
      if ("reason" in match) {
        malformed = match.reason;
        continue;
      }
      contents.push(text.slice(i + 1, match.end - 1).trim());
      lastEnd = match.end;
      re.lastIndex = match.end;
    } else if (m[0] === BOX_COMMANDS[0] && text[i - 1] === " ") {
      // `\boxed 5` — TeX takes the next token as the argument.
      const token = /^[^\s$\\]+|^\\[A-Za-z]+/.exec(text.slice(i, i + 64));
      if (token) {
        contents.push(token[0].replace(/[.,;]+$/, ""));
        lastEnd = i + token[0].length;
      }
    }
  }
  if (contents.length > 0) {
    // A later malformed box means the model's final answer is broken: do not fall back to an
    // earlier one, that would reward a draft answer.
    if (malformed !== null && lastBoxIsMalformed(text)) return { kind: "malformed", reason: malformed };
    return { kind: "found", contents, lastEnd };
  }
  if (malformed !== null) return { kind: "malformed", reason: malformed };
  return { kind: "none" };
}

function lastBoxIsMalformed(text: string): boolean {
  const re = /\\(?:boxed|fbox)(?![A-Za-z])\s*\{/g;
  let lastStart = -1;
  for (let m = re.exec(text); m; m = re.exec(text)) lastStart = m.index + m[0].length - 1;
  if (lastStart < 0) return false;
  return "reason" in matchBraces(text, lastStart);
}

/** Removes surrounding math delimiters and trailing sentence punctuation. */
function tidyAnswer(raw: string): string {
  let s = raw.trim();
  for (let changed = true; changed; ) {
    changed = false;
    const before = s;
    s = s.replace(/^\$+|\$+$/g, "").trim();
    s = s.replace(/^\\\(|\\\)$/g, "").trim();
    s = s.replace(/^\\\[|\\\]$/g, "").trim();
    s = s.replace(/[.;,]+$/, "").trim();
    s = s.replace(/^\*\*|\*\*$/g, "").trim(); // markdown bold
    if (s !== before) changed = true;
  }
  return s;
}

const FINAL_ANSWER_PHRASE = /the\s+final\s+answer\s+is\s*[:：]?\s*/gi;
const ANSWER_COLON = /(?:^|\n)[ \t>*#_]*(?:final\s+answer|answer)\s*\**\s*[:：]\s*\**\s*/gi;
const CHOICE_IN_PROSE =
  /\b(?:answer|option|choice)\s+(?:is|:)?\s*(?:option\s+|choice\s+)?[([]?([A-E])[)\]]?(?![A-Za-z0-9])/gi;

/** Text after the last match of `re` up to the end of that line (or sentence end). */
function afterLastMatch(text: string, re: RegExp): string | null {
  let lastEnd = -1;
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    lastEnd = m.index + m[0].length;
    if (m[0].length === 0) re.lastIndex++;
  }
  if (lastEnd < 0) return null;
  const rest = text.slice(lastEnd);
  const lineEnd = rest.indexOf("\n");
  let line = lineEnd >= 0 ? rest.slice(0, lineEnd) : rest;
  // If the line opens display math that continues onto following lines, take the whole span.
  if (/^\s*(\$\$|\\\[)\s*$/.test(line)) {
    const closer = line.includes("$$") ? "$$" : "\\]";
    const close = rest.indexOf(closer, rest.indexOf(line.trim()) + 2);
    if (close > 0) line = rest.slice(0, close + closer.length);
  }
  return line;
}

/** Cuts a phrase answer at a sentence end ("… is 5. I hope it is correct."). */
function cutSentence(s: string): string {
  return cutAtSentenceEnd(s);
}

function lastMathSpan(text: string): string | null {
  const spans: { start: number; body: string }[] = [];
  const re = /\$\$([\s\S]+?)\$\$|\\\[([\s\S]+?)\\\]|\\\(([\s\S]+?)\\\)|\$((?:[^$\\]|\\[\s\S])+?)\$/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const body = m[1] ?? m[2] ?? m[3] ?? m[4] ?? "";
    spans.push({ start: m.index, body });
  }
  const last = spans.at(-1);
  return last ? last.body : null;
}

const NUMBER = /-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|-?\.\d+/g;

function lastNumber(text: string): string | null {
  let last: string | null = null;
  NUMBER.lastIndex = 0;
  for (let m = NUMBER.exec(text); m; m = NUMBER.exec(text)) last = m[0];
  return last;
}

function lastChoiceLetter(text: string): string | null {
  let last: string | null = null;
  CHOICE_IN_PROSE.lastIndex = 0;
  for (let m = CHOICE_IN_PROSE.exec(text); m; m = CHOICE_IN_PROSE.exec(text)) last = m[1]!.toUpperCase();
  return last;
}

function accept(answer: string, method: ExtractMethod, conflicting?: string[]): ExtractResult {
  const tidy = tidyAnswer(answer);
  if (tidy.length === 0) return { ok: false, reason: `empty answer (${method})` };
  if (tidy.length > MAX_ANSWER_LENGTH) return { ok: false, reason: `answer too long (${method})` };
  return conflicting
    ? { ok: true, answer: tidy, method, conflictingBoxes: conflicting }
    : { ok: true, answer: tidy, method };
}

function lastConclusion(text: string): string | null {
  let found: string | null = null;
  CONCLUSION_PHRASE.lastIndex = 0;
  for (let m = CONCLUSION_PHRASE.exec(text); m; m = CONCLUSION_PHRASE.exec(text)) {
    // Only when the clause it opens is math and nothing else: "所以 x = 4，代入…", not
    // "therefore x = 5 is impossible" nor "so we need three more".
    const clause = cutSentence(text.slice(m.index + m[0].length).replace(/^[\s,，:：]+/, ""));
    const math = leadingMath(clause);
    if (
      math !== undefined &&
      math ===
        clause
          .trim()
          .replace(/[.,;:!?]+$/, "")
          .trim()
    )
      found = math;
  }
  return found;
}

/** Extracts the final answer of a solution; says how, or why nothing was found. */
export function extractAnswer(solution: string, options: ExtractOptions = {}): ExtractResult {
  const allowed = new Set<ExtractMethod>(
    options.methods ?? [
      "boxed",
      "final-answer-phrase",
      "answer-colon",
      "choice-letter",
      "answer-phrase",
      "conclusion-phrase",
      "latex-span",
      "last-number",
    ],
  );
  let text = solution;
  if (options.excludeThink ?? true) {
    const stripped = stripReasoning(solution);
    if (stripped === null) return { ok: false, reason: "reasoning block never closed" };
    text = stripped;
  }
  text = text.replace(CHAT_TOKENS, " ");
  if (text.trim().length === 0) return { ok: false, reason: "no text outside the reasoning block" };

  if (allowed.has("boxed")) {
    const boxes = scanBoxes(text);
    if (boxes.kind === "malformed") return { ok: false, reason: `malformed \\boxed: ${boxes.reason}` };
    if (boxes.kind === "found") {
      // "The final answer is …" written after the last box is the later commitment.
      if (allowed.has("final-answer-phrase")) {
        const after = afterLastMatch(text.slice(boxes.lastEnd), FINAL_ANSWER_PHRASE);
        if (after !== null && cutSentence(after).trim() !== "")
          return accept(answerAfterPhrase(after), "final-answer-phrase");
      }
      const last = boxes.contents.at(-1)!;
      const distinct = [...new Set(boxes.contents.map((b) => b.replace(/\s+/g, "")))];
      return accept(last, "boxed", distinct.length > 1 ? boxes.contents : undefined);
    }
  }
  if (allowed.has("final-answer-phrase")) {
    const phrase = afterLastMatch(text, FINAL_ANSWER_PHRASE);
    if (phrase !== null) return accept(answerAfterPhrase(phrase), "final-answer-phrase");
  }
  if (allowed.has("answer-colon")) {
    const colon = afterLastMatch(text, ANSWER_COLON);
    if (colon !== null) return accept(answerAfterPhrase(colon), "answer-colon");
  }
  if (allowed.has("choice-letter")) {
    const letter = lastChoiceLetter(text);
    if (letter !== null) return accept(letter, "choice-letter");
  }
  if (allowed.has("answer-phrase")) {
    const phrase = afterLastMatch(text, ANSWER_PHRASE);
    if (phrase !== null) {
      const answer = answerAfterPhrase(phrase);
      const letter = /^\(?([A-E])\)?$/.exec(answer.replace(/[.*]+$/, "").trim());
      if (letter && allowed.has("choice-letter")) return accept(letter[1]!, "choice-letter");
      return accept(answer, "answer-phrase");
    }
  }
  if (options.expectChoice && allowed.has("choice-letter")) {
    const letter = committedChoice(text);
    if (letter !== undefined) return accept(letter, "choice-letter");
  }
  if (allowed.has("conclusion-phrase")) {
    const conclusion = lastConclusion(text);
    if (conclusion !== null) return accept(conclusion, "conclusion-phrase");
  }
  if (allowed.has("latex-span")) {
    const span = lastMathSpan(text);
    if (span !== null) return accept(span, "latex-span");
  }
  if (allowed.has("last-number")) {
    const num = lastNumber(text);
    if (num !== null) return accept(num, "last-number");
  }
  return { ok: false, reason: "no answer found" };
}
