// Self-reflection words in sampled completions (docs/algorithms.md#1-shot-rlvr; 1-shot RLVR §3.3 counts
// "rethink", "recheck", "recalculate" … in outputs and finds more of them after training). Pure.

/** The default word list, 1-shot RLVR §3.3's and the usual hesitation markers. */
export const DEFAULT_REFLECTION_WORDS = [
  "rethink",
  "recheck",
  "recalculate",
  "re-evaluate",
  "double-check",
  "wait",
  "however",
  "verify",
] as const;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A whole-word, case-insensitive matcher of any word of the list (null for an empty list). */
export function reflectionMatcher(words: readonly string[]): RegExp | null {
  const parts = words.map((w) => w.trim()).filter((w) => w.length > 0);
  if (parts.length === 0) return null;
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${parts.map(escapeRegExp).join("|")})(?![\\p{L}\\p{N}])`, "giu");
}

/** Occurrences of the words in each text, and the share of texts with at least one. */
export function countReflectionWords(
  texts: readonly string[],
  words: readonly string[],
): { count_B: number[]; total: number; share: number } {
  const re = reflectionMatcher(words);
  const count_B = texts.map((t) => (re ? (t.match(re)?.length ?? 0) : 0));
  const total = count_B.reduce((s, c) => s + c, 0);
  return { count_B, total, share: texts.length > 0 ? count_B.filter((c) => c > 0).length / texts.length : 0 };
}
