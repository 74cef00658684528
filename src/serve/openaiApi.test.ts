// The official `openai` npm client against rlvr serve: /v1/models, completions with logprobs (equal to
// the local engine's scoring of the same tokens), n and seed, stop strings, a streamed chat whose pieces
// join to the whole answer; and `--engine openai` evaluation gives the in-process accuracy.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import { LocalEngine } from "../engine/local/localEngine.js";
import { loadTokenizer } from "../engine/tokenizer/loadTokenizer.js";
import { evaluateAccuracy } from "../eval/accuracy.js";
import { parseConfig } from "../run/config.js";
import { DEFAULT_MODEL_DIR } from "../run/models.js";
import { openSamplingSession } from "../run/session.js";
import { type RunningServer, startServer } from "./server.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-openai-"));
let server: RunningServer;
let client: OpenAI;
const tokenizer = loadTokenizer(DEFAULT_MODEL_DIR);
before(async () => {
  server = await startServer({ modelDir: DEFAULT_MODEL_DIR, port: 0, checkpointDir: tmp });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "none", maxRetries: 0 });
});
after(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

const PROMPT = "<|im_start|>user\n17+25=?<|im_end|>\n<|im_start|>assistant\n";

test("models lists the served model", async () => {
  const models = await client.models.list();
  assert.deepEqual(
    models.data.map((m) => m.id),
    ["arith-warm-start"],
  );
});

test("completions: text, logprobs equal to the local engine's scoring, n samples under a seed", async () => {
  const r = await client.completions.create({
    model: "arith-warm-start",
    prompt: PROMPT,
    max_tokens: 12,
    temperature: 0,
    logprobs: 1,
  });
  const c = r.choices[0];
  const lp = c.logprobs!;
  assert.equal(lp.tokens!.join(""), c.text);
  const prompt = tokenizer.encode(PROMPT);
  const completion = tokenizer.encode(c.text);
  const local = LocalEngine.fromDirectory(DEFAULT_MODEL_DIR);
  const [scored] = await local.computeLogprobs([[...prompt, ...completion]]);
  await local.close();
  lp.token_logprobs!.forEach((x, t) => {
    assert.ok(
      Math.abs(x - scored[prompt.length - 1 + t]) < 1e-4,
      `token ${t}: ${x} vs ${scored[prompt.length - 1 + t]}`,
    );
  });
  assert.equal(r.usage?.prompt_tokens, prompt.length);
  const ask = (seed: number) =>
    client.completions.create({
      model: "arith-warm-start",
      prompt: PROMPT,
      max_tokens: 10,
      temperature: 1,
      n: 3,
      seed,
    });
  const [a, b] = await Promise.all([ask(4), ask(4)]);
  assert.equal(a.choices.length, 3);
  assert.deepEqual(
    a.choices.map((x) => x.text),
    b.choices.map((x) => x.text),
  );
});

test("a stop string ends the completion and is left out of its text", async () => {
  const free = await client.completions.create({
    model: "arith-warm-start",
    prompt: PROMPT,
    max_tokens: 20,
    temperature: 0,
  });
  const stop = "+";
  assert.ok(free.choices[0].text.includes(stop), free.choices[0].text);
  const r = await client.completions.create({
    model: "arith-warm-start",
    prompt: PROMPT,
    max_tokens: 20,
    temperature: 0,
    stop: [stop],
    logprobs: 0,
  });
  assert.equal(r.choices[0].finish_reason, "stop");
  assert.equal(r.choices[0].text, free.choices[0].text.slice(0, free.choices[0].text.indexOf(stop)));
  assert.equal(r.choices[0].logprobs!.token_logprobs!.length, tokenizer.encode(r.choices[0].text).length);
  // streamed (two-character stop string, multi-token): the same text, nothing past the stop string sent
  const twoChars = free.choices[0].text.slice(
    free.choices[0].text.indexOf(stop),
    free.choices[0].text.indexOf(stop) + 2,
  );
  const stream = await client.completions.create({
    model: "arith-warm-start",
    prompt: PROMPT,
    max_tokens: 20,
    temperature: 0,
    stop: [twoChars],
    stream: true,
  });
  let streamed = "";
  for await (const chunk of stream) streamed += chunk.choices[0]?.text ?? "";
  assert.equal(streamed, free.choices[0].text.slice(0, free.choices[0].text.indexOf(twoChars)));
});

test("chat: the model's chat template, a whole answer, and a stream that joins to it", async () => {
  const messages = [{ role: "user" as const, content: "17+25=?" }];
  const whole = await client.chat.completions.create({
    model: "arith-warm-start",
    messages,
    max_tokens: 40,
    temperature: 0,
    logprobs: true,
  });
  const answer = whole.choices[0].message.content ?? "";
  assert.ok(answer.length > 0);
  assert.equal(whole.choices[0].logprobs!.content!.map((t) => t.token).join(""), answer);
  const stream = await client.chat.completions.create({
    model: "arith-warm-start",
    messages,
    max_tokens: 40,
    temperature: 0,
    stream: true,
  });
  let streamed = "";
  let chunks = 0;
  let finish: string | null = null;
  for await (const chunk of stream) {
    chunks++;
    streamed += chunk.choices[0]?.delta?.content ?? "";
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  assert.equal(streamed, answer);
  assert.ok(chunks > 2, `${chunks} chunks`);
  assert.equal(finish, whole.choices[0].finish_reason);
});

test("bad requests get a 400 with a message the client shows", async () => {
  await assert.rejects(
    client.completions.create({ model: "arith-warm-start", prompt: PROMPT, max_tokens: -3 }),
    (e: Error & { status?: number }) => e.status === 400 && /max_tokens/.test(e.message),
  );
  await assert.rejects(
    client.completions.create({ model: "other", prompt: PROMPT }),
    (e: Error & { status?: number }) => e.status === 404,
  );
});

test("--engine openai: held-out accuracy through the server equals the in-process one", async () => {
  const options = (engine: unknown) => parseConfig({ engine, task: { name: "arith" } }, "test");
  const sampling = { temperature: 1, topK: -1, topP: 1, maxTokens: 64, seed: 9 };
  const results: number[][] = [];
  for (const engine of [
    { kind: "local" },
    { kind: "openai", baseUrl: server.url, servedModel: "arith-warm-start" },
  ]) {
    const session = await openSamplingSession(options(engine));
    const problems = session.task.problems("test", 6, 0);
    const r = await evaluateAccuracy(session.engine, session.tokenizer, session.task, problems, {
      renderPrompt: session.renderPrompt,
      samplesPerProblem: 2,
      sampling,
    });
    results.push(r.groups.flatMap((g) => g.trajectories_G.map((t) => (t.correct ? 1 : 0))));
    await session.close();
  }
  assert.deepEqual(results[1], results[0]);
});
