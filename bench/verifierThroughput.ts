/**
 * Verifier throughput bench: checks per second per core on a mixed set of typical answers, the
 * algebra path on its own, and the worst-case latency on adversarial inputs against the time budget.
 *
 *   npx tsx bench/verifierThroughput.ts --json      (one JSON object on stdout)
 *
 * "Per core" divides by the CPU time the process (main thread and worker threads) used, so the
 * figure does not depend on how many cores the machine has.
 */

import { EQUIVALENCE_CASES } from "../src/verifiers/equivalenceCases.js";
import { AnswerVerifier } from "../src/verifiers/verify.js";

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
    const result = {
      bench: "verifierThroughput",
      mixedChecks: typical.length,
      mixedChecksPerSecondPerCore: Math.round(typical.length / mixed.cpuS),
      mixedChecksPerSecondWall: Math.round(typical.length / mixed.wallS),
      algebraShareOfMixed: 0.1,
      algebraChecksPerSecondPerCore: Math.round(algebraOnly.length / algebra.cpuS),
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
