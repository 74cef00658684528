// rlvr report in headless Chromium (skipped where there is none, never under CI): on a finished MGRPO
// run the HTML file opens from disk with every network request refused and draws one point per step,
// and --png writes non-empty images of the size asked for.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, test } from "node:test";
import { browserOrSkip, pngSize } from "./browserTestSupport.js";
import { writeReport } from "./report.js";
import { scriptedRun } from "./testRuns.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-report-e2e-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
let run: string;
before(async () => {
  run = await scriptedRun(join(tmp, "mgrpo"), { steps: 6, evalEvery: 3 });
});

test("report in Chromium: the HTML opens offline and draws every step; the PNGs are images of the right size", async (t) => {
  const browser = await browserOrSkip(t);
  if (!browser) return;
  try {
    const out = join(tmp, "report.html");
    const size = { width: 640, height: 320, scale: 2 };
    const r = await writeReport(run, { out, png: join(tmp, "png"), pngSize: size });

    const context = await browser.newContext();
    const requests: string[] = [];
    await context.route("**/*", (route) => {
      requests.push(route.request().url());
      return route.request().url().startsWith("file:") ? route.continue() : route.abort();
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(pathToFileURL(out).href);
    await page.waitForFunction("window.rlvr && window.rlvr.ready()");
    assert.deepEqual(requests, [pathToFileURL(out).href], "the report asks for nothing but itself");
    const points = (await page.evaluate("window.rlvr.points('reward')")) as { key: string; n: number }[];
    assert.deepEqual(
      points.map((p) => [p.key, p.n]),
      [
        ["rollout/reward_mean", 6],
        ["layer2/reward_mean", 6],
      ],
    );
    assert.ok((await page.locator("#samples .prompt").count()) > 0, "the last step's samples");
    assert.deepEqual(errors, []);

    const names = r.pngs.map((p) => basename(p));
    for (const want of ["reward.png", "accuracy.png", "heldout.png", "corrections.png", "throughput.png"])
      assert.ok(names.includes(want), `${want} in ${names.join(", ")}`);
    for (const png of r.pngs) {
      const bytes = readFileSync(png);
      assert.deepEqual(pngSize(bytes), { width: 1280, height: 640 }, png);
      // non-empty: drawn back in the browser, a good share of its pixels are not white
      const inked = (await page.evaluate(
        `new Promise((resolve) => {
          const img = new Image();
          img.onload = () => {
            const c = document.createElement("canvas");
            c.width = img.width; c.height = img.height;
            const g = c.getContext("2d"); g.drawImage(img, 0, 0);
            const px = g.getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let i = 0; i < px.length; i += 4) if (px[i] < 200 || px[i + 1] < 200 || px[i + 2] < 200) n++;
            resolve(n / (c.width * c.height));
          };
          img.src = "data:image/png;base64,${bytes.toString("base64")}";
        })`,
      )) as number;
      assert.ok(inked > 0.005, `${png}: ${(100 * inked).toFixed(2)}% of pixels drawn`);
    }
  } finally {
    await browser.close();
  }
});
