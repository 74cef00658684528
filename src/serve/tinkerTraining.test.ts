// `--engine tinker` against `rlvr serve` gives the run of the local engine: the same config (a LoRA of
// rank R, --lora-rank R, as Tinker trains) trained in process and through the Tinker API (its built-in
// losses, and the two-pass path of a loss with a KL term) writes the same metrics.jsonl within float
// tolerance (float32 on the wire, and a gradient through cross_entropy with weights −∂L/∂lp in place of
// autodiff of L). Rank 0 through the Tinker engine (full fine-tuning, rlvr serve's and SkyRL's) trains
// as the local engine without LoRA. Also: --resume of a Tinker run goes through the tinker:// checkpoint
// its run directory records.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { policyDatum } from "../algorithms/policyDatums.js";
import { updatePolicy } from "../algorithms/policyUpdate.js";
import { LocalEngine } from "../engine/local/localEngine.js";
import { TinkerEngine } from "../engine/tinker/tinkerEngine.js";
import { DEFAULT_ADAM } from "../engine/types.js";
import { type ConfigInput, parseConfig } from "../run/config.js";
import { ProgressReporter } from "../run/progress.js";
import { readJsonl } from "../run/runDirectory.js";
import { trainRun } from "../run/trainRun.js";
import { DEFAULT_MODEL_DIR } from "../run/models.js";
import { type RunningServer, startServer } from "./server.js";
import { assertSameMetrics, runConfig } from "./testSupport.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-tinker-train-"));
let server: RunningServer;
before(async () => {
  server = await startServer({ modelDir: DEFAULT_MODEL_DIR, port: 0, checkpointDir: join(tmp, "server") });
});
after(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});
const quiet = (total: number) =>
  new ProgressReporter({ total, stream: { write: () => true, isTTY: false } as never, live: false });

const CASES: [string, ConfigInput["loss"], ConfigInput["lora"]][] = [
  ["built-in ppo (no KL), LoRA rank 4", { kl: { coef: 0 } }, { rank: 4 }],
  [
    "ppo with a KL term (two passes), LoRA rank 8 on the MLP",
    { kl: { coef: 0.05 } },
    { rank: 8, targetModules: ["gate_proj", "up_proj", "down_proj"] },
  ],
];
for (const [name, loss, lora] of CASES) {
  test(`--engine tinker through rlvr serve gives the in-process metrics: ${name}`, async () => {
    const slug = name.replace(/[^a-z]+/g, "-");
    const lr = { lr: 3e-3 }; // LoRA's updates are small: a larger step, so that the metrics move
    const local = parseConfig(runConfig(join(tmp, `${slug}-local`), { loss, lora, optim: lr }), "local");
    const remote = parseConfig(
      runConfig(join(tmp, `${slug}-tinker`), {
        loss,
        lora,
        optim: lr,
        engine: { kind: "tinker", baseUrl: server.url, baseModel: "arith-warm-start" },
      }),
      "tinker",
    );
    const a = await trainRun(local, { progress: quiet(local.steps) });
    const b = await trainRun(remote, { progress: quiet(remote.steps) });
    const ma = readJsonl(join(a.runDir, "metrics.jsonl"));
    const mb = readJsonl(join(b.runDir, "metrics.jsonl"));
    assertSameMetrics(ma, mb);
    // the samples are the same tokens: the sampler seeds and weights agree
    assert.equal(
      readFileSync(join(b.runDir, "samples.jsonl"), "utf8").replace(/"time[^,]*,/g, ""),
      readFileSync(join(a.runDir, "samples.jsonl"), "utf8").replace(/"time[^,]*,/g, ""),
    );
    // the run directory records the server, the model and the tinker:// checkpoint
    const record = JSON.parse(readFileSync(join(b.checkpoint, "tinker.json"), "utf8"));
    assert.equal(record.baseUrl, server.url);
    assert.match(record.statePath, /^tinker:\/\/[^/]+\/weights\//);
  });
}

test("--resume of a Tinker run continues from its tinker:// checkpoint with the metrics of an unbroken run", async () => {
  const engine = { kind: "tinker" as const, baseUrl: server.url, baseModel: "arith-warm-start" };
  // a constant learning rate, so that the run may be extended by a step on resume
  const extra = {
    engine,
    loss: { kl: { coef: 0.05 } },
    optim: { lr: 3e-4, schedule: "constant" as const, warmupRatio: 0 },
  };
  const whole = parseConfig(runConfig(join(tmp, "whole"), extra), "whole");
  const w = await trainRun(whole, { progress: quiet(3) });
  const part = parseConfig(runConfig(join(tmp, "part"), { ...extra, steps: 2 }), "part");
  await trainRun(part, { progress: quiet(2) });
  const resumed = parseConfig(runConfig(join(tmp, "part"), { ...extra, steps: 3 }), "part");
  const r = await trainRun(resumed, { resume: true, progress: quiet(3) });
  assert.equal(r.startStep, 2);
  // to float32 rounding: the server batches concurrent sampling requests as they arrive
  assertSameMetrics(
    readJsonl(join(w.runDir, "metrics.jsonl")),
    readJsonl(join(r.runDir, "metrics.jsonl")),
    1e-4,
  );
});

test("rank 0 through the Tinker engine fine-tunes every weight, as the local engine without LoRA does", async () => {
  const seqs = [
    [3, 10, 20, 30, 11, 21, 12, 22],
    [3, 11, 21, 31, 12, 22],
  ];
  const datums = seqs.map((s, i) =>
    policyDatum({
      promptTokens: s.slice(0, 3),
      completionTokens: s.slice(3),
      samplingLogprobs_T: s.slice(3).map(() => -2),
      advantage: i === 0 ? 1 : -1,
      weights_T: s.slice(3).map(() => 0.1),
    }),
  );
  const loss = { kind: "ppo", clipLow: 0.8, clipHigh: 1.2 } as const;
  const adam = { ...DEFAULT_ADAM, learningRate: 1e-3 };
  const local = LocalEngine.fromDirectory(DEFAULT_MODEL_DIR);
  const remote = await TinkerEngine.open({
    baseUrl: server.url,
    baseModel: "arith-warm-start",
    vocabSize: local.info.vocabSize,
    loraRank: 0,
  });
  try {
    const a = await updatePolicy(local, { datums, loss }, adam, 2, 1);
    const b = await updatePolicy(remote, { datums, loss }, adam, 2, 1);
    assertSameMetrics([a], [b], 1e-4);
    const [la, lb] = [await local.computeLogprobs(seqs), await remote.computeLogprobs(seqs)];
    const before = await server.service.baseEngine.computeLogprobs(seqs);
    la.flat().forEach((x, i) => {
      assert.ok(Math.abs(x - lb.flat()[i]) < 1e-4, `logprob ${i}: ${x} vs ${lb.flat()[i]}`);
    });
    assert.ok(
      Math.max(...la.flat().map((x, i) => Math.abs(x - before.flat()[i]))) > 1e-3,
      "the weights moved",
    );
    // a checkpoint opens with its own LoRA (here none: rank 0) unless another rank is asked for
    const dir = join(tmp, "rank0-state");
    await remote.saveState(dir);
    const o = { baseUrl: server.url, baseModel: "arith-warm-start", vocabSize: local.info.vocabSize };
    await assert.rejects(
      TinkerEngine.open({ ...o, loraRank: 4 }, dir),
      /holds a LoRA of rank 0, not the asked 4/,
    );
    const reopened = await TinkerEngine.open(o, dir);
    const lc = (await reopened.computeLogprobs(seqs)).flat();
    await reopened.close();
    lc.forEach((x, i) => {
      assert.ok(Math.abs(x - lb.flat()[i]) < 1e-6, `reopened logprob ${i}: ${x} vs ${lb.flat()[i]}`);
    });
  } finally {
    await local.close();
    await remote.close();
  }
});
