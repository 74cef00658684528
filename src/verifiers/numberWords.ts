/**
 * English number words as digits: `seven`, `twenty-one`, `one hundred five`, `2 billion`,
 * `3.5 million`, `a dozen`. Whole answers only; anything else returns undefined.
 *
 * Written here (a page of code) rather than taken from a package: the npm packages that do this
 * (words-to-numbers and the like) are unmaintained, round through floating point, and would bring a
 * dependency for twenty words.
 */

const UNITS: Record<string, number> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
  dozen: 12,
};

const SCALES: Record<string, bigint> = {
  thousand: 10n ** 3n,
  million: 10n ** 6n,
  billion: 10n ** 9n,
  trillion: 10n ** 12n,
};

/** `seven`, `twenty-one`, `three hundred and five`, `two million four hundred thousand` → digits. */
function wordsValue(words: string[]): bigint | undefined {
  let total = 0n;
  let group = 0n;
  let seen = false;
  for (const w of words) {
    if (w === "and" || w === "a" || w === "an") continue;
    const unit = UNITS[w];
    if (unit !== undefined) {
      group += BigInt(unit);
      seen = true;
    } else if (w === "hundred") {
      group = (group === 0n ? 1n : group) * 100n;
      seen = true;
    } else if (SCALES[w] !== undefined) {
      total += (group === 0n ? 1n : group) * SCALES[w]!;
      group = 0n;
      seen = true;
    } else {
      return undefined;
    }
  }
  return seen ? total + group : undefined;
}

/**
 * The digits of a whole answer written in words, or with a scale word after a number
 * (`2 billion` → 2000000000, `3.5 million` → 3500000; exact, no rounding); undefined otherwise.
 */
export function numberWordsToDigits(text: string): string | undefined {
  const s = text
    .trim()
    .toLowerCase()
    .replace(/^\\text\{([^{}]*)\}$/, "$1")
    .trim();
  if (s.length === 0 || s.length > 200) return undefined;
  // A number followed by a scale word, the word possibly in \text{…}.
  const scaled = /^(-?)(\d+)(?:\.(\d+))?\s*(?:\\text\{\s*)?(thousand|million|billion|trillion)\s*\}?$/.exec(
    s,
  );
  if (scaled) {
    const frac = scaled[3] ?? "";
    const value = (BigInt(scaled[2]! + frac) * SCALES[scaled[4]!]!) / 10n ** BigInt(frac.length);
    // 3.5 million is exact; 1.2345 thousand is not an integer and is left alone.
    if ((BigInt(scaled[2]! + frac) * SCALES[scaled[4]!]!) % 10n ** BigInt(frac.length) !== 0n)
      return undefined;
    return `${scaled[1]}${value}`;
  }
  if (!/^(?:minus\s+|negative\s+)?[a-z]+(?:[\s-]+[a-z]+)*$/.test(s)) return undefined;
  const negative = /^(?:minus|negative)\s/.test(s);
  const words = s
    .replace(/^(?:minus|negative)\s+/, "")
    .split(/[\s-]+/)
    .filter((w) => w !== "");
  const value = wordsValue(words);
  return value === undefined ? undefined : `${negative && value !== 0n ? "-" : ""}${value}`;
}
