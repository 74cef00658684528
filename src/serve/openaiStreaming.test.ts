// Streaming sends each token's text while the completion is still decoding. A stand-in for the weights
// decodes a scripted answer token by token and, after the first few, holds decoding until the client
// has read their text (failing after a timeout): a server that streamed only once the completion was
// sampled would never let it finish. Characters split across byte tokens arrive whole, the n choices
// of a request stream by index, and concurrent requests still decode as one batch.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loadTokenizer } from "../engine/tokenizer/loadTokenizer.js";
import type { SampledSequence, SamplingParams } from "../engine/types.js";
import { PACKAGE_ROOT } from "../run/models.js";
import { chatCompletions, completions, type OpenAiContext } from "./openaiApi.js";
import { SamplingBatcher, type SamplingWeights } from "./samplingBatcher.js";

const HOLD_MS = 5_000;
// Phi-3's tokenizer falls back to bytes: 🙂 is four tokens whose prefixes decode to U+FFFD
const tokenizer = loadTokenizer(join(PACKAGE_ROOT, "test-data", "tokenizers", "phi-3-mini"));
const ANSWER = "Hello world, 🙂 and 世界 too";
const script = tokenizer.encode(ANSWER);
const HOLD_AFTER = tokenizer.encode("Hello world,").length;

/** Set by a test: resolves once the client has read the text of the first HOLD_AFTER tokens. */
let clientHasRead: Promise<void> = Promise.resolve();
const batches: number[] = [];

/** Decodes the script one token per step for every row, holding after HOLD_AFTER tokens. */
const weights: SamplingWeights = {
  info: { name: "scripted", vocabSize: tokenizer.vocabSize, maxSequenceLength: 4096 },
  computeLogprobs: async () => {
    throw new Error("not used");
  },
  async sampleSeeded(prompts: number[][], n: number, params: SamplingParams, _seeds, onToken) {
    batches.push(prompts.length);
    const steps = Math.min(params.maxTokens, script.length);
    for (let k = 0; k < steps; k++) {
      for (let p = 0; p < prompts.length; p++) for (let j = 0; j < n; j++) onToken?.(p, j, script[k], -0.5);
      if (k + 1 === HOLD_AFTER) {
        const timeout = new Promise<never>((_, reject) =>
          setTimeout(
            () =>
              reject(new Error(`decoding held ${HOLD_MS} ms: the client never got the first tokens' text`)),
            HOLD_MS,
          ).unref(),
        );
        await Promise.race([clientHasRead, timeout]);
      }
      await new Promise((r) => setImmediate(r));
    }
    const seq = (): SampledSequence => ({
      tokens: script.slice(0, steps),
      logprobs: script.slice(0, steps).map(() => -0.5),
      stopReason: "length",
    });
    return prompts.map(() => Array.from({ length: n }, seq));
  },
};

const tmp = mkdtempSync(join(tmpdir(), "rlvr-stream-"));
// a long quiet window before a batch starts, so that the concurrent requests of the last test share one
const batcher = new SamplingBatcher(weights, 64, 300, 2000);
const ctx: OpenAiContext = {
  modelName: "scripted",
  modelDir: tmp, // no tokenizer_config.json: the built-in ChatML template
  tokenizer,
  samplerOf: () => batcher,
};
let server: Server;
let url = "";
before(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    const route = req.url === "/v1/completions" ? completions : chatCompletions;
    await route(ctx, body, res).catch((e: Error) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(e.message);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(tmp, { recursive: true, force: true });
});

/** POSTs a streamed request; calls `onEvent` with each event's JSON as it arrives. */
async function stream(path: string, body: unknown, onEvent: (e: Record<string, unknown>) => void) {
  const res = await fetch(url + path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...(body as object), stream: true }),
  });
  if (res.status !== 200) assert.fail(`HTTP ${res.status}: ${await res.text()}`);
  const decoder = new TextDecoder();
  let buffered = "";
  let done = false;
  for await (const bytes of res.body!) {
    buffered += decoder.decode(bytes as Uint8Array, { stream: true });
    let end = buffered.indexOf("\n\n");
    while (end >= 0) {
      const data = buffered.slice(0, end).replace(/^data: /, "");
      buffered = buffered.slice(end + 2);
      if (data === "[DONE]") done = true;
      else onEvent(JSON.parse(data));
      end = buffered.indexOf("\n\n");
    }
  }
  assert.ok(done, "the stream ends with [DONE]");
}

/** A gate the test opens: `open` resolves `clientHasRead`. */
function gate() {
  let open!: () => void;
  clientHasRead = new Promise<void>((r) => {
    open = r;
  });
  return open;
}

test("completions: text streams while decoding (held until read), by choice index, characters whole", async () => {
  const open = gate();
  const texts = ["", ""];
  let finishes = 0;
  await stream("/v1/completions", { prompt: "Say hi", max_tokens: 64, n: 2 }, (e) => {
    const c = (e.choices as { index: number; text: string; finish_reason: string | null }[])[0];
    assert.ok(!c.text.includes("\uFFFD"), `a broken character: ${JSON.stringify(c.text)}`);
    texts[c.index] += c.text;
    if (c.finish_reason) finishes++;
    if (texts.every((t) => t.startsWith("Hello world,"))) open();
  });
  assert.deepEqual(texts, [ANSWER, ANSWER]);
  assert.equal(finishes, 2);
});

test("chat: deltas stream while decoding, each choice opening with its role", async () => {
  const open = gate();
  let text = "";
  const roles: number[] = [];
  await stream(
    "/v1/chat/completions",
    { messages: [{ role: "user", content: "hi" }], max_tokens: 64 },
    (e) => {
      const c = (e.choices as { index: number; delta: { role?: string; content?: string } }[])[0];
      if (c.delta.role) roles.push(c.index);
      text += c.delta.content ?? "";
      if (text.startsWith("Hello world,")) open();
    },
  );
  assert.equal(text, ANSWER);
  assert.deepEqual(roles, [0]);
});

test("concurrent streamed requests decode in one batch", async () => {
  const open = gate();
  batches.length = 0;
  const got = ["", ""];
  await Promise.all(
    [0, 1].map((r) =>
      stream("/v1/completions", { prompt: `prompt ${r}`, max_tokens: 64 }, (e) => {
        got[r] += (e.choices as { text: string }[])[0].text;
        if (got.every((t) => t.startsWith("Hello world,"))) open();
      }),
    ),
  );
  assert.deepEqual(got, [ANSWER, ANSWER]);
  assert.deepEqual(batches, [2]);
});
