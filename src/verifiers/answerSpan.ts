/**
 * The answer a phrase introduces: in "Final Answer: 12 apples. Hope this helps, see step 3!",
 * "答案是 $\frac{1}{3}$。检验…", "La respuesta es 11 (comprobamos: 11 - 4 = 7)." the answer is the
 * math that follows the phrase, with at most one unit word after it, up to the first prose word,
 * sentence end or chat chatter. Without such a cut, extraction takes a span of the chatter (or the
 * last number of it: `3`, `7`).
 *
 * Written by hand: a token scan over the text after the phrase (no library reads "math, then
 * prose" across languages). Letters of any script count as prose when they form a word of two
 * letters or more that is not a math word; a single Latin letter is a variable.
 */

import { MATH_WORDS } from "./mathWords.js";

/** Words that belong to an answer: functions and constants, and the words of infinity, gcd and lcm. */
const ANSWER_WORDS = new Set([...MATH_WORDS, "infinity", "inf", "gcd", "lcm"]);

const NUMBER_WORD =
  /^(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|billion|trillion|dozen|minus|negative)$/i;

/** Sentence ends: a line break, CJK sentence punctuation, a full stop before a capital or the end. */
const SENTENCE_END = /\n|[。！？；，]|\.\s+(?=[\p{Lu}\p{Lo}])|\.\s*$/u;

export function cutAtSentenceEnd(s: string): string {
  const m = SENTENCE_END.exec(s);
  return m ? s.slice(0, m.index) : s;
}

const MATH_OPENERS: [string, string][] = [
  ["$$", "$$"],
  ["\\[", "\\]"],
  ["\\(", "\\)"],
  ["$", "$"],
];

/** Index just after the brace group opening at `open`, or -1 when it is unbalanced. */
function braceEnd(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === "\\") {
      i++;
      continue;
    }
    if (s[i] === "{") depth++;
    else if (s[i] === "}" && --depth === 0) return i + 1;
  }
  return -1;
}

/** Drops what cannot end an answer: separators, an opening bracket left by the cut. */
function tidyEnd(s: string): string {
  for (;;) {
    const t = s.replace(/[\s,;:=([{]+$/, "").replace(/\\(?:left|right)?$/, "");
    if (t === s) return t;
    s = t;
  }
}

/**
 * The math at the start of `text` (and a unit word after it, when nothing follows the word), or
 * undefined when the text starts with prose.
 */
export function leadingMath(text: string): string | undefined {
  const s = text;
  let i = 0;
  let end = 0;
  let sawMath = false;
  while (i < s.length) {
    const rest = s.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const delimiter = MATH_OPENERS.find(([open]) => rest.startsWith(open));
    if (delimiter) {
      const close = s.indexOf(delimiter[1], i + delimiter[0].length);
      if (close < 0) break;
      i = close + delimiter[1].length;
      end = i;
      sawMath = true;
      continue;
    }
    const command = /^\\([A-Za-z]+)\s*/.exec(rest);
    if (command) {
      let j = i + command[0].length;
      const isText = /^(?:text|mbox|textrm|textnormal|mathrm)$/.test(command[1]!);
      while (s[j] === "{") {
        const e = braceEnd(s, j);
        if (e < 0) break;
        j = e;
      }
      const content = isText
        ? s
            .slice(i + command[0].length, j)
            .replace(/[{}]/g, "")
            .trim()
        : "";
      // `\text{ and }` joins answers; `\text{ cm}` after a value is its unit, and ends the answer.
      i = j;
      end = j;
      if (isText && sawMath && !/^(?:and|or|,)?$/i.test(content)) break;
      sawMath = sawMath || !isText;
      continue;
    }
    const word = /^[\p{L}\p{M}]+/u.exec(rest);
    if (word) {
      const w = word[0];
      const isVariable = w.length === 1 && /[A-Za-z]/.test(w);
      if (isVariable || ANSWER_WORDS.has(w.toLowerCase()) || NUMBER_WORD.test(w)) {
        i += w.length;
        end = i;
        sawMath = true;
        continue;
      }
      // A unit word right after the value, with nothing but punctuation after it.
      if (sawMath && /^[\s.,;:!?)]*$/.test(rest.slice(w.length))) end = i + w.length;
      break;
    }
    if (/^[\d+\-*/^=<>()[\]{}|,.:;!'_−×÷·%°]/.test(rest)) {
      i += 1;
      end = i;
      if (/^[\d(]/.test(rest)) sawMath = true;
      continue;
    }
    break; // an emoji, a symbol of chatter
  }
  const span = tidyEnd(s.slice(0, end).trim());
  return sawMath && span !== "" ? span : undefined;
}

/** The answer that the text after a phrase gives (see the module comment). */
export function answerAfterPhrase(rest: string): string {
  const sentence = cutAtSentenceEnd(rest.replace(/^[\s*:：]+/, ""));
  return leadingMath(sentence) ?? sentence.trim();
}
