// How the dashboard copes with a large run: writes a synthetic MGRPO run directory (metrics.jsonl with
// the real metric keys for --steps steps, a timings.jsonl, and a samples.jsonl of about --samples-mb MB),
// then measures the server's first read, the samples index, the curves' request, a search, and (when
// Chromium is there) the page's load until its curves are drawn.
//
//   npx tsx scripts/benchDashboard.ts [--steps 100000] [--samples-mb 1024] [--dir DIR] [--keep]
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { findChromium, launchChromium } from "../src/dashboard/browser.js";
import { startDashboard } from "../src/dashboard/server.js";

const { values: flags } = parseArgs({
  options: {
    steps: { type: "string", default: "100000" },
    "samples-mb": { type: "string", default: "1024" },
    dir: { type: "string" },
    keep: { type: "boolean", default: false },
  },
});
const steps = Number(flags.steps);
const samplesBytes = Number(flags["samples-mb"]) * 2 ** 20;
const root = flags.dir ?? mkdtempSync(join(tmpdir(), "rlvr-bench-dashboard-"));
const run = join(root, "large");
mkdirSync(run, { recursive: true });

/** Writes lines produced by `line(i)` for i = 1.. until `stop(i, bytes)`, in 8 MB blocks. */
function writeLines(
  path: string,
  line: (i: number) => string,
  stop: (i: number, bytes: number) => boolean,
): number {
  const fd = openSync(path, "w");
  let bytes = 0;
  let block: string[] = [];
  let blockBytes = 0;
  for (let i = 1; !stop(i, bytes + blockBytes); i++) {
    const l = `${line(i)}\n`;
    block.push(l);
    blockBytes += l.length;
    if (blockBytes > 8 << 20) {
      bytes += writeSync(fd, block.join(""));
      block = [];
      blockBytes = 0;
    }
  }
  bytes += writeSync(fd, block.join(""));
  closeSync(fd);
  return bytes;
}

const t0 = performance.now();
writeFileSync(
  join(run, "config.json"),
  JSON.stringify({
    algo: "mgrpo",
    task: { name: "arith" },
    steps,
    seed: 0,
    batch: { promptsPerStep: 16, groupSize: 8 },
  }),
);
// the keys of a real MGRPO step, with smooth values and a KL blow-up at 60% of the run
const keys = [
  ...[
    "reward_mean",
    "accuracy",
    "truncated_share",
    "completion_tokens_mean",
    "samples",
    "sampled_tokens",
  ].flatMap((k) => [`rollout/${k}`, `layer2/${k}`]),
  "rollout/zero_variance_share",
  ...["mean", "std", "min", "max", "failed_positive_share", "r_count", "r_loss"].map((k) => `advantage/${k}`),
  ...["loss", "kl", "entropy", "clip_frac", "grad_norm", "lr"].map((k) => `optim/${k}`),
  ...[
    "corrections",
    "confirmations",
    "failures",
    "kept_groups",
    "discarded_groups",
    "i2c_rate",
    "c2i_rate",
  ].map((k) => `layer2/${k}`),
  ...["loss", "kl", "entropy", "clip_frac", "grad_norm"].map((k) => `layer2/${k}`),
];
const spike = Math.round(0.6 * steps);
const metricsBytes = writeLines(
  join(run, "metrics.jsonl"),
  (step) => {
    const rec: Record<string, number> = { step };
    for (const [j, k] of keys.entries())
      rec[k] = 0.5 + 0.4 * Math.sin(step / 997 + j) * (1 - step / (2 * steps));
    if (step === spike) rec["optim/kl"] = 25;
    if (step % 50 === 0) rec["eval/accuracy"] = 0.5 + (0.3 * step) / steps;
    return JSON.stringify(rec);
  },
  (i) => i > steps,
);
writeLines(
  join(run, "timings.jsonl"),
  (step) => JSON.stringify({ step, "time/sample_s": 1.2, "time/sample_tokens_per_s": 4000 + (step % 300) }),
  (i) => i > steps,
);
const completion = "<think>12*3 = 36\n36+7 = 43</think>\\boxed{43}";
let perStep = 1;
const sample = (i: number) => {
  const step = Math.floor((i - 1) / perStep) + 1;
  const k = (i - 1) % perStep;
  return JSON.stringify({
    step,
    problem_id: `arith:12*3+${k % 16}`,
    question: `Compute 12*3+${k % 16}.`,
    gold: String(36 + (k % 16)),
    completion: k % 7 === 0 ? `needle ${step} ${completion}` : completion,
    reward: k % 3 === 0 ? 1 : 0,
    correct: k % 3 === 0,
    truncated: false,
    advantage: k % 3 === 0 ? 0.7 : -0.35,
    reason: k % 3 === 0 ? "correct" : "wrong: 43 ≠ 44",
  });
};
perStep = Math.max(1, Math.round(samplesBytes / steps / (sample(1).length + 1)));
const samplesWritten = writeLines(join(run, "samples.jsonl"), sample, (i) => i > steps * perStep);
const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
console.log(
  `synthetic run: ${steps} steps, metrics.jsonl ${mb(metricsBytes)} (${keys.length + 1} keys), samples.jsonl ` +
    `${mb(samplesWritten)} (${perStep} records a step), written in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);

const rss = () => `${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB RSS`;
let t = performance.now();
const server = await startDashboard({ root, port: 0, pollMs: 500 });
// the server reads a large file in parts, between requests: wait until metrics.jsonl is read
while ((server.state.runs.get("large")?.metrics.length ?? 0) < steps)
  await new Promise((r) => setTimeout(r, 50));
console.log(`server: metrics.jsonl read in ${((performance.now() - t) / 1000).toFixed(1)} s, ${rss()}`);
const get = async (path: string) => {
  const t1 = performance.now();
  const r = await fetch(`${server.url}${path}`);
  const text = await r.text();
  return { ms: performance.now() - t1, bytes: text.length, body: JSON.parse(text) };
};
const series = await get("api/series?run=large&which=panels");
const kl = series.body.series["optim/kl"];
console.log(
  `curves request: ${series.ms.toFixed(0)} ms, ${mb(series.bytes)}, ${kl.x.length} points a curve (KL spike kept: ${kl.y.includes(25)})`,
);
t = performance.now();
let steps_ = await get("api/steps?run=large");
while (steps_.body.indexing) {
  await new Promise((r) => setTimeout(r, 200));
  steps_ = await get("api/steps?run=large");
}
console.log(
  `samples index: ${steps_.body.steps.length} steps of ${mb(statSync(join(run, "samples.jsonl")).size)} in ` +
    `${((performance.now() - t) / 1000).toFixed(1)} s, ${rss()}`,
);
const page = await get(`api/samples?run=large&step=${spike}&offset=0&limit=100`);
console.log(`one step's samples: ${page.ms.toFixed(0)} ms, ${page.body.total} records, ${mb(page.bytes)}`);
const search = await get(`api/search?run=large&q=needle%20${spike}&outcome=correct&from=0`);
console.log(
  `search (one call, at most 64 MB scanned): ${search.ms.toFixed(0)} ms, ${search.body.matches.length} matches, next ${search.body.next}`,
);
if (findChromium()) {
  const browser = await launchChromium();
  const p = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const t2 = performance.now();
  await p.goto(server.url);
  await p.waitForFunction("window.rlvr && window.rlvr.ready()", undefined, { timeout: 120_000 });
  console.log(`page: loaded and every curve drawn in ${((performance.now() - t2) / 1000).toFixed(2)} s`);
  const t3 = performance.now();
  await p.fill("#smoothing", "0.9");
  await p.dispatchEvent("#smoothing", "input");
  await p.waitForTimeout(50);
  await p.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))");
  console.log(`page: smoothing redrawn in ${(performance.now() - t3).toFixed(0)} ms`);
  await browser.close();
} else console.log("page: no Chromium, not measured");
await server.close();
if (!flags.keep && !flags.dir) rmSync(root, { recursive: true, force: true });
else console.log(`kept: ${root}`);
