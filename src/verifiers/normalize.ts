/**
 * String normalisation of an answer (not a whole solution) before any parsing.
 *
 * It removes what carries no mathematical meaning (math delimiters, spacing commands, `\left`,
 * styling, thousand separators, currency, unit words, "x ∈") and records what does carry meaning
 * but is not part of the number (a percent sign, a degree sign, a base subscript, a choice letter,
 * a text answer) as flags, so that the comparison can decide on them explicitly instead of
 * silently dropping them.
 *
 * Hand-written string rewriting (no library normalises competition-math answers); each rule is
 * anchored so that it only fires on the whole answer or on an unambiguous token.
 */

import { extractAnswer } from "./extract.js";
import { MATH_WORDS } from "./mathWords.js";
import { numberWordsToDigits } from "./numberWords.js";

export interface NormalizedAnswer {
  /** Cleaned LaTeX (or plain text math). */
  latex: string;
  /** The answer was written with a percent sign / "percent". */
  percent: boolean;
  /** The answer was written with a degree sign / "degrees". */
  degrees: boolean;
  /** A multiple-choice letter A–E, when the answer is that letter (possibly followed by its option). */
  choice?: string;
  /** The option written after the letter (`(D) 8\pi`, `C. \frac{1}{2}`), normalised. */
  choiceText?: NormalizedAnswer;
  /** Several separate answers (one box each): compared as a list in no particular order. */
  several?: NormalizedAnswer[];
  /** A text answer (a name, a word), lower-cased, when the answer is words only. */
  text?: string;
  /** A number written in another base, e.g. `204_5`. */
  base?: { digits: string; base: number };
}

/** Words that are never part of an answer's value: units, currency, counted nouns are handled generically. */
const PERCENT_WORDS =
  /\s*(?:\\%|%|\\text\{\s*%\s*\}|\\text\{\s*percent(?:age)?\s*\}|percent(?:age)?|pct)\s*$/i;
const DEGREE_MARKS =
  /\s*(?:\^\s*\{?\\circ\}?|\^\{\s*\\circ\s*\}|°|\\degree|\\text\{\s*degrees?\s*\}|\\mbox\{\s*degrees?\s*\}|degrees?)\s*$/i;

/** Removes one layer of math delimiters and trailing sentence punctuation, repeatedly. */
function stripDelimiters(s: string): string {
  for (;;) {
    const before = s;
    s = s.trim();
    // Each rewrite only when the answer starts or ends with what it removes (this runs on every check).
    const first = s[0];
    const last = s[s.length - 1];
    if (first === "$") s = s.replace(/^\$+([\s\S]*?)\$+$/, "$1");
    if (first === "\\") {
      s = s.replace(/^\\\(([\s\S]*)\\\)$/, "$1");
      s = s.replace(/^\\\[([\s\S]*)\\\]$/, "$1");
      s = s.replace(
        /^\\begin\{(?:align\*?|equation\*?|displaymath)\}([\s\S]*)\\end\{(?:align\*?|equation\*?|displaymath)\}$/,
        "$1",
      );
    }
    if (last === "." || last === ";") s = s.replace(/(?<!\\)[.;]+$/, "");
    if (last === ",") s = s.replace(/,+$/, "");
    if (first === "*") s = s.replace(/^\*\*([\s\S]*)\*\*$/, "$1");
    if (s === before) return s;
  }
}

const COMMAND_PATTERNS = new Map<string, RegExp>();

/** Replaces `\cmd{content}` (brace-matched) by `replace(content)` for the given commands. */
export function rewriteCommand(
  s: string,
  commands: readonly string[],
  replace: (content: string) => string,
): string {
  if (!s.includes("\\")) return s;
  const key = commands.join("|");
  let re = COMMAND_PATTERNS.get(key);
  if (re === undefined) {
    re = new RegExp(`\\\\(?:${key})\\s*\\{`, "g");
    COMMAND_PATTERNS.set(key, re);
  }
  re.lastIndex = 0;
  let out = "";
  let pos = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const open = m.index + m[0].length - 1;
    let depth = 0;
    let end = -1;
    for (let i = open; i < s.length; i++) {
      if (s[i] === "\\") {
        i++;
        continue;
      }
      if (s[i] === "{") depth++;
      else if (s[i] === "}" && --depth === 0) {
        end = i;
        break;
      }
    }
    if (end < 0) break; // unbalanced: leave the rest as is, the parser will reject it
    out += s.slice(pos, m.index) + replace(s.slice(open + 1, end));
    pos = end + 1;
    re.lastIndex = pos;
  }
  return out + s.slice(pos);
}

/** Anything removeLayout rewrites besides spaces; a plain number has none of it and skips the rest. */
const LAYOUT_CANDIDATES = /[\\{~<>=!−×÷π√∞]|inf|gcd|lcm/i;

function removeLayout(s: string): string {
  if (!LAYOUT_CANDIDATES.test(s)) return s.replace(/\s+/g, " ").trim();
  s = s.replace(/\\(?:d|t|c)frac/g, "\\frac");
  s = s.replace(
    /\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big|bigg|Bigg)\s*(\\?[()[\]{}|.]|\\[lr]?[a-z]+)/g,
    (_m, d: string) => (d === "." ? "" : d),
  );
  s = s.replace(/\\(?:displaystyle|textstyle|scriptstyle|limits|nolimits)/g, "");
  // TeX thousands groupings: 12{,}345 and 12,\!345 (before spacing commands are dropped).
  s = s.replace(/(\d)\{,\}(?=\d{3})/g, "$1");
  s = s.replace(/(\d),\s*\\!\s*(?=\d{3}(?!\d))/g, "$1");
  // Spacing commands; `(?<!\\)` keeps the row separator `\\` of matrices intact.
  s = s.replace(/(?<!\\)\\[!,;:> ]|\\q?quad\b|~/g, " ");
  s = rewriteCommand(
    s,
    ["mathbf", "boldsymbol", "mathit", "mathrm", "textbf", "textit", "emph", "bm"],
    (c) => c,
  );
  s = rewriteCommand(
    s,
    ["textnormal", "textrm", "mbox", "hbox", "textup", "operatorname"],
    (c) => `\\text{${c}}`,
  );
  s = s.replace(/\\lt\b/g, "<").replace(/\\gt\b/g, ">");
  s = s.replace(/>=|=>/g, "\\geq ").replace(/<=|=</g, "\\leq ").replace(/!=/g, "\\neq ");
  s = s
    .replace(/\\le(?![a-zA-Z])/g, "\\leq")
    .replace(/\\ge(?![a-zA-Z])/g, "\\geq")
    .replace(/\\ne(?![a-zA-Z])/g, "\\neq");
  s = s.replace(/\\leqslant/g, "\\leq").replace(/\\geqslant/g, "\\geq");
  s = s
    .replace(/−/g, "-")
    .replace(/×/g, "\\times ")
    .replace(/÷/g, "\\div ")
    .replace(/π/g, "\\pi ")
    .replace(/√/g, "\\sqrt");
  s = s.replace(/∞/g, "\\infty ");
  // `infinity` spelled out, `\text{lcm}(4,6)`, `gcd(12, 18)`: the commands the parser knows.
  s = s.replace(/\\text\{\s*(infinity|inf)\s*\}|(?<![A-Za-z\\])(?:infinity|inf)(?![A-Za-z])/gi, "\\infty ");
  s = s.replace(
    /\\text\{\s*(gcd|lcm)\s*\}|(?<![A-Za-z\\])(gcd|lcm)(?=\s*\()/gi,
    (_m, a?: string, b?: string) =>
      (a ?? b ?? "").toLowerCase() === "gcd" ? "\\gcd" : "\\operatorname{lcm}",
  );
  return s.replace(/\s+/g, " ").trim();
}

/** Whole-answer thousand separators: `7,425,000`, `1 000`, `$1,000.99`. Lists like `32, 349` are left alone. */
function removeThousands(s: string): string {
  const comma = /^([+-]?)(\d{1,3}(?:,\d{3})+)(\.\d+)?$/.exec(s);
  if (comma) return comma[1]! + comma[2]!.replace(/,/g, "") + (comma[3] ?? "");
  const space = /^([+-]?)(\d{1,3}(?: \d{3})+)(\.\d+)?$/.exec(s);
  if (space) return space[1]! + space[2]!.replace(/ /g, "") + (space[3] ?? "");
  return s;
}

function stripCurrency(s: string): string {
  s = s.replace(/\\\$|\\euro|\\pounds|€|£|¥/g, " ");
  s = s.replace(/\$/g, " ");
  s = s.replace(/\s*\\text\{\s*(?:dollars?|cents?|euros?|USD)\s*\}\s*$/i, "");
  s = s.replace(/\s+(?:dollars?|cents?|euros?|USD)\s*$/i, "");
  return s.replace(/\s+/g, " ").trim();
}

/** A trailing unit (`15\text{ cm}^2`, `125 miles`, `5 driveways`) after a value is dropped. */
function stripTrailingUnit(s: string): string {
  const textUnit = /^(.*?\S)\s*\\text\{\s*([A-Za-z][A-Za-z .\-/]*)\}\s*(?:\^\s*\{?\d\}?)?$/.exec(s);
  if (textUnit && /[\d}]\s*$/.test(textUnit[1]!) && !/\\text\{[^}]*$/.test(textUnit[1]!))
    return textUnit[1]!.trim();
  const words = /^(.*?[\d})])\s*((?:\p{L}{2,}\.?\s*)+)(?:\^\s*\{?\d\}?|²|³)?$/u.exec(s);
  if (words) {
    const list = words[2]!.trim().split(/\s+/);
    if (list.every((w) => !MATH_WORDS.has(w.toLowerCase().replace(/\.$/, "")))) return words[1]!.trim();
  }
  return s;
}

/** `\text{(C)}`, `(C)`, `C` → "C". Only upper-case letters: a lower-case `e` is Euler's number. */
function choiceLetter(s: string): string | undefined {
  const inner = s.replace(/^\\text\{([\s\S]*)\}$/, "$1").trim();
  const m = /^\(?([A-E])\)?$/.exec(inner);
  return m ? m[1] : undefined;
}

/** A letter followed by its option: `(D) 8\pi`, `C. \frac{1}{2}`, `B: 45^\circ`, `A) 3`. */
const CHOICE_WITH_OPTION = /^(?:\(([A-E])\)|([A-E])[.:)])\s*(\S[\s\S]*)$/;

/** Ordinals as numbers: `3^{\mathrm{rd}}` (the `\mathrm` already removed), `21^{\text{st}}`, `2nd`. */
const ORDINAL = /^(\d+)\s*(?:\^\s*\{?\s*(?:\\text\s*\{)?\s*(?:st|nd|rd|th)\s*\}?\s*\}?|(?:st|nd|rd|th))$/;

/** Answers that are words: `\text{Evelyn}`, `Monday`, `\text{no solution}`. */
function textAnswer(s: string): string | undefined {
  const unwrapped = s.replace(/^\\text\{([\s\S]*)\}$/, "$1").trim();
  if (!/^[A-Za-z][A-Za-z' -]*[A-Za-z]$/.test(unwrapped)) return undefined;
  const words = unwrapped.split(/[\s-]+/);
  // "xy" or "ab" are products of variables, not words; a word has ≥ 3 letters and is not a math name.
  if (!words.some((w) => w.length >= 3 && !MATH_WORDS.has(w.toLowerCase()))) return undefined;
  if (!s.startsWith("\\text") && words.length === 1 && unwrapped.length <= 3) return undefined;
  return unwrapped.toLowerCase().replace(/\s+/g, " ");
}

const BASE_FORM = /^([0-9A-Za-z]+)_\{?\(?(\d{1,2})\)?\}?$/;

/** Normalises an answer string (a gold answer or an extracted prediction). */
export function normalizeAnswer(raw: string): NormalizedAnswer {
  let s = raw;
  if (/\\(?:boxed|fbox)/.test(s)) {
    const boxed = extractAnswer(s, { methods: ["boxed"], excludeThink: false });
    if (boxed.ok) s = boxed.answer;
  }
  s = stripDelimiters(s);
  s = removeLayout(s);
  s = stripDelimiters(s);
  // "x \in [0,1)", "x\in S": the set is the answer.
  s = s.replace(/^[A-Za-z](?:_\{?\w+\}?)?\s*\\in\s*/, "");
  // A letter followed by its option: the letter is the answer; the option is kept to compare with
  // an answer that gives the option instead of the letter.
  const option = CHOICE_WITH_OPTION.exec(s.replace(/\$/g, " ").trim());
  if (option !== null) {
    return {
      latex: option[1] ?? option[2]!,
      percent: false,
      degrees: false,
      choice: option[1] ?? option[2]!,
      choiceText: normalizeAnswer(option[3]!),
    };
  }
  // The reals in words.
  s = s.replace(/^(?:\\text\{)?\s*(?:all|any|every)\s+real(?:\s+numbers?|s)?\s*\}?$/i, "\\mathbb{R}");
  // Numbers in words (`seven`, `2 \text{ billion}`) and ordinals (`3^{rd}`): before units are
  // stripped, which would take `billion` for one.
  s = numberWordsToDigits(s) ?? s;
  s = s.replace(ORDINAL, "$1");

  let percent = false;
  let degrees = false;
  for (let changed = true; changed; ) {
    changed = false;
    const before = s;
    if (PERCENT_WORDS.test(s) && s.replace(PERCENT_WORDS, "").trim() !== "") {
      s = s.replace(PERCENT_WORDS, "").trim();
      percent = true;
    }
    if (DEGREE_MARKS.test(s) && s.replace(DEGREE_MARKS, "").trim() !== "") {
      s = s.replace(DEGREE_MARKS, "").trim();
      degrees = true;
    }
    s = stripCurrency(s);
    s = stripTrailingUnit(s);
    s = stripDelimiters(s);
    if (s !== before) changed = true;
  }
  s = removeThousands(s);

  // `\text{5}`: a number set in text mode is still a number.
  s = s.replace(/^\\text\{([^A-Za-z{}]*)\}$/, "$1").trim();

  const result: NormalizedAnswer = { latex: s, percent, degrees };
  const choice = choiceLetter(s);
  if (choice !== undefined) result.choice = choice;
  const text = choice === undefined ? textAnswer(s) : undefined;
  if (text !== undefined) result.text = text;
  const base = BASE_FORM.exec(s);
  if (base && Number(base[2]) >= 2 && Number(base[2]) <= 36) {
    result.base = { digits: base[1]!.toLowerCase(), base: Number(base[2]) };
  }
  return result;
}
