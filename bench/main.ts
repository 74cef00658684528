// `npm run bench`: the machine, then each section of bench/sections.ts in its own child process
// (the local engine, PyTorch when a python with torch is found, …), then a side-by-side table.
// `npm run bench -- --json` prints one JSON object instead:
//   {machine, train_step_ms, sample_tokens_per_s, peak_rss_mb, pytorch?: {...}, <section>?: {...}}
import { describeMachine, jsonReport } from "./report.js";
import { type Figures, runSection, SECTIONS, type SectionOutcome } from "./sections.js";
import { comparisonTable, figuresTable } from "./table.js";

async function main(): Promise<void> {
  const json = process.argv.includes("--json");
  const machine = describeMachine();
  const say = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);
  say(
    `machine: ${machine.cores} cores, ${machine.cpuModel}, ${machine.totalMemoryMb} MB, Node ${machine.node}, ${machine.platform}`,
  );

  const outcomes: SectionOutcome[] = [];
  for (const section of SECTIONS) {
    process.stderr.write(`running ${section.title}…\n`);
    const t0 = performance.now();
    const outcome = await runSection(section);
    const secs = ((performance.now() - t0) / 1000).toFixed(0);
    if (outcome.status === "ok") process.stderr.write(`  done in ${secs} s\n`);
    else say(`${section.title}: ${outcome.status === "skipped" ? "skipped" : "FAILED"}: ${outcome.reason}`);
    outcomes.push(outcome);
  }

  const figures = (name: string): Figures | null => {
    const o = outcomes.find((x) => x.name === name);
    return o?.status === "ok" ? o.figures : null;
  };
  if (json) {
    process.stdout.write(`${JSON.stringify(jsonReport(machine, outcomes))}\n`);
  } else {
    say("");
    say(comparisonTable(figures("local"), figures("pytorch")));
    for (const section of SECTIONS) {
      const f = figures(section.name);
      if (section.name === "local" || section.name === "pytorch" || !f) continue;
      say(`\n${section.title}`);
      say(figuresTable(f));
    }
  }
  const failedRequired = outcomes.some(
    (o) => o.status === "failed" && SECTIONS.find((s) => s.name === o.name)?.required,
  );
  if (failedRequired) process.exitCode = 1;
}

await main();
