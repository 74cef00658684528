// A TrainingEngine whose sampler answers each prompt with the texts a script gives for the decoded
// prompt, and which logs every call in order, so a test checks by hand what an algorithm sent to the
// engine (prompts, sampling seeds, datums, loss specs, optimiser steps). Config kind "scripted" (a fixed
// list of completions) runs a task, its reward and the whole loop without a model. It learns nothing;
// its state (saveState) is the number of optimizer steps taken.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../core/atomicFile.js";
import type { Tokenizer } from "./tokenizer/types.js";
import type { Datum, LossSpec, SampledSequence, SamplingParams, TrainingEngine } from "./types.js";

const STATE_FILE = "scripted_engine.json";

/** The log-prob the scripted sampler reports for every sampled token. */
export const SCRIPTED_SAMPLING_LOGPROB = -1;
/** forwardBackward's "loss:sum" metric. */
export const SCRIPTED_LOSS_SUM = 0.5;
/** The value the "value" loss reports at every position (a critic that always says 0.5). */
export const SCRIPTED_VALUE = 0.5;

export type EngineCall =
  | { kind: "sample"; prompts: string[]; seed: number | undefined }
  | { kind: "forwardBackward"; datums: Datum[]; loss: LossSpec }
  | { kind: "optimStep" };

/** The calls an engine received, in order, with views by kind. */
export class EngineCallLog {
  readonly calls: EngineCall[] = [];
  get kinds(): EngineCall["kind"][] {
    return this.calls.map((c) => c.kind);
  }
  get samples(): Extract<EngineCall, { kind: "sample" }>[] {
    return this.calls.filter((c) => c.kind === "sample");
  }
  get forwardBackwards(): Extract<EngineCall, { kind: "forwardBackward" }>[] {
    return this.calls.filter((c) => c.kind === "forwardBackward");
  }
  get optimSteps(): number {
    return this.calls.filter((c) => c.kind === "optimStep").length;
  }
}

/**
 * `script(prompt, n)` returns the n completion texts of one decoded prompt (each gets an end-of-turn
 * token). computeLogprobs is absent unless `referenceLogprob` is given, so a test fails loudly when an
 * algorithm asks for reference log-probs it should not need.
 */
export function scriptedEngine(
  tokenizer: Tokenizer,
  script: (prompt: string, n: number) => readonly string[],
  options: { referenceLogprob?: number; samplingLogprob?: number } = {},
): { engine: TrainingEngine; log: EngineCallLog } {
  const log = new EngineCallLog();
  const unused = async (): Promise<never> => {
    throw new Error("scripted engine: not used by this test");
  };
  const sequence = (text: string): SampledSequence => {
    const tokens = [...tokenizer.encode(text), tokenizer.eosTokenId];
    const logprob = options.samplingLogprob ?? SCRIPTED_SAMPLING_LOGPROB;
    return { tokens, logprobs: tokens.map(() => logprob), stopReason: "stop" };
  };
  const answer = (prompt: string, n: number): SampledSequence[] => {
    const texts = script(prompt, n);
    if (texts.length !== n) throw new Error(`scripted engine: ${texts.length} texts for n = ${n}: ${prompt}`);
    return texts.map(sequence);
  };
  const { referenceLogprob } = options;
  const engine: TrainingEngine = {
    info: { name: "scripted", vocabSize: tokenizer.vocabSize, maxSequenceLength: 1024 },
    sample: async (prompt, n, params) => (await engine.sampleMany([prompt], n, params))[0],
    sampleMany: async (prompts: number[][], n: number, params: SamplingParams) => {
      const texts = prompts.map((p) => tokenizer.decode(p));
      log.calls.push({ kind: "sample", prompts: texts, seed: params.seed });
      return texts.map((t) => answer(t, n));
    },
    computeLogprobs:
      referenceLogprob === undefined
        ? unused
        : async (sequences) => sequences.map((s) => s.slice(1).map(() => referenceLogprob)),
    // only the value loss can be read without training: the constant critic's values
    forward: async (datums, loss) => {
      if (loss.kind !== "value") return unused();
      return {
        logprobs: datums.map(() => []),
        values: datums.map((d) => d.inputTokens.map(() => SCRIPTED_VALUE)),
        metrics: { "loss:sum": 0 },
      };
    },
    forwardBackward: async (datums, loss) => {
      log.calls.push({ kind: "forwardBackward", datums, loss });
      if (loss.kind === "value" || (loss.kind === "policy" && loss.valueCoef))
        return {
          logprobs: datums.map(() => []),
          values: datums.map((d) => d.inputTokens.map(() => SCRIPTED_VALUE)),
          metrics: { "loss:sum": SCRIPTED_LOSS_SUM },
        };
      return {
        logprobs: datums.map((d) => d.targetTokens.map(() => 0)),
        metrics: { "loss:sum": SCRIPTED_LOSS_SUM },
      };
    },
    optimStep: async () => {
      log.calls.push({ kind: "optimStep" });
      return { metrics: { "grad_norm:mean": 1 } };
    },
    saveState: async (dir) =>
      writeFileAtomic(join(dir, STATE_FILE), `${JSON.stringify({ optimSteps: log.optimSteps })}\n`),
    loadState: async (dir) => {
      const { optimSteps } = JSON.parse(readFileSync(join(dir, STATE_FILE), "utf8")) as {
        optimSteps: number;
      };
      for (let i = 0; i < optimSteps; i++) log.calls.push({ kind: "optimStep" });
    },
    saveWeights: unused,
  };
  return { engine, log };
}
