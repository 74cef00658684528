import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { HfTokenizer } from "./hfTokenizer.js";

/** A tiny BPE tokenizer (merges a+b, ab+c) with whitespace pre-tokenization and special added tokens. */
function tinyBpeTokenizer(): Record<string, unknown> {
  const special = (id: number, content: string) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [special(0, "<unk>"), special(1, "<|im_start|>"), special(2, "<|im_end|>")],
    normalizer: null,
    pre_tokenizer: { type: "Whitespace" },
    post_processor: null,
    decoder: null,
    model: {
      type: "BPE",
      dropout: null,
      unk_token: "<unk>",
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: {
        "<unk>": 0,
        "<|im_start|>": 1,
        "<|im_end|>": 2,
        a: 3,
        b: 4,
        c: 5,
        ab: 6,
        abc: 7,
        "1": 8,
        "+": 9,
      },
      merges: [
        ["a", "b"],
        ["ab", "c"],
      ],
    },
  };
}

function writeTinyHfCheckpoint(dir: string, config: Record<string, unknown> = { eos_token: "<|im_end|>" }) {
  writeFileSync(join(dir, "tokenizer.json"), JSON.stringify(tinyBpeTokenizer()));
  writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify(config));
}

test("HfTokenizer loads a BPE tokenizer.json + tokenizer_config.json", () => {
  const dir = mkdtempSync(join(tmpdir(), "hftok-"));
  try {
    writeTinyHfCheckpoint(dir);
    const tok = HfTokenizer.load(dir);
    assert.equal(tok.vocabSize, 10);
    assert.equal(tok.eosTokenId, 2);
    assert.equal(tok.padTokenId, 2, "pad falls back to eos");
    assert.deepEqual(tok.specialTokens, ["<unk>", "<|im_start|>", "<|im_end|>"]);
    assert.deepEqual(tok.encode("<|im_start|>abc ab a1+<|im_end|>"), [1, 7, 6, 3, 8, 9, 2]);
    assert.deepEqual(tok.encode("cab z"), [5, 6, 0], "merges apply within words; unknown → <unk>");
    assert.equal(tok.tokenToId("abc"), 7);
    assert.equal(tok.tokenToId("nope"), undefined);
    assert.match(tok.decode([7, 6, 2]), /abc ?ab ?<\|im_end\|>/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("HfTokenizer: pad_token as an AddedToken object; missing or bad eos is a clear error", () => {
  const dir = mkdtempSync(join(tmpdir(), "hftok-"));
  try {
    writeTinyHfCheckpoint(dir, { eos_token: { content: "<|im_end|>" }, pad_token: "<unk>" });
    const tok = HfTokenizer.load(dir);
    assert.equal(tok.padTokenId, 0);
    writeTinyHfCheckpoint(dir, {});
    assert.throws(() => HfTokenizer.load(dir), /tokenizer\.json: tokenizer_config\.json has no "eos_token"/);
    writeTinyHfCheckpoint(dir, { eos_token: "</s>" });
    assert.throws(() => HfTokenizer.load(dir), /eos_token "<\/s>" is not in the vocabulary/);
    writeFileSync(join(dir, "tokenizer.json"), "{not json");
    assert.throws(() => HfTokenizer.load(dir), /tokenizer\.json: /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
