// `rlvr serve`'s OpenAI-compatible routes: /v1/models, /v1/completions and /v1/chat/completions (the
// model's own chat template from tokenizer_config.json, else the built-in ChatML one), with n, seed,
// stop, max_tokens, temperature, top_p, logprobs and streaming (server-sent events). `model` is the
// served model's name or a tinker:// path of saved weights. Streaming sends each token's text as it is
// decoded (textDeltas.ts: whole UTF-8 characters, nothing past a stop string), every choice of n by its
// index, while the request decodes in one batch with the others (samplingBatcher.ts).
import { randomInt, randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ServerResponse } from "node:http";
import { stopTokenIds } from "../engine/tokenizer/stopTokens.js";
import type { Tokenizer } from "../engine/tokenizer/types.js";
import type { SampledSequence } from "../engine/types.js";
import { type ChatMessage, modelChatTemplate, renderChat } from "../tasks/chatTemplate.js";
import { UserError } from "./futureStore.js";
import type { SamplingBatcher } from "./samplingBatcher.js";
import { cutAtStopStrings, singleTokenStops } from "./stopStrings.js";
import { TextDeltas } from "./textDeltas.js";

export interface OpenAiContext {
  modelName: string;
  modelDir: string;
  tokenizer: Tokenizer;
  /** The sampler of a request's `model`. */
  samplerOf(model: string): SamplingBatcher;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function num(
  body: Record<string, unknown>,
  name: string,
  d: number,
  lo: number,
  hi: number,
  int = false,
): number {
  const v = body[name] ?? d;
  if (typeof v !== "number" || !Number.isFinite(v) || v < lo || v > hi || (int && !Number.isInteger(v)))
    throw new UserError(
      `${name}: expected ${int ? "an integer" : "a number"} in [${lo}, ${hi}], got ${JSON.stringify(v)}`,
    );
  return v;
}

function stopList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === "string") return [v];
  if (Array.isArray(v) && v.length <= 4 && v.every((s) => typeof s === "string" && s.length > 0)) return v;
  throw new UserError("stop: expected a string or a list of up to 4 strings");
}

interface Sampled {
  text: string;
  tokens: number[];
  logprobs: number[];
  finish: "stop" | "length";
}

/**
 * Samples n completions of `prompt` and turns them into text (stop strings and end-of-turn tokens cut
 * off). With `stream`, each choice's text goes to `stream.text(index, delta, token, logprob)` as it is
 * decoded (delta null: the token is not part of the answer), and its rest to `stream.rest` at the end.
 */
async function complete(
  ctx: OpenAiContext,
  body: Record<string, unknown>,
  prompt: number[],
  extraStops: number[],
  defaultMaxTokens: number,
  stream?: {
    text(index: number, delta: string | null, token: number, logprob: number): void;
    rest(index: number, text: string, finish: "stop" | "length"): void;
  },
): Promise<Sampled[]> {
  const model = typeof body.model === "string" ? body.model : ctx.modelName;
  const batcher = ctx.samplerOf(model);
  const n = num(body, "n", 1, 1, 128, true);
  const room = batcher.engine.info.maxSequenceLength - prompt.length;
  if (room < 1)
    throw new UserError(
      `prompt: ${prompt.length} tokens leave no room in the model's ${batcher.engine.info.maxSequenceLength} positions`,
    );
  const maxTokens = num(
    body,
    "max_tokens",
    body.max_completion_tokens === undefined
      ? Math.min(defaultMaxTokens, room)
      : (body.max_completion_tokens as number),
    1,
    room,
    true,
  );
  const temperature = num(body, "temperature", 1, 0, 2);
  const topP = num(body, "top_p", 1, Number.MIN_VALUE, 1);
  // top_k is vLLM's extension of the OpenAI parameters; -1 = off
  const topK = num(body, "top_k", -1, -1, 1e9, true);
  const seed =
    body.seed === undefined || body.seed === null
      ? randomInt(2 ** 31)
      : num(body, "seed", 0, 0, 2 ** 32 - 1, true);
  const stops = stopList(body.stop);
  const stopTokens = [...extraStops, ...singleTokenStops(ctx.tokenizer, stops)];
  const deltas = stream
    ? Array.from({ length: n }, () => new TextDeltas(ctx.tokenizer, stops, extraStops))
    : [];
  const onToken =
    stream && ((j: number, token: number, lp: number) => stream.text(j, deltas[j].push(token), token, lp));
  const seqs = await batcher
    .sample(prompt, n, { maxTokens, temperature, topK, topP, stopTokens }, seed, onToken)
    .catch((e: unknown) => {
      throw new UserError((e as Error).message);
    });
  const out = seqs.map((s: SampledSequence) => {
    const { seq, stopAt } = cutAtStopStrings(s, ctx.tokenizer, stops);
    let tokens = seq.tokens;
    let logprobs = seq.logprobs;
    // the end-of-turn token that stopped a chat answer is not part of its text
    if (seq.stopReason === "stop" && stopAt < 0 && extraStops.includes(tokens[tokens.length - 1])) {
      tokens = tokens.slice(0, -1);
      logprobs = logprobs.slice(0, -1);
    }
    if (stopAt >= 0) {
      // the tokens of the stop string are not part of the answer (OpenAI's text and logprobs leave it out)
      while (tokens.length > 0 && ctx.tokenizer.decode(tokens.slice(0, -1)).length >= stopAt) {
        tokens = tokens.slice(0, -1);
        logprobs = logprobs.slice(0, -1);
      }
    }
    let text = ctx.tokenizer.decode(tokens);
    if (stopAt >= 0) text = text.slice(0, stopAt);
    return { text, tokens, logprobs, finish: seq.stopReason };
  });
  if (stream) for (const [j, s] of out.entries()) stream.rest(j, deltas[j].finish(s.text), s.finish);
  return out;
}

/**
 * A server-sent event stream whose header goes out with the first event, so that a request that fails
 * before sampling starts still gets its 4xx.
 */
class EventStream {
  constructor(private readonly res: ServerResponse) {}

  send(event: unknown): void {
    if (!this.res.headersSent)
      this.res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-store",
        connection: "keep-alive",
      });
    this.res.write(`data: ${JSON.stringify(event)}\n\n`);
  }

  end(): void {
    if (!this.res.headersSent) this.res.writeHead(200, { "content-type": "text/event-stream" });
    this.res.end("data: [DONE]\n\n");
  }
}

function usage(promptTokens: number, out: Sampled[]) {
  const completion = out.reduce((a, s) => a + s.tokens.length, 0);
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completion,
    total_tokens: promptTokens + completion,
  };
}

export function listModels(ctx: OpenAiContext): unknown {
  return { object: "list", data: [{ id: ctx.modelName, object: "model", created: 0, owned_by: "rlvr" }] };
}

export async function completions(ctx: OpenAiContext, body: unknown, res: ServerResponse): Promise<void> {
  if (!isObject(body)) throw new UserError("expected a JSON object");
  const p = body.prompt;
  let prompt: number[];
  if (typeof p === "string") prompt = ctx.tokenizer.encode(p);
  else if (
    Array.isArray(p) &&
    p.length > 0 &&
    p.every((t) => Number.isInteger(t) && t >= 0 && t < ctx.tokenizer.vocabSize)
  )
    prompt = p as number[];
  else if (Array.isArray(p) && p.length === 1 && typeof p[0] === "string")
    prompt = ctx.tokenizer.encode(p[0]);
  else throw new UserError("prompt: expected a string, or a list of token ids (one prompt per request)");
  if (prompt.length === 0) throw new UserError("prompt: empty");
  const logprobsK =
    body.logprobs === undefined || body.logprobs === null ? null : num(body, "logprobs", 0, 0, 5, true);
  const id = `cmpl-${randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const model = typeof body.model === "string" ? body.model : ctx.modelName;
  if (body.stream === true) {
    const events = new EventStream(res);
    const chunk = (index: number, text: string, finish: string | null) => ({
      id,
      object: "text_completion",
      created,
      model,
      choices: [{ index, text, logprobs: null, finish_reason: finish }],
    });
    await complete(ctx, body, prompt, [], 16, {
      text: (index, delta) => {
        if (delta) events.send(chunk(index, delta, null));
      },
      rest: (index, text, finish) => {
        if (text) events.send(chunk(index, text, null));
        events.send(chunk(index, "", finish));
      },
    });
    events.end();
    return;
  }
  const out = await complete(ctx, body, prompt, [], 16);
  const lp = (s: Sampled) => {
    if (logprobsK === null) return null;
    const tokens = s.tokens.map((t) => ctx.tokenizer.decode([t]));
    let offset = 0;
    const textOffset = tokens.map((t) => {
      const o = offset;
      offset += t.length;
      return o;
    });
    return {
      tokens,
      token_logprobs: s.logprobs,
      top_logprobs: logprobsK > 0 ? tokens.map((t, i) => ({ [t]: s.logprobs[i] })) : null,
      text_offset: textOffset,
    };
  };
  sendJson(res, 200, {
    id,
    object: "text_completion",
    created,
    model,
    choices: out.map((s, index) => ({ index, text: s.text, logprobs: lp(s), finish_reason: s.finish })),
    usage: usage(prompt.length, out),
  });
}

function chatTemplateOf(modelDir: string): { template?: string; variables?: Record<string, string> } {
  const file = join(modelDir, "tokenizer_config.json");
  if (!existsSync(file)) return {};
  const config = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  if (config.chat_template === undefined) return {};
  return modelChatTemplate(config, file);
}

export async function chatCompletions(ctx: OpenAiContext, body: unknown, res: ServerResponse): Promise<void> {
  if (!isObject(body)) throw new UserError("expected a JSON object");
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    throw new UserError("messages: expected a non-empty list");
  const messages: ChatMessage[] = body.messages.map((m, i) => {
    if (!isObject(m) || typeof m.role !== "string")
      throw new UserError(`messages[${i}]: expected {role, content}`);
    let content = m.content;
    if (Array.isArray(content))
      content = content
        .map((c) => (isObject(c) && c.type === "text" && typeof c.text === "string" ? c.text : ""))
        .join("");
    if (content !== undefined && content !== null && typeof content !== "string")
      throw new UserError(`messages[${i}].content: expected a string`);
    return { role: m.role as ChatMessage["role"], content: (content as string | null) ?? "" };
  });
  let text: string;
  try {
    text = renderChat(messages, { addGenerationPrompt: true, ...chatTemplateOf(ctx.modelDir) });
  } catch (err) {
    throw new UserError((err as Error).message);
  }
  const prompt = ctx.tokenizer.encode(text);
  const wantLogprobs = body.logprobs === true;
  const topK =
    body.top_logprobs === undefined || body.top_logprobs === null
      ? 0
      : num(body, "top_logprobs", 0, 0, 20, true);
  const id = `chatcmpl-${randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const model = typeof body.model === "string" ? body.model : ctx.modelName;
  const tokenLogprob = (t: number, logprob: number) => {
    const token = ctx.tokenizer.decode([t]);
    const entry = { token, logprob, bytes: [...Buffer.from(token, "utf8")] };
    return { ...entry, top_logprobs: topK > 0 ? [entry] : [] };
  };
  const tokenLogprobs = (s: Sampled) => s.tokens.map((t, i) => tokenLogprob(t, s.logprobs[i]));
  const endOfTurn = stopTokenIds(ctx.tokenizer);
  if (body.stream === true) {
    const events = new EventStream(res);
    const started = new Set<number>();
    const chunk = (
      index: number,
      delta: Record<string, string>,
      finish: string | null,
      logprobs: unknown = null,
    ) => {
      // each choice opens with its role
      if (!started.has(index)) {
        started.add(index);
        const opening = { role: "assistant", content: "" };
        events.send({
          id,
          object: "chat.completion.chunk",
          created,
          model,
          choices: [{ index, delta: opening, logprobs: null, finish_reason: null }],
        });
      }
      events.send({
        id,
        object: "chat.completion.chunk",
        created,
        model,
        choices: [{ index, delta, logprobs, finish_reason: finish }],
      });
    };
    await complete(ctx, body, prompt, endOfTurn, 256, {
      text: (index, delta, token, logprob) => {
        // with logprobs, one chunk per token of the answer (its text may still be held back)
        if (wantLogprobs && delta !== null)
          chunk(index, { content: delta }, null, { content: [tokenLogprob(token, logprob)] });
        else if (delta) chunk(index, { content: delta }, null);
      },
      rest: (index, text, finish) => {
        if (text) chunk(index, { content: text }, null);
        chunk(index, {}, finish);
      },
    });
    events.end();
    return;
  }
  const out = await complete(ctx, body, prompt, endOfTurn, 256);
  sendJson(res, 200, {
    id,
    object: "chat.completion",
    created,
    model,
    choices: out.map((s, index) => ({
      index,
      message: { role: "assistant", content: s.text },
      logprobs: wantLogprobs ? { content: tokenLogprobs(s) } : null,
      finish_reason: s.finish,
    })),
    usage: usage(prompt.length, out),
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}
