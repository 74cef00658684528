// `--engine tinker` against `rlvr serve` gives the run of the local engine: the same config trained in
// process and through the Tinker API (its built-in losses, and the two-pass path of a loss with a KL
// term) writes the same metrics.jsonl within float tolerance (float32 on the wire, and a gradient
// through cross_entropy with weights −∂L/∂lp in place of autodiff of L). Also: --resume of a Tinker run
// goes through the tinker:// checkpoint its run directory records.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parseConfig } from "../run/config.js";
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

for (const [name, loss] of [
  ["built-in ppo (no KL)", { kl: { coef: 0 } }],
  ["ppo with a KL term (two passes)", { kl: { coef: 0.05 } }],
] as const) {
  test(`--engine tinker through rlvr serve gives the in-process metrics: ${name}`, async () => {
    const slug = name.replace(/[^a-z]+/g, "-");
    const local = parseConfig(runConfig(join(tmp, `${slug}-local`), { loss }), "local");
    const remote = parseConfig(
      runConfig(join(tmp, `${slug}-tinker`), {
        loss,
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
