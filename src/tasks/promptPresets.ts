// The prompts of the seed papers as presets of task.prompt.preset (core/choices.ts PROMPT_PRESETS): a
// system turn and a suffix appended to every question. A config's own task.prompt.system / suffix win.
import type { PromptPreset } from "../core/choices.js";
import type { PromptSpec } from "./types.js";

/**
 * The system prompt of the paper's Table 1 (MGRPO layer 1, after DeepSeek-R1), with the line breaks
 * as printed. Long for a character-level model; the compact preset uses no system prompt.
 */
export const PAPER_TABLE1_SYSTEM_PROMPT = [
  "You are a helpful AI assistant. A conversation between User and Assistant.",
  "The User asks a mathematical question, and the Assistant solves it step-by-step.",
  "The Assistant must first output a detailed step-by-step reasoning process enclosed within",
  "<think></think> tags. After the </think> tag, the Assistant must provide the final answer",
  "based on the reasoning.",
].join("\n");

/**
 * The 1-shot RLVR paper's instruction after every question (its training and evaluation data, verl's
 * math format), with the space that joins it to the question.
 */
export const ONE_SHOT_RLVR_SUFFIX = " Let's think step by step and output the final answer within \\boxed{}.";

/** What each preset adds to the prompt. */
export const PROMPT_PRESET_TEXT: Readonly<Record<PromptPreset, { system?: string; suffix?: string }>> = {
  none: {},
  "one-shot-rlvr": { suffix: ONE_SHOT_RLVR_SUFFIX },
  "mgrpo-table1": { system: PAPER_TABLE1_SYSTEM_PROMPT },
};

/** The system turn of a task.prompt: its own, else its preset's; undefined = none. */
export function promptSystem(spec: Pick<PromptSpec, "system" | "preset">): string | undefined {
  return spec.system ?? PROMPT_PRESET_TEXT[spec.preset ?? "none"].system;
}

/** The question suffix of a task.prompt: its own, else its preset's; undefined = none. */
export function promptSuffix(spec: Pick<PromptSpec, "suffix" | "preset">): string | undefined {
  return spec.suffix ?? PROMPT_PRESET_TEXT[spec.preset ?? "none"].suffix;
}
