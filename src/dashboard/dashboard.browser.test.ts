// End to end in headless Chromium (browserTestSupport.ts: skipped where there is no Chromium, never
// under CI): the dashboard on finished short runs — the curves have one point per metrics.jsonl step,
// a sample opens in the browser, a screenshot is saved — and a step appended while the page is open
// grows the curve without a reload.
import assert from "node:assert/strict";
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { browserOrSkip, pngSize } from "./browserTestSupport.js";
import { startDashboard } from "./server.js";
import { scriptedRun } from "./testRuns.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-dashboard-e2e-"));
const runs = join(tmp, "runs");
after(() => rmSync(tmp, { recursive: true, force: true }));
before(async () => {
  await scriptedRun(join(runs, "mgrpo"), { steps: 5, evalEvery: 2 });
  await scriptedRun(join(runs, "grpo"), { algo: "grpo", steps: 4 });
});

const stepsOf = (dir: string) => readFileSync(join(dir, "metrics.jsonl"), "utf8").trim().split("\n").length;
type Points = { run: string; key: string; n: number }[];

test("dashboard in Chromium: curves have one point per step of metrics.jsonl; a sample opens; screenshot", async (t) => {
  const browser = await browserOrSkip(t);
  if (!browser) return;
  const server = await startDashboard({ root: runs, port: 0, pollMs: 100 });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const t0 = Date.now();
    await page.goto(server.url);
    await page.waitForFunction("window.rlvr && window.rlvr.ready()");
    t.diagnostic(`page ready in ${Date.now() - t0} ms`);
    for (const run of ["mgrpo", "grpo"]) {
      const points = (await page.evaluate("window.rlvr.points('reward')")) as Points;
      const layer1 = points.find((p) => p.run === run && p.key === "rollout/reward_mean");
      assert.equal(layer1?.n, stepsOf(join(runs, run)), `${run}: points of the reward curve`);
    }
    const accuracy = (await page.evaluate("window.rlvr.points('accuracy')")) as Points;
    assert.equal(accuracy.find((p) => p.run === "mgrpo" && p.key === "layer2/accuracy")?.n, 5);
    const heldOut = (await page.evaluate("window.rlvr.points('heldout')")) as Points;
    assert.equal(heldOut.find((p) => p.run === "mgrpo")?.n, 3, "evaluated at steps 2, 4 and 5");
    assert.equal(await page.locator(".panel canvas").first().isVisible(), true);

    // the sample browser: the newest step of the first run with samples, each prompt with its G completions
    await page.click("button[data-tab=samples]");
    await page.selectOption("#s-run", "mgrpo");
    // the tab opened the first run's newest step; wait for mgrpo's newest (5) to be drawn, not for any view
    await page.waitForFunction(
      "document.querySelector('#s-step').value === '5' && document.querySelector('#s-pager').innerText.startsWith('step 5:')",
      undefined,
      { timeout: 10_000 },
    );
    const first = page.locator("#s-view .prompt").first();
    assert.equal(await first.locator("> table.samples tr[data-index]").count(), 4, "G = 4 completions");
    assert.match(
      await first.locator("> table.samples").innerText(),
      /reward[\s\S]*advantage[\s\S]*extracted/,
    );
    assert.ok((await page.locator("#s-view .correction-group").count()) > 0, "MGRPO's correction groups");
    assert.match(await page.locator("#s-view .correction-group").first().innerText(), /guide: /);
    // filter by outcome: only i→i corrections stay
    await page.selectOption("#s-outcome", "i2i");
    const badges = await page.locator("#s-view .badge").allInnerTexts();
    assert.ok(badges.length > 0 && badges.every((b) => b === "i→i"), badges.join(","));
    // search all steps, open a hit: its step is shown and its row highlighted
    await page.selectOption("#s-outcome", "");
    await page.fill("#s-q", "no answer");
    await page.click("#s-search");
    await page.locator("#s-results .hit").first().click();
    await page.waitForSelector("#s-view tr.highlight");
    assert.equal(await page.inputValue("#s-step"), "1");
    const shot = join(tmp, "dashboard-samples.png");
    await page.screenshot({ path: shot });
    assert.deepEqual(pngSize(readFileSync(shot)), { width: 1400, height: 1000 });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await server.close();
  }
});

test("dashboard in Chromium: a step appended while the page is open grows the curve, without a reload", async (t) => {
  const browser = await browserOrSkip(t);
  if (!browser) return;
  const live = join(tmp, "live");
  cpSync(join(runs, "grpo"), join(live, "grpo"), { recursive: true });
  const server = await startDashboard({ root: live, port: 0, pollMs: 100 });
  try {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.waitForFunction("window.rlvr && window.rlvr.ready()");
    await page.evaluate("window.loadedOnce = performance.timeOrigin");
    const count = async () =>
      ((await page.evaluate("window.rlvr.points('reward')")) as Points).find(
        (p) => p.key === "rollout/reward_mean",
      )?.n;
    assert.equal(await count(), 4);
    const path = join(live, "grpo", "metrics.jsonl");
    const last = JSON.parse(readFileSync(path, "utf8").trim().split("\n").at(-1) ?? "{}");
    const t0 = Date.now();
    appendFileSync(path, `${JSON.stringify({ ...last, step: 5, "rollout/reward_mean": 0.875 })}\n`);
    await page.waitForFunction(
      "window.rlvr.points('reward').some((p) => p.key === 'rollout/reward_mean' && p.n === 5)",
      undefined,
      { timeout: 10_000 },
    );
    t.diagnostic(`appended step drawn after ${Date.now() - t0} ms`);
    // a torn line (a kill mid-append) is held back and said so, the page keeps its points
    appendFileSync(path, '{"step":6,"rollout/rew');
    await page.waitForFunction(
      "document.querySelector('#runs').innerText.includes('unfinished')",
      undefined,
      {
        timeout: 10_000,
      },
    );
    assert.equal(await count(), 5);
    assert.equal(await page.evaluate("window.loadedOnce === performance.timeOrigin"), true, "no reload");
    assert.match(await page.locator("#runs .run").innerText(), /step 5 \/ 4/);
  } finally {
    await browser.close();
    await server.close();
  }
});
