import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { looksLikePlainMath, plainMathToLatex } from "./plainMath.js";

describe("plainMathToLatex", () => {
  it("reads functions, constants and powers with explicit braces", () => {
    assert.equal(plainMathToLatex("sqrt(2)/2"), "\\frac{\\sqrt{2}}{2}");
    assert.equal(plainMathToLatex("2**10"), "2^{10}");
    assert.equal(plainMathToLatex("2^10"), "2^{10}"); // plain text: 1024, not TeX's 2¹·0
    assert.equal(plainMathToLatex("3*pi"), "3\\cdot \\pi");
    assert.equal(plainMathToLatex("2pi"), "2\\cdot \\pi");
    assert.equal(plainMathToLatex("x^(1/3)"), "x^{(\\frac{1}{3})}");
  });
  it("keeps a function's power outside its argument", () => {
    assert.equal(
      plainMathToLatex("sin(x)^2"),
      "\\left(\\sin\\left(x\\right)\\right)^{2}", // (sin x)², not sin(x²)
    );
  });
  it("reads infinity spelled out, and intervals with their brackets", () => {
    assert.equal(plainMathToLatex("[3, infinity)"), "[3,\\infty)");
    assert.equal(plainMathToLatex("(-inf, 2]"), "(-\\infty,2]");
    assert.equal(plainMathToLatex("infinity"), "\\infty");
  });
  it("leaves LaTeX and text it does not read alone", () => {
    assert.equal(looksLikePlainMath("\\sqrt{2}"), false);
    assert.equal(plainMathToLatex("x+1"), undefined); // nothing to convert
    assert.equal(plainMathToLatex("sqrt(2"), undefined);
    assert.equal(plainMathToLatex("sqrt(2) apples and pi"), undefined);
  });
});
