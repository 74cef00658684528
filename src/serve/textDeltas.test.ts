import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { loadTokenizer } from "../engine/tokenizer/loadTokenizer.js";
import { DEFAULT_MODEL_DIR, PACKAGE_ROOT } from "../run/models.js";
import { TextDeltas } from "./textDeltas.js";

// Phi-3's tokenizer falls back to bytes: 🙂 is four byte tokens, whose prefixes decode to U+FFFD
const phi3 = loadTokenizer(join(PACKAGE_ROOT, "test-data", "tokenizers", "phi-3-mini"));
const chars = loadTokenizer(DEFAULT_MODEL_DIR);

test("a character split across byte tokens is sent whole, once its last byte is decoded", () => {
  const text = "héllo 🙂 世界 ok";
  const ids = phi3.encode(text);
  const deltas = new TextDeltas(phi3, [], []);
  const sent = ids.map((t) => deltas.push(t));
  assert.ok(
    sent.every((d) => d !== null && !d.includes("\uFFFD")),
    JSON.stringify(sent),
  );
  // the byte tokens before the emoji's last one send nothing; the last one sends the whole emoji
  const emojiAt = sent.findIndex((d) => d?.includes("🙂"));
  assert.ok(emojiAt >= 3, JSON.stringify(sent));
  assert.deepEqual(sent.slice(emojiAt - 3, emojiAt), ["", "", ""]);
  assert.equal(sent.join("") + deltas.finish(phi3.decode(ids)), text);
});

test("with a stop string, no text past its start is sent, and later tokens are not part of the answer", () => {
  const ids = chars.encode("ab\n\ncd");
  const deltas = new TextDeltas(chars, ["\n\n"], []);
  const sent = ids.map((t) => deltas.push(t));
  // "\n" is held back (it may start "\n\n"); the second "\n" completes the stop string
  assert.deepEqual(sent, ["", "a", "b", null, null, null]);
  assert.equal(deltas.finish("ab"), "");
});

test("an end-of-turn token adds nothing; finish sends the rest of the final text", () => {
  const deltas = new TextDeltas(chars, ["xyz"], [chars.eosTokenId]);
  const sent = chars.encode("1234").map((t) => deltas.push(t));
  assert.deepEqual(sent, ["", "", "1", "2"]);
  assert.equal(deltas.push(chars.eosTokenId), null);
  assert.equal(deltas.finish("1234"), "34");
});
