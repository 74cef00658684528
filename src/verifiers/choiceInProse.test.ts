import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { committedChoice } from "./choiceInProse.js";

describe("committedChoice", () => {
  it("takes the first option that is not rejected", () => {
    assert.equal(committedChoice("I'd go with C since A and B fail"), "C");
    assert.equal(committedChoice("B. not A or D"), "B");
    assert.equal(committedChoice("Not A, it's B"), "B");
    assert.equal(committedChoice("A and B are wrong, so D"), "D");
    assert.equal(committedChoice("**C**"), "C");
  });
  it("refuses a hedge", () => {
    assert.equal(committedChoice("A or B"), undefined);
    assert.equal(committedChoice("(A) or (C), both look right"), undefined);
    assert.equal(committedChoice("I'd say B, but maybe C"), undefined);
  });
  it("does not take the article A for an option", () => {
    assert.equal(committedChoice("A quick check shows E works"), "E");
    assert.equal(committedChoice("no letters here"), undefined);
  });
});
