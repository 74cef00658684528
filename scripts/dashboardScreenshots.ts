// The pictures in docs/dashboard/: screenshots of `rlvr dashboard` on a folder of runs (the curves, and
// the sample browser on the newest step with MGRPO's correction groups), and `rlvr report` of one run
// with its PNG plots.
//
//   npx tsx scripts/dashboardScreenshots.ts RUNS_DIR RUN_DIR [--out docs/dashboard]
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { launchChromium } from "../src/dashboard/browser.js";
import { writeReport } from "../src/dashboard/report.js";
import { startDashboard } from "../src/dashboard/server.js";

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: "string", default: "docs/dashboard" },
    plots: { type: "string", default: "reward,accuracy,heldout,kl,corrections" },
  },
});
const [runsDir, runDir] = positionals;
if (!runsDir || !runDir) throw new Error("usage: dashboardScreenshots.ts RUNS_DIR RUN_DIR [--out DIR]");
const out = flags.out ?? "docs/dashboard";
mkdirSync(out, { recursive: true });

const server = await startDashboard({ root: runsDir, port: 0 });
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1050 } });
  await page.goto(server.url);
  await page.waitForFunction("window.rlvr && window.rlvr.ready()");
  await page.screenshot({ path: join(out, "dashboard-curves.png") });
  console.log(`wrote ${join(out, "dashboard-curves.png")}`);
  await page.click("button[data-tab=samples]");
  await page.selectOption("#s-run", { label: basename(runDir) }).catch(() => undefined);
  await page.waitForSelector("#s-view .correction-group");
  await page.locator("#s-view .correction-group").first().scrollIntoViewIfNeeded();
  await page.evaluate("window.scrollBy(0, -260)");
  await page.screenshot({ path: join(out, "dashboard-samples.png") });
  console.log(`wrote ${join(out, "dashboard-samples.png")}`);
} finally {
  await browser.close();
  await server.close();
}

const all = mkdtempSync(join(tmpdir(), "rlvr-plots-"));
const r = await writeReport(runDir, { out: join(out, "report.html"), png: all });
console.log(`wrote ${r.html}`);
const plots = join(out, "plots");
rmSync(plots, { recursive: true, force: true });
mkdirSync(plots);
for (const id of (flags.plots ?? "").split(",")) {
  copyFileSync(join(all, `${id}.png`), join(plots, `${id}.png`));
  console.log(`wrote ${join(plots, `${id}.png`)}`);
}
rmSync(all, { recursive: true, force: true });
