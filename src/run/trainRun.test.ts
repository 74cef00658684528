// trainRun, the one entry point: (1) the recipes of rlvr train, npm start, compare:mgrpo and
// compare:baselines give the metrics stored from before the structure change (test-data/metrics-reference:
// the same short runs, recorded by the previous code, whose keys had no namespaces); (2) a run on a second
// engine kind built purely from config; (3) run.evalEvery writes held-out accuracy into metrics.jsonl.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { type Config, type ConfigInput, mergeConfig, parseConfig, readConfigInput } from "./config.js";
import type { LocalEngine } from "../engine/local/localEngine.js";
import { readSafetensors } from "../engine/local/safetensors.js";
import { openSession } from "./session.js";
import { loadTokenizer } from "../engine/tokenizer/loadTokenizer.js";
import { DEFAULT_MODEL_DIR, PACKAGE_ROOT } from "./models.js";
import { ProgressReporter } from "./progress.js";
import { readJsonl } from "./runDirectory.js";
import { trainRun } from "./trainRun.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-trainrun-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const quiet = (total: number) =>
  new ProgressReporter({ total, stream: { write: () => true, isTTY: false } as never, live: false });
const REFERENCE = join(PACKAGE_ROOT, "test-data", "metrics-reference");

/** The new name of a metric of the reference files (recorded before metrics had namespaces). */
function renamed(key: string): string {
  const table: Record<string, string> = {
    adv_mean: "advantage/mean",
    adv_std: "advantage/std",
    adv_min: "advantage/min",
    adv_max: "advantage/max",
    failed_positive_share: "advantage/failed_positive_share",
    r_count: "advantage/r_count",
    r_loss: "advantage/r_loss",
    loss: "optim/loss",
    kl: "optim/kl",
    entropy: "optim/entropy",
    clip_frac: "optim/clip_frac",
    grad_norm: "optim/grad_norm",
    lr: "optim/lr",
    layer1_accuracy: "rollout/accuracy",
    sampled_tokens_layer1: "rollout/sampled_tokens",
    sampled_tokens_layer2: "layer2/sampled_tokens",
    star_kept: "star/kept",
    star_kept_corrections: "star/kept_corrections",
  };
  if (Object.hasOwn(table, key)) return table[key];
  if (key.startsWith("layer2_")) return `layer2/${key.slice("layer2_".length)}`;
  return `rollout/${key}`;
}

/** Which recipe each reference run reproduces (the rest are `rlvr train` configs from the defaults). */
const RECIPE_OF: Record<string, string | undefined> = {
  start: "start.json",
  "corpo-ordinal": "compare-baselines.json",
  "mgrpo-sequential": "compare-mgrpo.json",
};

for (const file of readdirSync(REFERENCE).filter((f) => f.endsWith(".json"))) {
  const name = file.replace(/\.json$/, "");
  test(`trainRun reproduces the reference metrics of ${name}${RECIPE_OF[name] ? ` (recipes/${RECIPE_OF[name]})` : ""}`, async () => {
    const ref = JSON.parse(readFileSync(join(REFERENCE, file), "utf8")) as {
      config: ConfigInput;
      metrics: Record<string, number | null>[];
    };
    const common: ConfigInput = {
      model: "default",
      steps: 2,
      seed: 3,
      batch: { promptsPerStep: 3, groupSize: 4 },
      sampling: { maxTokens: 96 },
      run: { checkpointEvery: 0, samplesPerStep: 4, out: join(tmp, name) },
    };
    const recipe = RECIPE_OF[name] ? readConfigInput(join(PACKAGE_ROOT, "recipes", RECIPE_OF[name])) : {};
    const config = parseConfig(mergeConfig(mergeConfig(recipe, ref.config), common), name);
    const { runDir } = await trainRun(config, { progress: quiet(config.steps) });
    const got = readJsonl(join(runDir, "metrics.jsonl"));
    assert.equal(got.length, ref.metrics.length);
    for (const [s, old] of ref.metrics.entries()) {
      for (const [key, value] of Object.entries(old)) {
        if (key === "step") continue;
        const now =
          key === "sampled_tokens"
            ? Number(got[s]["rollout/sampled_tokens"]) + Number(got[s]["layer2/sampled_tokens"])
            : got[s][renamed(key)];
        assert.ok(now !== undefined, `step ${s + 1}: ${key} (now ${renamed(key)}) is missing`);
        if (typeof value === "number" && typeof now === "number")
          assert.ok(
            Math.abs(now - value) <= 1e-9 * Math.max(1, Math.abs(value)),
            `step ${s + 1}: ${renamed(key)} ${now}, before ${value}`,
          );
        else assert.equal(now, value, `step ${s + 1}: ${renamed(key)}`);
      }
    }
  });
}

test("a run on the scripted engine, chosen purely through config", async () => {
  // Arithmetic problems have integer answers; "\\boxed{0}" is right only where the gold is 0.
  const config = parseConfig(
    {
      algo: "grpo",
      engine: { kind: "scripted", completions: ["<think>x</think>\\boxed{0}", "no answer"], logprob: -0.5 },
      steps: 3,
      batch: { promptsPerStep: 2, groupSize: 4 },
      run: { out: join(tmp, "scripted"), checkpointEvery: 2 },
    },
    "test",
  );
  const { runDir, checkpoint } = await trainRun(config, { progress: quiet(3) });
  const metrics = readJsonl(join(runDir, "metrics.jsonl"));
  const tokenizer = loadTokenizer(DEFAULT_MODEL_DIR);
  assert.deepEqual(
    metrics.map((m) => m.step),
    [1, 2, 3],
  );
  for (const m of metrics) {
    assert.equal(m["rollout/samples"], 8);
    // Each completion is the scripted text's tokens and an end-of-turn token.
    const tokens = (text: string) => tokenizer.encode(text).length + 1;
    assert.equal(
      m["rollout/sampled_tokens"],
      4 * tokens("<think>x</think>\\boxed{0}") + 4 * tokens("no answer"),
    );
    // The scripted engine's forwardBackward reports loss:sum 0.5 and its optimStep grad norm 1.
    assert.equal(m["optim/loss"], 0.5);
    assert.equal(m["optim/grad_norm"], 1);
  }
  assert.match(checkpoint, /checkpoints\/step-3$/);
  assert.deepEqual(JSON.parse(readFileSync(join(checkpoint, "scripted_engine.json"), "utf8")), {
    optimSteps: 3,
  });
  const samples = readJsonl(join(runDir, "samples.jsonl"));
  assert.equal(samples[0].completion, "<think>x</think>\\boxed{0}");
  assert.equal(samples[1].completion, "no answer");
});

test("run.evalEvery: held-out greedy accuracy every N steps and after the last, in metrics.jsonl", async () => {
  const config = parseConfig(
    {
      engine: { kind: "scripted", completions: ["\\boxed{0}"] },
      steps: 5,
      batch: { promptsPerStep: 1, groupSize: 2 },
      loss: { kl: { coef: 0 } },
      run: { out: join(tmp, "eval-every"), evalEvery: 2, evalProblems: 7, checkpointEvery: 0 },
    },
    "test",
  );
  const { runDir } = await trainRun(config, { progress: quiet(5) });
  const metrics = readJsonl(join(runDir, "metrics.jsonl"));
  assert.deepEqual(
    metrics.filter((m) => "eval/accuracy" in m).map((m) => m.step),
    [2, 4, 5],
  );
  const timings = readJsonl(join(runDir, "timings.jsonl"));
  assert.ok(
    timings.filter((t) => "time/eval_s" in t).length === 3,
    "its wall-clock time goes to timings.jsonl",
  );
});

/** A LoRA GRPO run on the shipped model: one training problem (1-shot), adapters of rank 8. */
function loraConfig(out: string, steps: number, lr: number): Config {
  return parseConfig(
    {
      engine: { kind: "local", threads: 1 },
      lora: { rank: 8, alpha: 16 },
      steps,
      seed: 1,
      task: { trainSize: 1 },
      batch: { promptsPerStep: 2, groupSize: 8 },
      sampling: { maxTokens: 48 },
      optim: { lr, schedule: "constant", warmupRatio: 0 },
      run: { out, checkpointEvery: 3 },
    },
    "test",
  );
}

test("LoRA through trainRun: the reward rises on a 1-shot problem; checkpoints hold the adapter (PEFT layout) and resume exactly", async () => {
  const { runDir, checkpoint } = await trainRun(loraConfig(join(tmp, "lora"), 12, 3e-3), {
    progress: quiet(12),
  });
  const accuracy = readJsonl(join(runDir, "metrics.jsonl")).map((m) => m["rollout/accuracy"] as number);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  // measured: 0.66 over the first 4 steps → 0.97 over the last 4; with lr 1e-9 (no learning) 0.58 → 0.72
  assert.ok(mean(accuracy.slice(-4)) >= 0.9, `last steps' accuracy ${accuracy}`);
  assert.ok(mean(accuracy.slice(-4)) >= mean(accuracy.slice(0, 4)) + 0.2, `accuracy ${accuracy}`);
  const files = readdirSync(checkpoint);
  assert.ok(
    files.includes("adapter_config.json") && files.includes("adapter_model.safetensors"),
    files.join(),
  );
  assert.ok(!files.includes("model.safetensors"), "a LoRA checkpoint holds no base weights");
  // a checkpoint opens as base model + adapter without the config's lora section (rlvr eval --checkpoint)
  const session = await openSession(
    { ...loraConfig(runDir, 1, 1), lora: undefined },
    { weightsDir: checkpoint },
  );
  const adapters = (session.engine as LocalEngine).loraAdapters()!.adapters;
  const saved = readSafetensors(join(checkpoint, "adapter_model.safetensors"));
  for (const [name, a] of adapters) assert.deepEqual(a, saved.get(`base_model.model.${name}`)!.data, name);
  await session.close();

  // 3 steps, then resumed to 5, equals 5 steps straight
  const straight = await trainRun(loraConfig(join(tmp, "lora-5"), 5, 3e-3), { progress: quiet(5) });
  await trainRun(loraConfig(join(tmp, "lora-3+2"), 3, 3e-3), { progress: quiet(3) });
  const resumed = await trainRun(loraConfig(join(tmp, "lora-3+2"), 5, 3e-3), {
    progress: quiet(5),
    resume: true,
  });
  assert.equal(resumed.startStep, 3);
  const a = readSafetensors(join(straight.checkpoint, "adapter_model.safetensors"));
  const b = readSafetensors(join(resumed.checkpoint, "adapter_model.safetensors"));
  for (const [name, t] of a) assert.deepEqual(b.get(name)!.data, t.data, name);
});

test("PPO with LoRA through trainRun: the critic trains beside the adapters; value_head.safetensors in each checkpoint; resume is exact", async () => {
  const ppo = (out: string, steps: number) => ({ ...loraConfig(out, steps, 3e-3), algo: "ppo" as const });
  const straight = await trainRun(ppo(join(tmp, "ppo-lora-4"), 4), { progress: quiet(4) });
  const files = readdirSync(straight.checkpoint);
  for (const f of ["adapter_config.json", "adapter_model.safetensors", "value_head.safetensors"])
    assert.ok(files.includes(f), files.join());
  const head = readSafetensors(join(straight.checkpoint, "value_head.safetensors"));
  assert.ok(
    head.get("value_head.weight")!.data.some((x) => x !== 0),
    "the critic (zero at the start) was trained",
  );
  const metrics = readJsonl(join(straight.runDir, "metrics.jsonl"));
  assert.equal(metrics.length, 4);
  // 3 steps (checkpoint at 3), then resumed to 4, equals 4 steps straight
  await trainRun(ppo(join(tmp, "ppo-lora-3+1"), 3), { progress: quiet(3) });
  const resumed = await trainRun(ppo(join(tmp, "ppo-lora-3+1"), 4), { progress: quiet(4), resume: true });
  assert.equal(resumed.startStep, 3);
  for (const file of ["adapter_model.safetensors", "value_head.safetensors"]) {
    const a = readSafetensors(join(straight.checkpoint, file));
    const b = readSafetensors(join(resumed.checkpoint, file));
    assert.equal(a.size, b.size);
    for (const [name, t] of a) assert.deepEqual(b.get(name)!.data, t.data, `${file} ${name}`);
  }
});
