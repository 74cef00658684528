import assert from "node:assert/strict";
import { test } from "node:test";
import { CharTokenizer } from "./charTokenizer.js";
import { stopTokenIds } from "./stopTokens.js";
import type { Tokenizer } from "./types.js";

test("stop tokens: eos, then the end-of-turn tokens the vocabulary has, once each", () => {
  const char = new CharTokenizer();
  assert.deepEqual(stopTokenIds(char), [char.eosTokenId], "the shipped model: <|im_end|> is its eos");
  // Phi-3: eos <|endoftext|> (32000), end of turn <|end|> (32007).
  const ids: Record<string, number> = { "<|endoftext|>": 32000, "<|end|>": 32007, "<|user|>": 32010 };
  const phi3 = {
    eosTokenId: 32000,
    specialTokens: Object.keys(ids),
    tokenToId: (t: string) => ids[t],
  } as unknown as Tokenizer;
  assert.deepEqual(stopTokenIds(phi3), [32000, 32007]);
  // generation_config.json's eos ids (Phi-3: [32000, 32001, 32007]) join, once each
  assert.deepEqual(stopTokenIds(phi3, [32000, 32001, 32007]), [32000, 32007, 32001]);
});
