// What a user's clone ships must stand on its own: no file cites the development-only `shared/` folder
// (docs/algorithms.md is the reference the code cites), and the README stays a short user guide.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { PACKAGE_ROOT } from "./run/models.js";

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

test("no file in src, scripts, bench, recipes, docs or the guides cites shared/ or its reference files", () => {
  const files = [
    ...["src", "scripts", "bench", "recipes", "docs"].flatMap((d) => filesUnder(join(PACKAGE_ROOT, d))),
    ...["README.md", "CONTRIBUTING.md"].map((f) => join(PACKAGE_ROOT, f)),
  ].filter(
    (f) =>
      f !== join(PACKAGE_ROOT, "src", "docs.test.ts") &&
      // the one script that runs a development machine's copy of the official Tinker SDK; without it, it says so and exits 1
      f !== join(PACKAGE_ROOT, "scripts", "checkTinkerSdk.ts"),
  );
  const citing = files.filter((f) =>
    /\bshared\/|(?<![/\w])(ALGORITHMS|DESIGN|TINKER|ENGINE-NOTES)\.md/.test(readFileSync(f, "utf8")),
  );
  assert.deepEqual(citing, []);
});

test("the README is a user guide of at most 200 lines that starts with the two commands", () => {
  const lines = readFileSync(join(PACKAGE_ROOT, "README.md"), "utf8").split("\n");
  assert.ok(lines.length <= 200, `${lines.length} lines`);
  const code = lines.findIndex((l) => l.startsWith("```bash"));
  assert.match(lines[code + 1], /^npm ci && npm start\b/);
  assert.match(lines[code + 2], /^npm test\b/);
});
