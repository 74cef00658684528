import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ce, evaluate, toSide } from "./algebraEngine.js";
import { rationalToString as str } from "./rational.js";

describe("algebraEngine", () => {
  it("reads a computed value exactly as the 50-digit decimal it is", () => {
    const json = ce().parse("\\sqrt{2}").json;
    const side = toSide(evaluate(json), json);
    assert.ok(side !== undefined);
    // √2 to 50 significant digits, read as a fraction over 10^49.
    assert.match(str(side.re), /^14142135623730950488016887242096980785696718753769\d*\/10{49}$/);
  });
  it("reads infinities and complex values", () => {
    const inf = ce().parse("\\infty").json;
    assert.equal(toSide(evaluate(inf), inf)?.infinite, 1);
    const z = ce().parse("(1+i)^3").json; // −2 + 2i
    const side = toSide(evaluate(z), z);
    assert.equal(side && `${str(side.re)} ${str(side.im)}`, "-2 2");
  });
  it("evaluates at a point", () => {
    const json = ce().parse("x^2+1").json;
    assert.equal(str(toSide(evaluate(json, { x: 0.5 }), json)!.re), "5/4");
  });
});
