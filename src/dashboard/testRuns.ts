// Shared by the dashboard's tests: short real run directories written by the project's own trainer on
// the scripted engine (no model compute, well under a second each).
import type { Algo } from "../core/choices.js";
import { parseConfig } from "../run/config.js";
import { ProgressReporter } from "../run/progress.js";
import { trainRun } from "../run/trainRun.js";

/** Answers of the scripted engine: arithmetic golds are integers, so "\\boxed{0}" is right only for 0. */
export const SCRIPTED_COMPLETIONS = ["<think>x</think>\\boxed{0}", "no answer", "\\boxed{12}", "\\boxed{-3}"];

/** Trains `steps` steps of `algo` on the scripted engine into `out`; resolves to the run directory. */
export async function scriptedRun(
  out: string,
  options: { algo?: Algo; steps?: number; evalEvery?: number } = {},
): Promise<string> {
  const steps = options.steps ?? 4;
  const config = parseConfig(
    {
      algo: options.algo ?? "mgrpo",
      engine: { kind: "scripted", completions: SCRIPTED_COMPLETIONS, logprob: -0.5 },
      steps,
      seed: 1,
      batch: { promptsPerStep: 2, groupSize: 4 },
      mgrpo: { layer2Group: 4 },
      run: { out, checkpointEvery: 0, samplesPerStep: 8, evalEvery: options.evalEvery ?? 0, evalProblems: 4 },
    },
    "dashboard test",
  );
  const quiet = new ProgressReporter({
    total: steps,
    stream: { write: () => true, isTTY: false } as never,
    live: false,
  });
  const { runDir } = await trainRun(config, { progress: quiet });
  return runDir;
}
