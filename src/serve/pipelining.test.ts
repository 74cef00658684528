// The policy update through `--engine tinker` is pipelined: every forward_backward of a step and its
// optim_step are POSTed before any forward_backward result is fetched. A proxy in front of `rlvr serve`
// holds the results of forward_backward requests (those that accumulate gradients) until optim_step
// has arrived; a client that awaited them first would wait out the hold, and the test fails.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { policyLossSpec, updatePolicy } from "../algorithms/policyUpdate.js";
import { policyDatum } from "../algorithms/policyDatums.js";
import { TinkerEngine } from "../engine/tinker/tinkerEngine.js";
import { decodeForwardBackwardRequest } from "../engine/tinker/wire.js";
import { DEFAULT_ADAM } from "../engine/types.js";
import { DEFAULT_MODEL_DIR } from "../run/models.js";
import { type RunningServer, startServer } from "./server.js";
import { forwardUpstream } from "./testSupport.js";

const HOLD_MS = 4_000;
const tmp = mkdtempSync(join(tmpdir(), "rlvr-pipelining-"));
let server: RunningServer;
let proxy: Awaited<ReturnType<typeof holdingProxy>>;
before(async () => {
  server = await startServer({ modelDir: DEFAULT_MODEL_DIR, port: 0, checkpointDir: join(tmp, "server") });
  proxy = await holdingProxy(server.url);
});
after(async () => {
  await new Promise<void>((r) => proxy.server.close(() => r()));
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

/**
 * A proxy to `target` that logs the training routes in arrival order ("forward_backward",
 * "forward_only", "optim_step", and "result" when a gradient forward_backward's result goes back) and
 * holds those results until an optim_step has been POSTed after the forward_backward (at most HOLD_MS;
 * `late` counts the results that waited that long).
 */
async function holdingProxy(target: string) {
  const log: string[] = [];
  const state = { plainCapabilities: false };
  let late = 0;
  // gradient forward_backward request id → the optim_step POSTs seen before it was POSTed
  const stepsBefore = new Map<string, number>();
  let optimSteps = 0;
  let waiters: (() => void)[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const route = (req.url ?? "").replace(/^\/api\/v1\//, "");
    let gradient = false;
    const stepsSoFar = optimSteps;
    if (route === "forward_backward") {
      gradient = !decodeForwardBackwardRequest(new Uint8Array(body)).forwardOnly;
      log.push(gradient ? "forward_backward" : "forward_only");
    }
    if (route === "optim_step") {
      log.push("optim_step");
      optimSteps++;
      for (const w of waiters) w();
      waiters = [];
    }
    const id = route === "retrieve_future" ? String(JSON.parse(body.toString("utf8")).request_id) : "";
    const before = stepsBefore.get(id);
    if (before !== undefined && optimSteps <= before) {
      const arrived = await new Promise<boolean>((r) => {
        waiters.push(() => r(true));
        setTimeout(() => r(false), HOLD_MS);
      });
      if (!arrived) late++;
    }
    const upstream = await forwardUpstream(target, req, body);
    let answer = Buffer.from(await upstream.arrayBuffer());
    // a server without rlvr's capability field (a hosted service's sampler is another program)
    if (route === "get_server_capabilities" && state.plainCapabilities) {
      const caps = JSON.parse(answer.toString("utf8"));
      delete caps.sampling_logprobs_are_training_logprobs;
      answer = Buffer.from(JSON.stringify(caps));
    }
    const type = upstream.headers.get("content-type") ?? "application/json";
    if (gradient) stepsBefore.set(String(JSON.parse(answer.toString("utf8")).request_id), stepsSoFar);
    if (before !== undefined && type.includes("protobuf")) log.push("result");
    res.writeHead(upstream.status, { "content-type": type });
    res.end(answer);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    log,
    state,
    get late() {
      return late;
    },
  };
}

/** Datums of two sequences per prompt (advantages ±1) over the model's vocabulary. */
function datums(count: number, withReference: boolean) {
  return Array.from({ length: count }, (_, i) => {
    const completion = [40 + i, 41 + i, 42 + i, 43];
    return policyDatum(
      {
        promptTokens: [10 + i, 11, 12],
        completionTokens: completion,
        samplingLogprobs_T: completion.map(() => -3),
        advantage: i % 2 === 0 ? 1 : -1,
        weights_T: completion.map(() => 1 / (4 * count)),
      },
      withReference ? Array.from({ length: 6 }, () => -3.5) : undefined,
    );
  });
}

const loss = (klCoef: number) =>
  policyLossSpec({
    policy: "ppo",
    clipLow: 0.2,
    clipHigh: 0.2,
    aggregation: "token-mean",
    kl: { coef: klCoef, estimator: "k3", mode: "in-loss" },
    entropyCoef: 0,
  });

for (const [name, klCoef] of [
  ["a built-in loss", 0],
  ["the two-pass path (KL term)", 0.05],
] as const) {
  test(`updatePolicy through --engine tinker POSTs optim_step before fetching a forward_backward result: ${name}`, async () => {
    const engine = await TinkerEngine.open({
      baseUrl: proxy.url,
      baseModel: "arith-warm-start",
      vocabSize: server.service.baseEngine.info.vocabSize,
      seed: 1,
    });
    try {
      proxy.log.length = 0;
      const lateBefore = proxy.late;
      const metrics = await updatePolicy(
        engine,
        { datums: datums(4, klCoef > 0), loss: loss(klCoef) },
        DEFAULT_ADAM,
        2,
        2,
      );
      assert.equal(
        proxy.late - lateBefore,
        0,
        `results held ${HOLD_MS} ms waiting for optim_step: ${proxy.log}`,
      );
      assert.ok(Number.isFinite(metrics["loss:sum"]));
      // per update: both micro-batches' forward_backward and the optim_step, then (held) their results
      const submitted = proxy.log.filter((e) => e === "forward_backward" || e === "optim_step");
      assert.deepEqual(
        submitted,
        [
          "forward_backward",
          "forward_backward",
          "optim_step",
          "forward_backward",
          "forward_backward",
          "optim_step",
        ],
        proxy.log.join(" "),
      );
      assert.ok(proxy.log.indexOf("optim_step") < proxy.log.indexOf("result"), proxy.log.join(" "));
    } finally {
      await engine.close();
    }
  });
}

for (const plain of [false, true])
  test(`the two-pass path skips its forward pass when the datums were sampled at T = 1 from the weights being trained${plain ? ": not on a server that does not say its samplers' log-probs are its training pass's" : ""}`, async () => {
    proxy.state.plainCapabilities = plain;
    const engine = await TinkerEngine.open({
      baseUrl: proxy.url,
      baseModel: "arith-warm-start",
      vocabSize: server.service.baseEngine.info.vocabSize,
      seed: 1,
    });
    const sampledDatums = async (temperature: number) => {
      const prompt = [10, 11, 12];
      const [samples] = await engine.sampleMany([prompt], 4, {
        temperature,
        topK: -1,
        topP: 1,
        maxTokens: 4,
        seed: 3,
      });
      return samples.map((s, i) =>
        policyDatum(
          {
            promptTokens: prompt,
            completionTokens: s.tokens,
            samplingLogprobs_T: s.logprobs,
            advantage: i % 2 === 0 ? 1 : -1,
            weights_T: s.tokens.map(() => 1 / (4 * s.tokens.length)),
          },
          Array.from({ length: prompt.length + s.tokens.length - 1 }, () => -3.5),
        ),
      );
    };
    const forwardsOf = async (temperature: number, updates: number) => {
      const datums = await sampledDatums(temperature);
      proxy.log.length = 0;
      await updatePolicy(engine, { datums, loss: loss(0.05) }, DEFAULT_ADAM, updates, 4);
      return proxy.log.filter((e) => e === "forward_only").length;
    };
    try {
      assert.equal(await forwardsOf(1, 1), plain ? 1 : 0, "on-policy: one forward_backward, no forward pass");
      // the second update's weights are not the sampler's any more: its forward pass is needed
      assert.equal(await forwardsOf(1, 2), plain ? 2 : 1);
      // at T = 0.7 the sampling log-probs are the tempered distribution's, not the model's
      assert.equal(await forwardsOf(0.7, 1), 1);
    } finally {
      proxy.state.plainCapabilities = false;
      await engine.close();
    }
  });
