/**
 * The option a free-text multiple-choice answer commits to: "I'd go with C since A and B fail"
 * is C, "B. not A or D" is B, "Not A, it's B" is B, "A or B" is no single option.
 *
 * Letters A–E are read in order and grouped when joined by "and", "or", "/" or commas. A group that
 * is negated — preceded by "not", "except", "rather than", "instead of", or followed by "fail",
 * "wrong", "incorrect", "is not", "are eliminated" … — is skipped. The first group that is not
 * negated is the answer when it holds one letter; several letters there are a hedge, and no option
 * is chosen. The article "A" ("A quick check shows …") is not a letter.
 *
 * Written by hand: a short scan over the letter mentions; no library reads this.
 */

const LETTER = /(?<![\p{L}\p{N}])([A-E])(?![\p{L}\p{N}])/gu;
const JOINER = /^\s*(?:[)*\].:]*\s*)(?:,|\/|and|or|&)\s*[(*[]*\s*$/i;
const NEGATED_BEFORE =
  /(?:\bnot|\bexcept(?:\s+for)?|\brather\s+than|\binstead\s+of|\bunlike|\bneither|\bnor|\beliminat\w*|\bexclud\w*|\brule\s+out)\s*[(*[]*\s*$/i;
const NEGATED_AFTER =
  /^[\s)*\].,:]*(?:all\s+|both\s+|each\s+)?(?:fails?\b|wrong\b|incorrect\b|false\b|invalid\b|impossible\b|(?:is|are|was|were|does|do|can|could)(?:\s*n['’]t|\s+not)\b|(?:is|are)\s+(?:eliminated|excluded|ruled\s+out|wrong|incorrect)\b|doesn['’]t\b|don['’]t\b|cannot\b|can['’]t\b|give\w*\s+negative\b|lead\w*\s+to\b)/i;
/** Words after which a capital A is a choice and not the article. */
const AFTER_CHOICE_A =
  /^\s+(?:is|was|and|or|since|because|as|works?|fails?|seems?|must|should|would|could|gives?|holds?|satisfies|only|then|so|but|not|are|does|doesn['’]t|cannot|can['’]t|can)\b/;

interface Mention {
  letter: string;
  start: number;
  end: number;
}

function mentions(text: string): Mention[] {
  const out: Mention[] = [];
  LETTER.lastIndex = 0;
  for (let m = LETTER.exec(text); m; m = LETTER.exec(text)) {
    const after = text.slice(m.index + 1);
    // "A quick check": the article, followed by a lower-case word that is not a verb of the letter.
    if (m[1] === "A" && /^\s+[a-z]/.test(after) && !AFTER_CHOICE_A.test(after)) continue;
    out.push({ letter: m[1]!, start: m.index, end: m.index + 1 });
  }
  return out;
}

/** The option the text commits to, or undefined (none, or a hedge between several). */
export function committedChoice(text: string): string | undefined {
  const all = mentions(text);
  const kept = new Set<string>();
  let i = 0;
  while (i < all.length) {
    const group = [all[i]!];
    while (i + 1 < all.length && JOINER.test(text.slice(all[i]!.end, all[i + 1]!.start))) {
      i++;
      group.push(all[i]!);
    }
    i++;
    const before = text.slice(Math.max(0, group[0]!.start - 40), group[0]!.start);
    const after = text.slice(group.at(-1)!.end, group.at(-1)!.end + 60);
    if (NEGATED_BEFORE.test(before) || NEGATED_AFTER.test(after)) continue;
    for (const g of group) kept.add(g.letter);
  }
  // One option left standing is the answer; two ("B, but maybe C") are a hedge.
  return kept.size === 1 ? [...kept][0] : undefined;
}
