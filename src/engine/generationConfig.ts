// A Hugging Face model's `generation_config.json`: its sampling defaults (do_sample, temperature, top_p,
// top_k) and its end-of-sequence ids. Semantics as transformers' GenerationConfig: without do_sample
// generation is greedy; with it, an absent temperature is 1, top_p 1 and top_k 50. `rlvr eval` uses
// these where the user set no sampling flag; the eos ids join the stop tokens wherever the model samples
// (run/session.ts). Training samples at the config's own `sampling` (the RL policy's distribution).
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { SamplingParams } from "./types.js";

export const GENERATION_CONFIG_FILE = "generation_config.json";

export interface GenerationConfig {
  doSample: boolean;
  temperature?: number;
  topP?: number;
  topK?: number;
  /** eos_token_id as a list (it may be one id or several in the file). */
  eosTokenIds: number[];
}

const tokenId = z.number().int().min(0);

// Other keys (max_new_tokens, repetition_penalty, bos_token_id, …) are allowed and not used.
const schema = z.object({
  do_sample: z.boolean().optional(),
  temperature: z.number().min(0).optional(),
  top_p: z.number().gt(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
  eos_token_id: z.union([tokenId, z.array(tokenId)]).nullish(),
});

/** Validates a parsed generation_config.json; errors name `file` and the field. */
export function parseGenerationConfig(json: unknown, file: string): GenerationConfig {
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (i) => `field "${i.path.length > 0 ? i.path.join(".") : "(top level)"}": ${i.message}`,
    );
    throw new Error(`${file}: invalid generation config: ${lines.join("; ")}`);
  }
  const c = parsed.data;
  const eos = c.eos_token_id;
  return {
    doSample: c.do_sample ?? false,
    ...(c.temperature !== undefined ? { temperature: c.temperature } : {}),
    ...(c.top_p !== undefined ? { topP: c.top_p } : {}),
    ...(c.top_k !== undefined ? { topK: c.top_k } : {}),
    eosTokenIds: eos == null ? [] : Array.isArray(eos) ? eos : [eos],
  };
}

/** `dir`/generation_config.json, or null when the model has none. */
export function readGenerationConfig(dir: string): GenerationConfig | null {
  const file = join(dir, GENERATION_CONFIG_FILE);
  if (!existsSync(file)) return null;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  return parseGenerationConfig(json, file);
}

/** Copies `modelDir`/generation_config.json into `dir` when there is one (a checkpoint keeps the model's defaults). */
export function copyGenerationConfig(modelDir: string, dir: string): boolean {
  const file = join(modelDir, GENERATION_CONFIG_FILE);
  if (!existsSync(file)) return false;
  copyFileSync(file, join(dir, GENERATION_CONFIG_FILE));
  return true;
}

/** transformers' GenerationConfig default top_k (applied when do_sample is on and top_k is absent). */
const HF_DEFAULT_TOP_K = 50;

/**
 * temperature, topK and topP as the model's generation config implies them: greedy (temperature 0)
 * without one or without do_sample; else its values, with transformers' defaults for those it leaves out.
 */
export function samplingDefaults(
  gen: GenerationConfig | null,
): Pick<SamplingParams, "temperature" | "topK" | "topP"> {
  if (!gen?.doSample) return { temperature: 0, topK: -1, topP: 1 };
  return { temperature: gen.temperature ?? 1, topK: gen.topK ?? HF_DEFAULT_TOP_K, topP: gen.topP ?? 1 };
}
