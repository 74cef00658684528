// Where generation stops: the tokenizer's eos token and the end-of-turn tokens of the common chat
// templates that the vocabulary has as special tokens (ChatML's <|im_end|>, Phi-3's <|end|>, Llama 3's
// <|eot_id|> and <|eom_id|>), so that an instruct model whose eos is another token still ends its turn.
import type { Tokenizer } from "./types.js";

export const END_OF_TURN_TOKENS = ["<|im_end|>", "<|end|>", "<|eot_id|>", "<|eom_id|>"] as const;

/**
 * eos first, then each end-of-turn token the tokenizer has as a special token, then `extra` (the eos ids
 * of the model's generation_config.json); no duplicates.
 */
export function stopTokenIds(tokenizer: Tokenizer, extra: readonly number[] = []): number[] {
  const ids = [tokenizer.eosTokenId];
  for (const t of END_OF_TURN_TOKENS) {
    if (!tokenizer.specialTokens.includes(t)) continue;
    const id = tokenizer.tokenToId(t);
    if (id !== undefined && !ids.includes(id)) ids.push(id);
  }
  for (const id of extra) if (!ids.includes(id)) ids.push(id);
  return ids;
}
