/**
 * Verifier throughput bench: checks per second per core on a mixed set of typical answers, the
 * algebra path on its own, the worst-case latency on adversarial inputs against the time budget,
 * the agreement with the labels of the held-out set (test-data/verifier-heldout.jsonl), and the
 * same figures for Math-Verify when a Python with `math_verify` is found ($RLVR_PYTHON, python3).
 *
 *   npx tsx bench/verifierThroughput.ts --json      (one JSON object on stdout)
 *
 * "Per core" divides by the CPU time the process (main thread and worker threads) used, so the
 * figure does not depend on how many cores the machine has.
 */

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EQUIVALENCE_CASES } from "../src/verifiers/equivalenceCases.js";
import { AnswerVerifier } from "../src/verifiers/verify.js";
import { agreement } from "./verifierAgreement.js";

const HELD_OUT = new URL("../test-data/verifier-heldout.jsonl", import.meta.url);
const MATH_VERIFY_SCRIPT = new URL("./mathverify_reference.py", import.meta.url);
/** Pairs of the typical mix given to Math-Verify (it checks far fewer per second). */
const MATH_VERIFY_PAIRS = 2000;

interface LabelledPair extends Pair {
  label: boolean;
  kind?: string;
}

/** First interpreter that can `import math_verify`, or null. */
function findMathVerifyPython(): string | null {
  for (const python of [process.env.RLVR_PYTHON, "python3", "/usr/bin/python3"]) {
    if (!python) continue;
    const probe = spawnSync(python, ["-c", "import math_verify"], { stdio: "ignore", timeout: 60_000 });
    if (probe.status === 0) return python;
  }
  return null;
}

interface MathVerifyRun {
  checksPerSecondPerCore: number;
  verdicts: boolean[];
}

function runMathVerify(python: string, pairs: Pair[]): MathVerifyRun {
  const dir = mkdtempSync(join(tmpdir(), "rlvr-mathverify-"));
  try {
    const file = join(dir, "pairs.jsonl");
    writeFileSync(file, pairs.map((p) => JSON.stringify({ gold: p.gold, pred: p.pred })).join("\n"));
    const run = spawnSync(python, [MATH_VERIFY_SCRIPT.pathname, file], {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      timeout: 15 * 60_000,
    });
    if (run.status !== 0) throw new Error(`mathverify_reference.py failed: ${run.stderr.slice(-500)}`);
    const lines = run.stdout.trim().split("\n");
    return JSON.parse(lines.at(-1)!) as MathVerifyRun;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readHeldOut(): LabelledPair[] {
  return readFileSync(HELD_OUT, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as LabelledPair);
}

interface Pair {
  gold: string;
  pred: string;
}

/** Typical answers of grade-school and competition datasets: mostly numbers in assorted formats. */
function typicalPairs(count: number): Pair[] {
  const pairs: Pair[] = [];
  const algebra = Object.values(EQUIVALENCE_CASES)
    .flat()
    .filter((c) => /\\(?:sqrt|pi|begin|cup)|[a-z]\^|[([]/.test(c.gold));
  for (let i = 0; i < count; i++) {
    const n = (i * 7919) % 100000;
    switch (i % 10) {
      case 0:
      case 1:
      case 2:
        pairs.push({ gold: String(n), pred: String(n + (i % 3 === 0 ? 1 : 0)) });
        break;
      case 3:
        pairs.push({ gold: String(n * 1000), pred: (n * 1000).toLocaleString("en-US") });
        break;
      case 4:
        pairs.push({ gold: `\\frac{${n % 97}}{${(n % 89) + 1}}`, pred: `${n % 97}/${(n % 89) + 1}` });
        break;
      case 5:
        pairs.push({ gold: `${(n / 100).toFixed(2)}`, pred: `\\$${(n / 100).toFixed(2)}` });
        break;
      case 6:
        pairs.push({ gold: `${n % 100}\\%`, pred: `${n % 100}` });
        break;
      case 7:
        pairs.push({ gold: `\\boxed{${n}}`, pred: `${n} apples` });
        break;
      case 8:
        pairs.push({ gold: `-${n}`, pred: `x = -${n}` });
        break;
      default: {
        const c = algebra[i % algebra.length]!;
        pairs.push({ gold: c.gold, pred: c.pred });
      }
    }
  }
  return pairs;
}

const ADVERSARIAL: Pair[] = [
  { gold: "1", pred: "100000!" },
  { gold: "1", pred: "(10^{10^{10}})!" },
  { gold: "1", pred: "9^{9^{9}}" },
  { gold: "1", pred: "2^{2^{2^{2^{2^{2}}}}}" },
  { gold: "1", pred: `${"\\sqrt{".repeat(30)}2${"}".repeat(30)}` },
  { gold: "2", pred: `${"\\frac{1}{".repeat(61)}2${"}".repeat(61)}` },
  { gold: "x", pred: `${"(x+1)".repeat(200)}` },
  { gold: "1", pred: `${"9".repeat(3000)}` },
  { gold: "\\frac{1}{2}", pred: "\\frac{1}{2" },
  { gold: "\\sin(x)", pred: "\\sin(\\sin(\\sin(\\sin(\\sin(\\sin(x^{1000}))))))" },
];

async function timeRun(
  verifier: AnswerVerifier,
  pairs: Pair[],
): Promise<{ wallS: number; cpuS: number; maxMs: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let maxMs = 0;
  for (const p of pairs) {
    const s = performance.now();
    await verifier.verifyAnswer(p.gold, p.pred);
    maxMs = Math.max(maxMs, performance.now() - s);
  }
  const cpu = process.cpuUsage(cpu0);
  return { wallS: (performance.now() - t0) / 1000, cpuS: (cpu.user + cpu.system) / 1e6, maxMs };
}

async function main(): Promise<void> {
  const timeoutMs = 2000;
  const verifier = new AnswerVerifier({ timeoutMs });
  try {
    const typical = typicalPairs(20000);
    const algebraOnly = typical.filter((_, i) => i % 10 === 9).slice(0, 300);
    await timeRun(verifier, typical.slice(0, 500)); // warm-up: worker start, JIT
    const mixed = await timeRun(verifier, typical);
    const algebra = await timeRun(verifier, algebraOnly);
    const latencies: { pred: string; ms: number; reason: string }[] = [];
    for (const p of ADVERSARIAL) {
      await verifier.warmUp(); // a ready worker: the latency measured is the comparison's
      const s = performance.now();
      const r = await verifier.verifyAnswer(p.gold, p.pred);
      latencies.push({ pred: p.pred.slice(0, 40), ms: Math.round(performance.now() - s), reason: r.reason });
    }
    const worst = Math.max(...latencies.map((l) => l.ms));

    const heldOut = readHeldOut();
    const verdicts = [];
    for (const p of heldOut) verdicts.push(await verifier.verifyAnswer(p.gold, p.pred));
    const ours = agreement(heldOut, verdicts);

    const python = findMathVerifyPython();
    let mathVerify: Record<string, number | string> = {
      mathVerify: "not found (no python with math_verify: pip install math-verify, or set RLVR_PYTHON)",
    };
    if (python !== null) {
      const speed = runMathVerify(python, typical.slice(0, MATH_VERIFY_PAIRS));
      const onHeldOut = runMathVerify(python, heldOut);
      const theirs = agreement(
        heldOut,
        onHeldOut.verdicts.map((equivalent) => ({ equivalent, reason: "math-verify" })),
      );
      mathVerify = {
        mathVerifyChecksPerSecondPerCore: Math.round(speed.checksPerSecondPerCore),
        mathVerifyHeldOutAgreementPercent: Number(((100 * theirs.agreeing) / theirs.pairs).toFixed(1)),
        mathVerifyHeldOutFalsePositives: theirs.falsePositives,
      };
    }
    const result = {
      bench: "verifierThroughput",
      checksPerSecondPerCore: Math.round(typical.length / mixed.cpuS),
      ...mathVerify,
      mixedChecks: typical.length,
      mixedChecksPerSecondWall: Math.round(typical.length / mixed.wallS),
      algebraShareOfMixed: 0.1,
      algebraChecksPerSecondPerCore: Math.round(algebraOnly.length / algebra.cpuS),
      heldOutPairs: ours.pairs,
      heldOutAgreementPercent: Number(((100 * ours.agreeing) / ours.pairs).toFixed(1)),
      heldOutFalsePositives: ours.falsePositives,
      timeBudgetMs: timeoutMs,
      adversarialWorstLatencyMs: worst,
      adversarialWithinBudget: worst <= timeoutMs + 250,
      adversarial: latencies,
    };
    if (process.argv.includes("--json")) process.stdout.write(`${JSON.stringify(result)}\n`);
    else console.log(result);
  } finally {
    await verifier.close();
  }
}

await main();
