// rlvr serve's Tinker API at the HTTP level: the SDK's handshake, futures (try_again, 410 for an unknown
// id), seq_id order and idempotent resubmission, forward_backward results equal to the local engine's,
// batched concurrent sampling that draws what each request draws alone, and the server's guards: a
// malformed request gets a 4xx with a message and the server keeps answering; body size limits; the API key.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { LocalEngine } from "../engine/local/localEngine.js";
import { TinkerEngine } from "../engine/tinker/tinkerEngine.js";
import {
  decodeForwardBackwardOutput,
  decodeSampleResponse,
  encodeForwardBackwardRequest,
  PROTO_CONTENT_TYPE,
} from "../engine/tinker/wire.js";
import { DEFAULT_MODEL_DIR } from "../run/models.js";
import { isLoopback, type RunningServer, startServer } from "./server.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-serve-"));
let server: RunningServer;
before(async () => {
  server = await startServer({
    modelDir: DEFAULT_MODEL_DIR,
    port: 0,
    checkpointDir: join(tmp, "ckpt"),
    pollMs: 200,
    maxJsonBytes: 64 * 1024,
    maxProtoBytes: 256 * 1024,
  });
});
after(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function post(route: string, body: unknown, headers: Record<string, string> = {}) {
  const isBytes = body instanceof Uint8Array;
  const res = await fetch(`${server.url}/api/v1/${route}`, {
    method: "POST",
    headers: { "content-type": isBytes ? PROTO_CONTENT_TYPE : "application/json", ...headers },
    body: isBytes ? body : typeof body === "string" ? body : JSON.stringify(body),
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const type = res.headers.get("content-type") ?? "";
  return {
    status: res.status,
    type,
    bytes,
    json: () => JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>,
  };
}

/** Polls a future until it is done. */
async function result(requestId: unknown) {
  for (;;) {
    const r = await post("retrieve_future", { request_id: requestId, allow_metadata_only: true });
    if (r.type.includes(PROTO_CONTENT_TYPE)) return r;
    const j = r.json();
    if (j.type !== "try_again") return r;
  }
}

async function newModel(): Promise<string> {
  const session = (await post("create_session", { tags: [], sdk_version: "test" })).json().session_id;
  const created = (
    await post("create_model", {
      session_id: session,
      model_seq_id: 0,
      base_model: "arith-warm-start",
      lora_config: { rank: 4 },
    })
  ).json();
  const done = (await result(created.request_id)).json();
  return done.model_id as string;
}

const seq = [3, 10, 20, 30, 11, 21, 12, 22];
const datum = {
  modelInput: seq.slice(0, -1),
  lossFnInputs: {
    target_tokens: { dtype: "int64" as const, data: seq.slice(1) },
    weights: { dtype: "float32" as const, data: [0, 0, 1, 1, 1, 1, 0.5] },
  },
};
const fbBytes = (modelId: string, seqId: number, forwardOnly = false) =>
  encodeForwardBackwardRequest({
    modelId,
    seqId,
    data: [datum],
    lossFn: "cross_entropy",
    lossFnConfig: {},
    forwardOnly,
  });

test("handshake: client/config turns pyqwest off; capabilities list the model; healthz", async () => {
  assert.equal((await post("client/config", { sdk_version: "0.25.0" })).json().use_pyqwest_transport, false);
  const caps = (await (await fetch(`${server.url}/api/v1/get_server_capabilities`)).json()) as {
    supported_models: unknown;
  };
  assert.deepEqual(caps.supported_models, [{ model_name: "arith-warm-start", max_context_length: 512 }]);
  assert.equal(
    ((await (await fetch(`${server.url}/api/v1/healthz`)).json()) as { status: string }).status,
    "ok",
  );
});

test("forward_backward: protobuf result with the local engine's logprobs and loss", async () => {
  const id = await newModel();
  const sub = await post("forward_backward", fbBytes(id, 1, true));
  assert.equal(sub.status, 200);
  const r = await result(sub.json().request_id);
  assert.match(r.type, /x-protobuf/);
  const out = decodeForwardBackwardOutput(r.bytes);
  const local = LocalEngine.fromDirectory(DEFAULT_MODEL_DIR);
  const want = await local.forward(
    [{ inputTokens: datum.modelInput, targetTokens: seq.slice(1), weights: datum.lossFnInputs.weights.data }],
    { kind: "cross_entropy" },
  );
  await local.close();
  want.logprobs[0].forEach((lp, t) => {
    assert.ok(Math.abs(lp - out.outputs[0].logprobs[t]) < 1e-5);
  });
  assert.ok(Math.abs(out.metrics["loss:sum"] - want.metrics["loss:sum"]) < 1e-4);
  for (const key of Object.keys(out.metrics)) assert.equal(key.split(":").length, 2, key);
});

test("requests of a model run in seq_id order; a resubmitted seq_id gets the same future; a changed one is refused", async () => {
  const id = await newModel();
  // optim_step (seq 2) arrives first: run before forward_backward (seq 1) it would find no gradients
  const step = (
    await post("optim_step", { model_id: id, seq_id: 2, adam_params: { learning_rate: 1e-3 } })
  ).json();
  const fb = (await post("forward_backward", fbBytes(id, 1))).json();
  const again = (await post("forward_backward", fbBytes(id, 1))).json();
  assert.equal(again.request_id, fb.request_id);
  const stepResult = (await result(step.request_id)).json();
  assert.equal((stepResult.metrics as Record<string, number>)["step:max"], 1);
  const changed = await post("forward_backward", fbBytes(id, 1, true));
  assert.equal(changed.status, 400);
  assert.match(String(changed.json().detail), /seq_id 1 was already used/);
});

test("futures: try_again while running, 410 for an unknown id, {error, category} for a failed request", async () => {
  const gone = await post("retrieve_future", { request_id: "no-such-future" });
  assert.equal(gone.status, 410);
  const id = await newModel();
  const bad = (await post("optim_step", { model_id: id, seq_id: 1, adam_params: {} })).json();
  const failed = (await result(bad.request_id)).json();
  assert.match(String(failed.error), /no gradients/);
  assert.equal(failed.category, "server");
  // a long sample is still running after the 200 ms long-poll
  const session = (await post("create_session", {})).json().session_id;
  const sampler = (
    await post("create_sampling_session", {
      session_id: session,
      sampling_session_seq_id: 0,
      base_model: "arith-warm-start",
    })
  ).json();
  const long = (
    await post("asample", {
      sampling_session_id: sampler.sampling_session_id,
      seq_id: 0,
      num_samples: 32,
      prompt: { chunks: [{ type: "encoded_text", tokens: [3, 10] }] },
      sampling_params: { max_tokens: 400, temperature: 1, seed: 1 },
    })
  ).json();
  const first = await post("retrieve_future", { request_id: long.request_id });
  assert.equal(first.json().type, "try_again");
  await result(long.request_id);
});

test("concurrent sample requests are batched and each draws the tokens it draws alone", async () => {
  const session = (await post("create_session", {})).json().session_id;
  const sampler = (
    await post("create_sampling_session", {
      session_id: session,
      sampling_session_seq_id: 0,
      base_model: "arith-warm-start",
    })
  ).json();
  const ask = (seed: number, prompt: number[]) =>
    post("asample", {
      sampling_session_id: sampler.sampling_session_id,
      seq_id: seed,
      num_samples: 2,
      prompt: { chunks: [{ type: "encoded_text", tokens: prompt }] },
      sampling_params: { max_tokens: 12, temperature: 1, seed },
      prompt_logprobs: seed === 1,
    }).then((r) => result(r.json().request_id));
  const prompts = [
    [3, 10, 20],
    [3, 11],
    [3, 12, 22, 30],
    [3, 13],
  ];
  const before = { ...server.service.baseBatcher.stats };
  const together = await Promise.all(prompts.map((p, i) => ask(i + 1, p)));
  const batched = server.service.baseBatcher.stats;
  assert.ok(batched.batches - before.batches < prompts.length, `batches ${batched.batches - before.batches}`);
  for (const [i, p] of prompts.entries()) {
    const alone = decodeSampleResponse((await ask(i + 1, p)).bytes).sequences;
    const inBatch = decodeSampleResponse(together[i].bytes).sequences;
    // the same tokens; log-probs to float32 rounding (a batch is another matrix shape)
    assert.deepEqual(
      inBatch.map((s) => s.tokens),
      alone.map((s) => s.tokens),
    );
    inBatch.forEach((s, j) => {
      s.logprobs!.forEach((lp, t) => {
        assert.ok(Math.abs(lp - alone[j].logprobs![t]) < 1e-5);
      });
    });
  }
  const withPrompt = decodeSampleResponse(together[0].bytes);
  assert.equal(withPrompt.promptLogprobs?.length, 3);
  assert.equal(withPrompt.promptLogprobs?.[0], null);
});

test("malformed requests get a 4xx with a message, and the server keeps answering", async () => {
  const cases: [string, unknown, Record<string, string>, number, RegExp][] = [
    ["create_session", "{not json", {}, 400, /invalid JSON/],
    ["forward_backward", { model_id: "x" }, {}, 415, /x-protobuf/],
    ["forward_backward", new Uint8Array([0xff, 0xff, 0xff]), {}, 400, /ForwardBackwardRequest/],
    ["create_model", { session_id: "s", base_model: "other-model" }, {}, 400, /serves "arith-warm-start"/],
    ["optim_step", { model_id: "nope", adam_params: {} }, {}, 404, /model nope/],
    [
      "asample",
      { base_model: "arith-warm-start", prompt: { chunks: [] }, sampling_params: {} },
      {},
      400,
      /max_tokens/,
    ],
    ["no_such_route", {}, {}, 404, /no route/],
    ["create_session", "x".repeat(70 * 1024), {}, 413, /limit/],
  ];
  for (const [route, body, headers, status, message] of cases) {
    const r = await post(route, body, headers);
    assert.equal(r.status, status, `${route}: ${r.status}`);
    assert.match(String(r.json().detail), message, route);
  }
  const id = await newModel();
  const wrongLoss = encodeForwardBackwardRequest({
    modelId: id,
    seqId: 1,
    data: [datum],
    lossFn: "dro",
    lossFnConfig: {},
    forwardOnly: false,
  });
  const r = await post("forward_backward", wrongLoss);
  assert.equal(r.status, 400);
  assert.match(String(r.json().detail), /dro.*not supported/);
  assert.equal(((await (await fetch(`${server.url}/healthz`)).json()) as { status: string }).status, "ok");
});

test("an API key is required when given, and any address but loopback needs one", async () => {
  await assert.rejects(startServer({ modelDir: DEFAULT_MODEL_DIR, host: "0.0.0.0", port: 0 }), /--api-key/);
  assert.ok(isLoopback("127.0.0.1") && isLoopback("::1") && !isLoopback("0.0.0.0"));
  const keyed = await startServer({
    modelDir: DEFAULT_MODEL_DIR,
    port: 0,
    apiKey: "tml-secret",
    checkpointDir: join(tmp, "k"),
  });
  try {
    const no = await fetch(`${keyed.url}/api/v1/create_session`, { method: "POST", body: "{}" });
    assert.equal(no.status, 401);
    const yes = await fetch(`${keyed.url}/api/v1/create_session`, {
      method: "POST",
      body: "{}",
      headers: { "x-api-key": "tml-secret" },
    });
    assert.equal(yes.status, 200);
    const bearer = await fetch(`${keyed.url}/v1/models`, { headers: { authorization: "Bearer tml-secret" } });
    assert.equal(bearer.status, 200);
  } finally {
    await keyed.close();
  }
});

test("a session without heartbeats ends: its models are unloaded; close() of a client engine unloads too", async () => {
  const id = await newModel();
  const session = server.service;
  assert.deepEqual(await session.expireSessions(Date.now()), []);
  const ended = await session.expireSessions(Date.now() + 16 * 60_000);
  assert.ok(ended.length > 0);
  const r = await post("optim_step", { model_id: id, seq_id: 1, adam_params: {} });
  assert.equal(r.status, 404);
  assert.match(String(r.json().detail), /not on this server/);
  const engine = await TinkerEngine.open({
    baseUrl: server.url,
    baseModel: "arith-warm-start",
    vocabSize: 102,
  });
  await engine.close();
  const closed = await post("get_info", { model_id: engine.modelId });
  assert.equal(closed.status, 404);
});
