import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { PAPER_TABLE1_SYSTEM_PROMPT } from "../../tasks/promptPresets.js";
import { INTRINSIC_CORRECTION_INSTRUCTION } from "../../tasks/correctionPrompt.js";
import { PAPER_GUIDE_PHRASES } from "../../tasks/guidePhrases.js";
import { CharTokenizer, DEFAULT_ALPHABET, DEFAULT_SPECIAL_TOKENS } from "./charTokenizer.js";

test("default vocabulary: 6 special tokens then newline and printable ASCII", () => {
  const tok = new CharTokenizer();
  assert.equal(tok.vocabSize, 6 + 1 + 95);
  assert.equal(tok.vocabSize, DEFAULT_SPECIAL_TOKENS.length + DEFAULT_ALPHABET.length);
  assert.equal(tok.padTokenId, 0);
  assert.equal(tok.tokenToId("<unk>"), 1);
  assert.equal(tok.eosTokenId, tok.tokenToId("<|im_end|>"));
  assert.equal(tok.tokenToId("\n"), 6);
  assert.equal(tok.tokenToId(" "), 7);
  assert.equal(tok.tokenToId("~"), tok.vocabSize - 1);
});

test("special tokens are single ids, matched greedily; round trip", () => {
  const tok = new CharTokenizer();
  const text = "<|im_start|>user\nCompute 2+3.<|im_end|>\n<think>2+3=5</think>\\boxed{5}<|im_end|>";
  const ids = tok.encode(text);
  assert.equal(ids[0], tok.tokenToId("<|im_start|>"));
  assert.equal(ids.filter((id) => id === tok.eosTokenId).length, 2);
  assert.equal(ids.filter((id) => id === tok.tokenToId("<think>")).length, 1);
  assert.equal(ids.filter((id) => id === tok.tokenToId("</think>")).length, 1);
  assert.equal(tok.decode(ids), text);
  // A lone "<" or an unfinished marker stays characters.
  assert.deepEqual(
    tok.encode("<thin"),
    [..."<thin"].map((c) => tok.tokenToId(c)),
  );
  assert.equal(tok.encode("a<b").length, 3);
});

test("longest special token wins when one is a prefix of another", () => {
  const tok = new CharTokenizer({ specialTokens: ["<|pad|>", "<unk>", "<|im_end|>", "<a>", "<a>>"] });
  assert.deepEqual(tok.encode("<a>>"), [tok.tokenToId("<a>>")]);
});

test("unknown characters: clear error by default, <unk> on request", () => {
  const tok = new CharTokenizer();
  assert.throws(() => tok.encode("caf\u00e9 ok"), /U\+00E9 "é" at offset 3 is not in the vocabulary/);
  const lenient = new CharTokenizer({ onUnknown: "unk" });
  assert.deepEqual(lenient.encode("a\u00e9b"), [lenient.tokenToId("a"), 1, lenient.tokenToId("b")]);
  assert.deepEqual(lenient.encode("😀").length, 1, "an astral character is one unknown, not two");
  assert.throws(() => tok.decode([tok.vocabSize]), /outside the vocabulary/);
});

test("save / load round trip through tokenizer.json", () => {
  const dir = mkdtempSync(join(tmpdir(), "chartok-"));
  try {
    const tok = new CharTokenizer({ onUnknown: "unk" });
    tok.save(dir);
    const json = JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8"));
    assert.equal(json.type, "rlvr-char");
    const back = CharTokenizer.load(dir);
    assert.deepEqual(back.toJSON(), tok.toJSON());
    const s = "Wait, let me double-check that.\n<think>9*9=81</think>";
    assert.deepEqual(back.encode(s), tok.encode(s));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bad tokenizer.json fields are named", () => {
  const good = new CharTokenizer().toJSON();
  assert.throws(() => CharTokenizer.fromJSON({ ...good, type: "x" }, "f.json"), /f\.json: field "type"/);
  assert.throws(() => CharTokenizer.fromJSON({ ...good, alphabet: [1] }, "f.json"), /field "alphabet"/);
  assert.throws(
    () => CharTokenizer.fromJSON({ ...good, alphabet: ["ab"] }, "f.json"),
    /exactly one character/,
  );
  assert.throws(() => CharTokenizer.fromJSON({ ...good, eosToken: "x" }, "f.json"), /eosToken "x"/);
  assert.throws(() => new CharTokenizer({ alphabet: ["a", "a"] }), /appears twice/);
});

test("the default alphabet covers the guide phrases, the Table 1 prompt and the correction instruction", () => {
  const tok = new CharTokenizer();
  for (const text of [...PAPER_GUIDE_PHRASES, PAPER_TABLE1_SYSTEM_PROMPT, INTRINSIC_CORRECTION_INSTRUCTION]) {
    assert.equal(tok.decode(tok.encode(text)), text);
  }
  const tableIds = tok.encode(PAPER_TABLE1_SYSTEM_PROMPT);
  assert.ok(
    tableIds.includes(tok.tokenToId("<think>")!),
    "the markers in the system prompt are special tokens",
  );
});
