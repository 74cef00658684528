#!/usr/bin/env node
// The `rlvr` command: the compiled CLI (built by `npm ci` through the `prepare` script).
import("../dist/cli/main.js").then((m) => m.main(process.argv)).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
