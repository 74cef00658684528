/**
 * Agreement of `rlvr verify --jsonl` with labelled answer pairs: runs the command (from sources,
 * so no build is needed) on a JSONL file of `{gold, pred, label, kind}` lines and prints the share
 * of lines where its `equivalent` equals `label`, the false positives (equivalent but labelled
 * false: the outcome that teaches a model to be wrong) and the false negatives, per kind.
 *
 *   npx tsx bench/verifierAgreement.ts test-data/verifier-heldout.jsonl [--list] [--json]
 *
 * `--list` prints every disagreement. On the held-out set, read the list to report what remains
 * hard, never to tune the verifier to its cases (write a development case instead).
 */

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

interface LabelledPair {
  gold: string;
  pred: string;
  label: boolean;
  kind?: string;
}

interface Verdict {
  equivalent: boolean;
  reason: string;
}

export interface KindAgreement {
  pairs: number;
  agreeing: number;
  falsePositives: number;
  falseNegatives: number;
}

export interface Agreement extends KindAgreement {
  byKind: Record<string, KindAgreement>;
  disagreements: { kind: string; gold: string; pred: string; label: boolean; reason: string }[];
}

/** Compares verdicts with labels, line by line. */
export function agreement(pairs: LabelledPair[], verdicts: Verdict[]): Agreement {
  if (pairs.length !== verdicts.length)
    throw new Error(`agreement: ${pairs.length} labelled pairs but ${verdicts.length} verdicts`);
  const empty = (): KindAgreement => ({ pairs: 0, agreeing: 0, falsePositives: 0, falseNegatives: 0 });
  const total: Agreement = { ...empty(), byKind: {}, disagreements: [] };
  pairs.forEach((pair, i) => {
    const verdict = verdicts[i]!;
    const kind = pair.kind ?? "unlabelled";
    total.byKind[kind] ??= empty();
    const k = total.byKind[kind];
    for (const t of [total, k]) {
      t.pairs++;
      if (verdict.equivalent === pair.label) t.agreeing++;
      else if (verdict.equivalent) t.falsePositives++;
      else t.falseNegatives++;
    }
    if (verdict.equivalent !== pair.label)
      total.disagreements.push({
        kind,
        gold: pair.gold,
        pred: pair.pred,
        label: pair.label,
        reason: verdict.reason,
      });
  });
  return total;
}

function percent(k: KindAgreement): string {
  return `${((100 * k.agreeing) / Math.max(1, k.pairs)).toFixed(1)}%`;
}

function main(): void {
  const file = process.argv.slice(2).find((a) => !a.startsWith("--"));
  if (file === undefined) throw new Error("usage: verifierAgreement.ts FILE.jsonl [--list] [--json]");
  const pairs = readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as LabelledPair);
  const cli = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
  const started = performance.now();
  const run = spawnSync(process.execPath, ["--import", "tsx", cli, "verify", "--jsonl", file], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`rlvr verify --jsonl ${file} failed (${run.status}): ${run.stderr}`);
  const verdicts = run.stdout
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Verdict);
  const a = agreement(pairs, verdicts);
  if (process.argv.includes("--json")) {
    const { disagreements: _, ...figures } = a;
    process.stdout.write(`${JSON.stringify({ file, seconds, ...figures })}\n`);
    return;
  }
  console.log(
    `${file}: agreement ${a.agreeing}/${a.pairs} = ${percent(a)}, false positives ${a.falsePositives}, false negatives ${a.falseNegatives} (${seconds.toFixed(1)} s)`,
  );
  for (const [kind, k] of Object.entries(a.byKind))
    console.log(`  ${kind}: ${k.agreeing}/${k.pairs}  fp ${k.falsePositives}  fn ${k.falseNegatives}`);
  if (process.argv.includes("--list")) {
    for (const d of a.disagreements) {
      const what = d.label ? "false negative" : "FALSE POSITIVE";
      console.log(`${what} [${d.kind}] ${JSON.stringify(d.gold)} | ${JSON.stringify(d.pred)} → ${d.reason}`);
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
