import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../core/rng.js";
import { PAPER_GUIDE_PHRASES, pickGuidePhrase, validateGuidePhrases } from "./guidePhrases.js";

test("the paper's pool: seven phrases, verbatim", () => {
  assert.equal(PAPER_GUIDE_PHRASES.length, 7);
  assert.equal(
    PAPER_GUIDE_PHRASES[0],
    "Where might I have gone wrong this time? Let me double-check carefully.",
  );
  assert.equal(
    PAPER_GUIDE_PHRASES[6],
    "But wait, let me just make sure I didn't miss anything in the original problem.",
  );
  assert.ok(PAPER_GUIDE_PHRASES.includes("Another thought: maybe I can"));
  assert.ok(Object.isFrozen(PAPER_GUIDE_PHRASES));
});

test("pickGuidePhrase is seeded and reaches every phrase", () => {
  const a = Array.from({ length: 50 }, (_, i) => pickGuidePhrase(Rng.derive(3, i)));
  const b = Array.from({ length: 50 }, (_, i) => pickGuidePhrase(Rng.derive(3, i)));
  assert.deepEqual(a, b);
  assert.equal(new Set(a).size, PAPER_GUIDE_PHRASES.length);
  assert.equal(pickGuidePhrase(new Rng(1), ["only"]), "only");
  assert.throws(() => pickGuidePhrase(new Rng(1), []), /empty/);
});

test("validateGuidePhrases names the bad entry", () => {
  assert.deepEqual(validateGuidePhrases(["a", "b"]), ["a", "b"]);
  assert.throws(
    () => validateGuidePhrases([], "config.mgrpo.guidePhrases"),
    /config\.mgrpo\.guidePhrases: .*empty/,
  );
  assert.throws(() => validateGuidePhrases("x"), /guidePhrases: expected an array/);
  assert.throws(() => validateGuidePhrases(["ok", 3]), /guidePhrases\[1\]: expected a string, got number/);
  assert.throws(() => validateGuidePhrases(["ok", "  "]), /guidePhrases\[1\]: the phrase is empty/);
});
