import assert from "node:assert/strict";
import { test } from "node:test";
import { JsonSyntaxError, parseJsonText } from "./jsonText.js";

function where(text: string): string {
  try {
    parseJsonText(text, "f.json");
  } catch (err) {
    assert.ok(err instanceof JsonSyntaxError);
    return err.message;
  }
  assert.fail(`parsed: ${text}`);
}

test("parses what JSON.parse parses, identically", () => {
  for (const text of [
    '{"a": [1, -2.5e3, true, false, null, "x\\n\\u00e9"], "b": {}, "c": []}',
    "  42 ",
    '"\\"quoted\\""',
    '{"__proto__": {"x": 1}}',
    "[0, 0.5, 1E-2]",
  ]) {
    assert.deepEqual(parseJsonText(text, "f"), JSON.parse(text));
  }
  assert.equal(Object.getPrototypeOf(parseJsonText('{"__proto__": 1}', "f")), Object.prototype);
});

test("errors name line and column", () => {
  assert.equal(where('{\n  "a": 1,\n  "b": x\n}'), 'f.json:3:8: unexpected "x"');
  assert.equal(where('{"a": 1,}'), "f.json:1:9: trailing comma");
  assert.equal(where('{"a": 1'), 'f.json:1:8: unexpected end of input, expected "," or "}"');
  assert.equal(where('{"a": 1, "a": 2}'), 'f.json:1:10: duplicate key "a"');
  assert.equal(where("{a: 1}"), 'f.json:1:2: unexpected "a", expected a quoted key');
  assert.equal(where("[1] 2"), 'f.json:1:5: unexpected "2" after the JSON value');
  assert.equal(where('"abc'), "f.json:1:1: unterminated string");
  assert.equal(where('"a\\qb"'), "f.json:1:3: invalid escape in string");
  assert.equal(where("01"), 'f.json:1:2: unexpected "1" after the JSON value');
  assert.equal(where(""), "f.json:1:1: unexpected end of input");
});
