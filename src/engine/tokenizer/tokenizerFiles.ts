// The files of a Hugging Face model directory that make up its tokenizer and chat template; a
// checkpoint copies them so that it is a complete model directory (transformers, vLLM and
// `rlvr eval --model` open it as it is).
import { copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";

export const TOKENIZER_FILES = [
  "tokenizer.json",
  "tokenizer_config.json",
  "vocab.json",
  "merges.txt",
  "special_tokens_map.json",
  "added_tokens.json",
  "chat_template.jinja",
] as const;

/** Copies the tokenizer files `modelDir` has into `dir`; returns their names. */
export function copyTokenizerFiles(modelDir: string, dir: string): string[] {
  const present = TOKENIZER_FILES.filter((f) => existsSync(join(modelDir, f)));
  for (const f of present) copyFileSync(join(modelDir, f), join(dir, f));
  return present;
}
