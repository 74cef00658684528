// Stop strings: the sampler stops on token ids, so a completion is cut after the first token whose
// text completes one of the strings. A string that is one token of the vocabulary also becomes a stop
// token, so that generation ends there rather than running to max_tokens.
import type { Tokenizer } from "../engine/tokenizer/types.js";
import type { SampledSequence } from "../engine/types.js";

/** Stop token ids for the strings that encode to a single token. */
export function singleTokenStops(tokenizer: Tokenizer, stops: readonly string[]): number[] {
  const ids: number[] = [];
  for (const s of stops) {
    const enc = tokenizer.encode(s);
    if (enc.length === 1 && !ids.includes(enc[0])) ids.push(enc[0]);
  }
  return ids;
}

/**
 * The sequence cut after the token that completes the first stop string (stopReason "stop"), and the
 * index in its text where that string starts (-1 when none occurs).
 */
export function cutAtStopStrings(
  seq: SampledSequence,
  tokenizer: Tokenizer,
  stops: readonly string[],
): { seq: SampledSequence; stopAt: number } {
  if (stops.length === 0) return { seq, stopAt: -1 };
  const full = tokenizer.decode(seq.tokens);
  if (!stops.some((s) => full.includes(s))) return { seq, stopAt: -1 };
  for (let k = 1; k <= seq.tokens.length; k++) {
    const text = tokenizer.decode(seq.tokens.slice(0, k));
    const at = Math.min(...stops.map((s) => text.indexOf(s)).filter((i) => i >= 0));
    if (Number.isFinite(at))
      return {
        seq: { tokens: seq.tokens.slice(0, k), logprobs: seq.logprobs.slice(0, k), stopReason: "stop" },
        stopAt: at,
      };
  }
  return { seq, stopAt: -1 };
}
