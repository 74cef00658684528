// `npm run bench`: the machine, then each section of bench/sections.ts in its own child process
// (the local engine, PyTorch when a python with torch is found, …), then a side-by-side table.
// `npm run bench -- --scale` adds the Qwen2.5-0.5B-shape section (bench/qwenScale.ts; opt-in, it takes
// tens of minutes on 2 cores); `--only a,b` runs only the sections named.
// `npm run bench -- --json` prints one JSON object instead:
//   {machine, train_step_ms, sample_tokens_per_s, peak_rss_mb, pytorch?: {...}, <section>?: {...}}
import { describeMachine, jsonReport } from "./report.js";
import { type Figures, runSection, SECTIONS, type SectionOutcome } from "./sections.js";
import { type ScaleReport, scaleTable } from "./qwenScale.js";
import { comparisonTable, figuresTable } from "./table.js";

async function main(): Promise<void> {
  const json = process.argv.includes("--json");
  if (process.argv.includes("--scale")) process.env.RLVR_BENCH_SCALE = "1";
  const onlyAt = process.argv.indexOf("--only");
  const only = onlyAt >= 0 ? new Set((process.argv[onlyAt + 1] ?? "").split(",")) : null;
  const sections = SECTIONS.filter((s) => only === null || only.has(s.name));
  if (sections.length === 0)
    throw new Error(`--only: no such section (${SECTIONS.map((s) => s.name).join(", ")})`);
  const machine = describeMachine();
  const say = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);
  say(
    `machine: ${machine.cores} cores, ${machine.cpuModel}, ${machine.totalMemoryMb} MB, Node ${machine.node}, ${machine.platform}`,
  );

  const outcomes: SectionOutcome[] = [];
  for (const section of sections) {
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
    if (figures("local")) say(comparisonTable(figures("local"), figures("pytorch")));
    const scale = figures("scale");
    if (scale) {
      const m = (scale as unknown as ScaleReport).machine;
      say(
        `\nQwen2.5-0.5B shape (${m.threads} threads; PyTorch's OPENBLAS_CORETYPE=${m.openblas_coretype}; load average before ${m.load_average_before})`,
      );
      say(scaleTable(scale as unknown as ScaleReport));
    }
    for (const section of sections) {
      const f = figures(section.name);
      if (["local", "pytorch", "scale"].includes(section.name) || !f) continue;
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
