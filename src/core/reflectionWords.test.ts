import assert from "node:assert/strict";
import { test } from "node:test";
import { countReflectionWords, DEFAULT_REFLECTION_WORDS } from "./reflectionWords.js";

test("counts whole words, case-insensitively", () => {
  const r = countReflectionWords(
    ["Wait, let me recheck. wait again", "awaited rechecked", "nothing here", "Let me re-evaluate"],
    DEFAULT_REFLECTION_WORDS,
  );
  // "Wait", "recheck", "wait" = 3; "awaited"/"rechecked" are other words; "re-evaluate" = 1
  assert.deepEqual(r.count_B, [3, 0, 0, 1]);
  assert.equal(r.total, 4);
  assert.equal(r.share, 0.5);
});

test("an empty list counts nothing", () => {
  assert.deepEqual(countReflectionWords(["wait"], []), { count_B: [0], total: 0, share: 0 });
});
