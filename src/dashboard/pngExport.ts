// PNG plots of a report, for papers and READMEs: the report page is opened in headless Chromium in its
// PNG mode (each curve laid out alone in a frame of width × height CSS pixels, report.js) and each frame
// is screenshotted at `scale` device pixels per CSS pixel: <dir>/<panel>.png, (scale·width) × (scale·height).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launchChromium } from "./browser.js";

export interface PngSize {
  width: number;
  height: number;
  /** Device pixels per CSS pixel (2 = sharp in print). */
  scale: number;
}

export const DEFAULT_PNG_SIZE: PngSize = { width: 720, height: 360, scale: 2 };

/** Writes one PNG per drawn panel of the report page `html` into `dir`; returns their paths. */
export async function writePngs(
  html: string,
  dir: string,
  size: PngSize = DEFAULT_PNG_SIZE,
): Promise<string[]> {
  for (const [k, v] of Object.entries(size))
    if (!(Number.isInteger(v) && v > 0 && v <= 8000))
      throw new Error(`png: ${k} must be a positive integer, got ${v}`);
  mkdirSync(dir, { recursive: true });
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({
      deviceScaleFactor: size.scale,
      viewport: { width: size.width + 40, height: size.height + 40 },
    });
    // The page is self-contained: any request it makes is a bug, refused here.
    await context.route("**/*", (route) => route.abort());
    const page = await context.newPage();
    // report.js reads the PNG mode's frame size from window.RLVR_PNG, set before it runs
    const setting = `<script>window.RLVR_PNG = ${JSON.stringify({ width: size.width, height: size.height })};</script>`;
    await page.setContent(html.replace("<head>", `<head>\n${setting}`), { waitUntil: "load" });
    // (what runs in the page is given as text: this file is compiled without the DOM's types)
    await page.waitForFunction("Array.isArray(window.rlvrPng)");
    const ids = (await page.evaluate("window.rlvrPng")) as string[];
    const out: string[] = [];
    for (const id of ids) {
      const path = join(dir, `${id}.png`);
      await page.locator(`#png-${id}`).screenshot({ path, animations: "disabled" });
      out.push(path);
    }
    return out;
  } finally {
    await browser.close();
  }
}
