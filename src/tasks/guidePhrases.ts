// The MGRPO guiding phrases p_guide (appended to a layer-1 attempt to build the layer-2 correction
// query), a seeded picker, and validation of user-given pools.
import type { Rng } from "../core/rng.js";

/**
 * The paper's pool, verbatim (001 §3.2.4; 000 §3 prints the first item on one line, which is the
 * form kept here).
 */
export const PAPER_GUIDE_PHRASES: readonly string[] = Object.freeze([
  "Where might I have gone wrong this time? Let me double-check carefully.",
  "Wait, let me double-check that.",
  "Wait a minute, let me make sure I didn't make a mistake.",
  "Hmm, let me think if there's another way to approach this problem.",
  "Wait, maybe I can think about it like this:",
  "Another thought: maybe I can",
  "But wait, let me just make sure I didn't miss anything in the original problem.",
]);

/**
 * Checks a user pool: a non-empty array of non-empty strings (after trimming). `source` names where
 * the pool came from (a config field, a file) in the error. Returns a frozen copy.
 */
export function validateGuidePhrases(pool: unknown, source = "guidePhrases"): readonly string[] {
  if (!Array.isArray(pool)) {
    throw new Error(
      `${source}: expected an array of guide phrases, got ${pool === null ? "null" : typeof pool}`,
    );
  }
  if (pool.length === 0)
    throw new Error(`${source}: the guide-phrase pool is empty; give at least one phrase`);
  pool.forEach((p, i) => {
    if (typeof p !== "string") throw new Error(`${source}[${i}]: expected a string, got ${typeof p}`);
    if (p.trim() === "") throw new Error(`${source}[${i}]: the phrase is empty`);
  });
  return Object.freeze([...(pool as string[])]);
}

/** Draws one phrase uniformly from the pool with the given random stream. */
export function pickGuidePhrase(rng: Rng, pool: readonly string[] = PAPER_GUIDE_PHRASES): string {
  if (pool.length === 0) throw new Error("pickGuidePhrase: the guide-phrase pool is empty");
  return rng.pick(pool);
}
