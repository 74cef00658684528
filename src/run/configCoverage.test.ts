// No dead config: every field of the schema is read by the code that trains. A handful of short runs,
// which between them use every algorithm, engine kind and option group, get a config that records each
// field read; a field that none of them reads fails the test (remove it, or build what it configures).
// Reads made only to store or compare the config (config.json, resume checks) do not count.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { type Config, type ConfigInput, configSchema, parseConfig } from "./config.js";
import { ProgressReporter } from "./progress.js";
import { openSamplingSession } from "./session.js";
import { trainRun } from "./trainRun.js";
// the Tinker engine's fields are read by a run against `rlvr serve` (a test above its layer: serve/)
import { type RunningServer, startServer } from "../serve/server.js";
import { DEFAULT_MODEL_DIR } from "./models.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-coverage-"));
let server: RunningServer | undefined;
after(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** The dotted paths of the schema's leaves (a union of objects contributes every variant's fields). */
function leafPaths(schema: unknown, path = ""): string[] {
  // biome-ignore lint/suspicious/noExplicitAny: walking zod's definitions
  const def = (schema as any)._zod.def;
  switch (def.type) {
    case "default":
    case "prefault":
    case "optional":
      return leafPaths(def.innerType, path);
    case "object":
      return Object.entries(def.shape).flatMap(([k, v]) => leafPaths(v, path ? `${path}.${k}` : k));
    case "union": {
      // biome-ignore lint/suspicious/noExplicitAny: walking zod's definitions
      const objects = def.options.filter((o: any) => o._zod.def.type === "object");
      if (objects.length !== def.options.length) return [path];
      return [...new Set<string>(objects.flatMap((o: unknown) => leafPaths(o, path)))];
    }
    default:
      return [path];
  }
}

/** Reads that only store or compare the config, not use it. */
const STORING = /writeConfigFile|JSON\.stringify|checkResumeConfig/;

/** `config` behind a proxy that adds the dotted path of every field read to `reads`. */
function recording<T extends object>(target: T, reads: Set<string>, path = ""): T {
  return new Proxy(target, {
    get(t, key, receiver) {
      const value = Reflect.get(t, key, receiver);
      if (typeof key !== "string") return value;
      const p = path ? `${path}.${key}` : key;
      if (!STORING.test(new Error().stack ?? "")) reads.add(p);
      return value !== null && typeof value === "object" && !Array.isArray(value)
        ? recording(value, reads, p)
        : value;
    },
  });
}

const quiet = (total: number) =>
  new ProgressReporter({ total, stream: { write: () => true, isTTY: false } as never, live: false });

const SCRIPTED = {
  kind: "scripted" as const,
  completions: ["<think>1</think>\\boxed{0}", "\\boxed{1}"],
};

/** Short runs that between them exercise every part of the schema. */
const RUNS: Record<string, ConfigInput> = {
  "grpo on the local engine": {
    engine: { kind: "local", threads: 1 },
    lora: { rank: 2, alpha: 4, dropout: 0, targetModules: ["q_proj", "down_proj"] },
    steps: 1,
    batch: { promptsPerStep: 1, groupSize: 2 },
    sampling: { maxTokens: 8 },
  },
  "grpo, dynamic sampling, difficulty filter, held-out evaluation, a prompt": {
    engine: SCRIPTED,
    steps: 2,
    task: {
      name: "arith",
      options: { mix: [{ level: 1, weight: 1 }] },
      trainSize: 5,
      prompt: { system: "S", suffix: "!" },
    },
    deadZone: { mode: "dynamic-sampling", difficultyFilter: { enabled: true } },
    run: { evalEvery: 1, evalProblems: 2 },
  },
  mgrpo: { algo: "mgrpo", engine: SCRIPTED, steps: 1, batch: { promptsPerStep: 1, groupSize: 2 } },
  star: { algo: "star", engine: SCRIPTED, steps: 1, batch: { promptsPerStep: 1, groupSize: 2 } },
  ppo: { algo: "ppo", engine: SCRIPTED, steps: 1, batch: { promptsPerStep: 2, groupSize: 2 } },
  "star-rationalize, eval at T=1": {
    algo: "star-rationalize",
    engine: SCRIPTED,
    steps: 1,
    batch: { promptsPerStep: 2, groupSize: 2 },
    run: { evalEvery: 1, evalProblems: 2, evalTemperature: 1, evalSamples: 2 },
  },
};

test("every config field is read by some training run or evaluation (no dead config)", async () => {
  server = await startServer({ modelDir: DEFAULT_MODEL_DIR, port: 0, checkpointDir: join(tmp, "server") });
  RUNS["grpo on a Tinker server (rlvr serve)"] = {
    engine: { kind: "tinker", baseUrl: server.url, baseModel: "arith-warm-start" },
    lora: { rank: 8 },
    steps: 1,
    batch: { promptsPerStep: 1, groupSize: 2 },
    sampling: { maxTokens: 8 },
  };
  const reads = new Set<string>();
  for (const [name, input] of Object.entries(RUNS)) {
    const config = parseConfig(
      { ...input, run: { ...input.run, out: join(tmp, name.replace(/\W+/g, "-")) } },
      name,
    );
    await trainRun(recording(config, reads) as Config, { progress: quiet(config.steps) });
  }
  // engine.kind "openai" samples only: its fields are read by an evaluation session (rlvr eval)
  const evalConfig = parseConfig(
    { engine: { kind: "openai", baseUrl: server.url, servedModel: "arith-warm-start" } },
    "eval",
  );
  const session = await openSamplingSession(recording(evalConfig, reads) as Config);
  const [sampled] = await session.engine.sampleMany([session.tokenizer.encode("1+1=")], 1, {
    maxTokens: 4,
    temperature: 0,
    topK: -1,
    topP: 1,
  });
  assert.equal(sampled.length, 1);
  await session.close();
  const unread = leafPaths(configSchema).filter((p) => p !== "versions" && !reads.has(p));
  assert.deepEqual(unread, [], `config fields nothing reads: ${unread.join(", ")}`);
});

test("leafPaths: nested objects, defaults and unions of objects", () => {
  const paths = leafPaths(configSchema);
  for (const p of [
    "loss.kl.coef",
    "deadZone.difficultyFilter.window",
    "engine.kind",
    "engine.completions",
    "task.options",
  ])
    assert.ok(paths.includes(p), p);
  assert.ok(!paths.includes("loss.kl"), "an object is not a leaf");
});
