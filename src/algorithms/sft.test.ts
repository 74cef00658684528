import assert from "node:assert/strict";
import { test } from "node:test";
import { CharTokenizer } from "../engine/tokenizer/charTokenizer.js";
import { sftDatums } from "./sft.js";

test("SFT weights: token-mean over the completion tokens of the whole batch", () => {
  const tok = new CharTokenizer();
  const d = sftDatums(tok, [
    { prompt: "ab", completion: "cd" }, // sequence abcd: targets b c d; completion targets c d
    { prompt: "x", completion: "yz<|im_end|>" }, // sequence x y z EOS: targets y z EOS, all completion
  ]);
  // 2 + 3 = 5 completion tokens in the batch: each weighs 1/5.
  assert.deepEqual(d[0].weights, [0, 0.2, 0.2]);
  assert.deepEqual(d[1].weights, [0.2, 0.2, 0.2]);
  assert.deepEqual(d[0].targetTokens, tok.encode("bcd"));
  assert.equal(d[1].targetTokens[2], tok.eosTokenId);
});
