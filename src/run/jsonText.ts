// Strict JSON parsing that says where it failed: `file:line:column: message`, on every Node version
// (V8's own messages carry a position on some versions and not on others). Also rejects duplicate keys,
// which JSON.parse silently resolves to the last one (a config with `"lr"` twice is a mistake).

export class JsonSyntaxError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    readonly column: number,
    readonly detail: string,
  ) {
    super(`${source}:${line}:${column}: ${detail}`);
    this.name = "JsonSyntaxError";
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// A JSON string body: no raw control characters, only the escapes JSON allows.
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON forbids raw U+0000–U+001F in strings; this rejects them
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

/** Parses JSON text; throws JsonSyntaxError with the 1-based line and column of the first error. */
export function parseJsonText(text: string, source: string): unknown {
  let pos = 0;

  const fail = (message: string, at = pos): never => {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at && i < text.length; i++) {
      if (text[i] === "\n") {
        line++;
        lineStart = i + 1;
      }
    }
    throw new JsonSyntaxError(source, line, at - lineStart + 1, message);
  };
  const describe = (at: number): string =>
    at >= text.length ? "unexpected end of input" : `unexpected ${JSON.stringify(text[at])}`;

  const skipSpace = (): void => {
    while (pos < text.length && " \t\n\r".includes(text[pos])) pos++;
  };

  const string = (): string => {
    STRING.lastIndex = pos;
    const m = STRING.exec(text);
    if (!m) {
      // Find the offending character for a precise column.
      let i = pos + 1;
      while (i < text.length && text[i] !== '"') {
        if (text.charCodeAt(i) < 0x20) fail("control character in string (escape it)", i);
        if (text[i] === "\\") {
          if (!/["\\/bfnrtu]/.test(text[i + 1] ?? "")) fail("invalid escape in string", i);
          i++;
        }
        i++;
      }
      return fail("unterminated string");
    }
    pos += m[0].length;
    return JSON.parse(m[0]) as string;
  };

  const value = (depth: number): unknown => {
    if (depth > 512) fail("nesting too deep");
    skipSpace();
    const c = text[pos];
    if (c === "{") {
      pos++;
      const out: Record<string, unknown> = {};
      skipSpace();
      if (text[pos] === "}") {
        pos++;
        return out;
      }
      for (;;) {
        skipSpace();
        if (text[pos] !== '"') fail(`${describe(pos)}, expected a quoted key`);
        const keyAt = pos;
        const key = string();
        if (Object.hasOwn(out, key)) fail(`duplicate key ${JSON.stringify(key)}`, keyAt);
        skipSpace();
        if (text[pos] !== ":") fail(`${describe(pos)}, expected ":"`);
        pos++;
        const v = value(depth + 1);
        Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
        skipSpace();
        if (text[pos] === ",") {
          pos++;
          skipSpace();
          if (text[pos] === "}") fail("trailing comma");
          continue;
        }
        if (text[pos] === "}") {
          pos++;
          return out;
        }
        fail(`${describe(pos)}, expected "," or "}"`);
      }
    }
    if (c === "[") {
      pos++;
      const out: unknown[] = [];
      skipSpace();
      if (text[pos] === "]") {
        pos++;
        return out;
      }
      for (;;) {
        out.push(value(depth + 1));
        skipSpace();
        if (text[pos] === ",") {
          pos++;
          skipSpace();
          if (text[pos] === "]") fail("trailing comma");
          continue;
        }
        if (text[pos] === "]") {
          pos++;
          return out;
        }
        fail(`${describe(pos)}, expected "," or "]"`);
      }
    }
    if (c === '"') return string();
    for (const [word, v] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return v;
      }
    }
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (m) {
      pos += m[0].length;
      return Number(m[0]);
    }
    return fail(describe(pos));
  };

  // A UTF-8 byte-order mark is tolerated (editors on Windows write one).
  if (text.charCodeAt(0) === 0xfeff) pos = 1;
  const result = value(0);
  skipSpace();
  if (pos < text.length) fail(`${describe(pos)} after the JSON value`);
  return result;
}
