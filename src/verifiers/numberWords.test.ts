import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { numberWordsToDigits } from "./numberWords.js";

describe("numberWordsToDigits", () => {
  it("reads number words", () => {
    assert.equal(numberWordsToDigits("seven"), "7");
    assert.equal(numberWordsToDigits("Twenty-one"), "21");
    assert.equal(numberWordsToDigits("three hundred and five"), "305");
    assert.equal(numberWordsToDigits("two million four hundred thousand"), "2400000");
    assert.equal(numberWordsToDigits("minus four"), "-4");
    assert.equal(numberWordsToDigits("a dozen"), "12");
  });
  it("reads a number with a scale word, exactly", () => {
    assert.equal(numberWordsToDigits("2 \\text{ billion}"), "2000000000");
    assert.equal(numberWordsToDigits("3.5 million"), "3500000");
    assert.equal(numberWordsToDigits("1.2345 thousand"), undefined); // not an integer
  });
  it("leaves anything else alone", () => {
    assert.equal(numberWordsToDigits("seven apples"), undefined);
    assert.equal(numberWordsToDigits("none"), undefined);
    assert.equal(numberWordsToDigits("a"), undefined);
    assert.equal(numberWordsToDigits("7"), undefined);
  });
});
