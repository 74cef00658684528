// A SamplingEngine on an OpenAI-compatible server (vLLM, SGLang, llama.cpp, `rlvr serve`) through the
// official `openai` package: /v1/completions with the prompt as token ids, one request per prompt.
// Prompt p is sent with seed Rng.promptSeed(seed, p), which on `rlvr serve` draws what the local engine
// draws for it. Stop tokens go as their text; the completion's text is encoded back to token ids with
// the local tokenizer (a stop token that ended it is appended), and its log-probs are kept where the
// server's tokens line up with those ids (NaN elsewhere). Evaluation only: it cannot train.
import OpenAI from "openai";
import { randomInt } from "node:crypto";
import { Rng } from "../../core/rng.js";
import type { Tokenizer } from "../tokenizer/types.js";
import type { ModelInfo, SampledSequence, SamplingEngine, SamplingParams } from "../types.js";

export interface OpenAiEngineOptions {
  /** The server's root, e.g. http://127.0.0.1:8000 (the API is under /v1). */
  baseUrl: string;
  /** The served model's name. */
  model: string;
  tokenizer: Tokenizer;
  /** Default $OPENAI_API_KEY, else "none" (local servers take any). */
  apiKey?: string;
  /** Longest prompt + completion (default 32768; the server refuses longer ones itself). */
  maxSequenceLength?: number;
}

export class OpenAiEngine implements SamplingEngine {
  readonly info: ModelInfo;
  private readonly client: OpenAI;

  constructor(private readonly o: OpenAiEngineOptions) {
    this.client = new OpenAI({
      baseURL: `${o.baseUrl.replace(/\/+$/, "")}/v1`,
      apiKey: o.apiKey ?? process.env.OPENAI_API_KEY ?? "none",
      maxRetries: 4,
    });
    this.info = {
      name: `openai:${o.model}`,
      vocabSize: o.tokenizer.vocabSize,
      maxSequenceLength: o.maxSequenceLength ?? 32768,
    };
  }

  sample(prompt: number[], n: number, params: SamplingParams): Promise<SampledSequence[]> {
    return this.sampleMany([prompt], n, params).then((r) => r[0]);
  }

  sampleMany(prompts: number[][], n: number, params: SamplingParams): Promise<SampledSequence[][]> {
    const seed = params.seed ?? randomInt(2 ** 31);
    return Promise.all(prompts.map((prompt, p) => this.complete(prompt, n, params, Rng.promptSeed(seed, p))));
  }

  private async complete(
    prompt: number[],
    n: number,
    params: SamplingParams,
    seed: number,
  ): Promise<SampledSequence[]> {
    const stops = (params.stopTokens ?? []).map((t) => this.o.tokenizer.decode([t]));
    const body = {
      model: this.o.model,
      prompt,
      n,
      max_tokens: params.maxTokens,
      temperature: params.temperature,
      top_p: params.topP,
      seed,
      logprobs: 0,
      ...(stops.length > 0 ? { stop: stops.slice(0, 4) } : {}),
      // vLLM's and rlvr serve's extension; other servers ignore it
      ...(params.topK > 0 ? { top_k: params.topK } : {}),
    };
    const r = await this.client.completions.create(body);
    const choices = [...r.choices].sort((a, b) => a.index - b.index);
    return choices.map((c) => {
      const tokens = this.o.tokenizer.encode(c.text);
      const served = c.logprobs?.token_logprobs ?? [];
      let logprobs =
        served.length === tokens.length ? served.map((x) => x ?? Number.NaN) : tokens.map(() => Number.NaN);
      const stopped = c.finish_reason === "stop";
      if (stopped && params.stopTokens && params.stopTokens.length > 0) {
        tokens.push(params.stopTokens[0]);
        logprobs = [...logprobs, Number.NaN];
      }
      return { tokens, logprobs, stopReason: stopped ? "stop" : "length" };
    });
  }
}
