// Loads the tokenizer of a checkpoint directory, choosing the implementation by the content of its
// tokenizer.json: `"type": "rlvr-char"` is the project's character tokenizer, a `"model"` object is
// a Hugging Face tokenizer.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { CHAR_TOKENIZER_TYPE, CharTokenizer } from "./charTokenizer.js";
import { HfTokenizer } from "./hfTokenizer.js";
import { readJsonObject } from "./jsonFile.js";
import type { Tokenizer } from "./types.js";

export function loadTokenizer(dir: string): Tokenizer {
  const file = join(dir, "tokenizer.json");
  if (!existsSync(file) && existsSync(join(dir, "vocab.json"))) return HfTokenizer.load(dir);
  const o = readJsonObject(file);
  if (o.type === CHAR_TOKENIZER_TYPE) return CharTokenizer.fromJSON(o, file);
  if (typeof o.model === "object" && o.model !== null) return HfTokenizer.load(dir);
  throw new Error(
    `${file}: unknown tokenizer format: expected "type": "${CHAR_TOKENIZER_TYPE}" or a Hugging Face "model" object`,
  );
}
