import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { CharTokenizer } from "./charTokenizer.js";
import { HfTokenizer } from "./hfTokenizer.js";
import { loadTokenizer } from "./loadTokenizer.js";

function writeTinyHfCheckpoint(dir: string): void {
  const tokenizer = {
    version: "1.0",
    added_tokens: [
      { id: 1, content: "</s>", special: true, normalized: false, lstrip: false, rstrip: false },
    ],
    normalizer: null,
    pre_tokenizer: { type: "Whitespace" },
    post_processor: null,
    decoder: null,
    model: { type: "BPE", unk_token: "<unk>", vocab: { "<unk>": 0, "</s>": 1, x: 2 }, merges: [] },
  };
  writeFileSync(join(dir, "tokenizer.json"), JSON.stringify(tokenizer));
  writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify({ eos_token: "</s>" }));
}

test("loadTokenizer chooses by the content of tokenizer.json", () => {
  const dir = mkdtempSync(join(tmpdir(), "loadtok-"));
  try {
    new CharTokenizer().save(dir);
    assert.ok(loadTokenizer(dir) instanceof CharTokenizer);
    writeTinyHfCheckpoint(dir);
    const hf = loadTokenizer(dir);
    assert.ok(hf instanceof HfTokenizer);
    assert.deepEqual(hf.encode("x x</s>"), [2, 2, 1]);
    writeFileSync(join(dir, "tokenizer.json"), JSON.stringify({ hello: 1 }));
    assert.throws(() => loadTokenizer(dir), /unknown tokenizer format/);
    rmSync(join(dir, "tokenizer.json"));
    assert.throws(() => loadTokenizer(dir), /tokenizer\.json: ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
