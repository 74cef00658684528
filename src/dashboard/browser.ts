// Headless Chromium for the PNG export and the end-to-end tests: Debian's chromium (installed by
// .ci/run where it is missing), driven by playwright-core, which downloads no browser of its own.
// $CHROMIUM names another binary.
import { existsSync } from "node:fs";
import type { Browser } from "playwright-core";

/** The flags Chromium runs with here: as root, with no GPU and no network of its own. */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
];

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

/** The Chromium binary: $CHROMIUM, else the first of Debian's usual paths that exists; null if none. */
export function findChromium(): string | null {
  const env = process.env.CHROMIUM;
  if (env) return existsSync(env) ? env : null;
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath)
    throw new Error(
      `no Chromium found (${process.env.CHROMIUM ? `CHROMIUM=${process.env.CHROMIUM}` : CANDIDATES.join(", ")}): ` +
        "install Debian's chromium (apt-get install chromium) or set CHROMIUM to a Chromium binary",
    );
  // loaded here, not at the top: it takes about a second, which every other rlvr command would pay
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_FLAGS });
}
