import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { largeFloat32Array } from "./hugePages.js";

/** AnonHugePages of this process, in kB (Linux), or null where the kernel does not report it. */
function anonHugePagesKb(): number | null {
  try {
    const m = /AnonHugePages:\s+(\d+) kB/.exec(readFileSync("/proc/self/smaps_rollup", "utf8"));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function thpOnRequest(): boolean {
  try {
    return /\[(madvise|always)\]/.test(readFileSync("/sys/kernel/mm/transparent_hugepage/enabled", "utf8"));
  } catch {
    return false;
  }
}

test("a large array is zeroed, of its length, and on huge pages where Linux offers them on request", (t) => {
  const n = 16 * 2 ** 20; // 64 MiB
  const before = anonHugePagesKb();
  const a = largeFloat32Array(n);
  assert.equal(a.length, n);
  assert.equal(a[0] + a[n - 1], 0);
  for (let i = 0; i < n; i += 1024) a[i] = 1;
  if (!thpOnRequest() || before === null) {
    t.skip("transparent huge pages are not offered on request here");
    return;
  }
  const grown = (anonHugePagesKb() ?? 0) - before;
  // the 2 MiB-aligned interior: at least 60 of its 64 MiB
  assert.ok(grown >= 60 * 1024, `AnonHugePages grew by ${grown} kB`);
  assert.equal(largeFloat32Array(3).length, 3);
});
