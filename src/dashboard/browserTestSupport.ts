// Shared by the end-to-end tests in headless Chromium: they run wherever Chromium is (CI installs
// Debian's chromium in .ci/run), are skipped with a message saying so where it is not, and fail under
// CI=true when it is missing rather than pass without running.
import type { TestContext } from "node:test";
import type { Browser } from "playwright-core";
import { findChromium, launchChromium } from "./browser.js";

/** Chromium for a test, or null after marking the test skipped (never under CI=true: there it throws). */
export async function browserOrSkip(t: TestContext): Promise<Browser | null> {
  if (!findChromium()) {
    const where = process.env.CHROMIUM
      ? `CHROMIUM=${process.env.CHROMIUM} does not exist`
      : "no /usr/bin/chromium";
    const why = `no Chromium (${where}): install Debian's chromium to run this test`;
    if (process.env.CI === "true") throw new Error(`CI=true but ${why} (.ci/run installs it)`);
    t.skip(why);
    return null;
  }
  return launchChromium();
}

/** Width and height from a PNG's IHDR chunk; throws unless the bytes start with the PNG signature. */
export function pngSize(bytes: Buffer): { width: number; height: number } {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (bytes.length < 24 || !bytes.subarray(0, 8).equals(signature)) throw new Error("not a PNG (signature)");
  if (bytes.toString("latin1", 12, 16) !== "IHDR") throw new Error("not a PNG (no IHDR first)");
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}
