// Train with your own data and reward from the library, as TRL's GRPOTrainer(reward_funcs=…) does:
//
//   npx tsx examples/custom-reward/train.ts [--steps N] [--out DIR]
//
// The problems are a JSONL file with your own field names (an array of objects works too); the reward
// is a function (the same one as reward.mjs, which `rlvr train --dataset … --reward …` takes from the
// command line).
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { train } from "rlvr";
import { score } from "./reward.mjs";

const { values } = parseArgs({
  options: { steps: { type: "string", default: "20" }, out: { type: "string" } },
});
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

const { runDir, lastMetrics } = await train({
  dataset: here("problems.jsonl"),
  questionField: "prompt",
  answerField: "target",
  reward: score,
  model: "default",
  config: {
    algo: "grpo",
    steps: Number(values.steps),
    batch: { promptsPerStep: 4, groupSize: 8 },
    sampling: { maxTokens: 96 },
    optim: { lr: 1e-4, schedule: "constant", warmupRatio: 0 },
    run: { out: values.out ?? "runs/custom-reward", checkpointEvery: 10 },
  },
});
console.log(
  JSON.stringify({
    runDir,
    reward: lastMetrics["rollout/reward_mean"],
    accuracy: lastMetrics["rollout/accuracy"],
  }),
);
