// A Hugging Face tokenizer (tokenizer.json + tokenizer_config.json of a checkpoint directory),
// wrapped in the project's Tokenizer interface with @huggingface/tokenizers.
//
// `encode` does not add the model's special tokens (BOS etc.): prompts are rendered by the chat
// template, which writes them itself; special tokens written in the text are still single ids.
// `decode` keeps special tokens in the text. EOS is `eos_token` of tokenizer_config.json; PAD is
// `pad_token` when set, else the EOS.
import { readBpeFiles } from "./bpeFiles.js";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Tokenizer as HfTokenizerImpl } from "@huggingface/tokenizers";
import { readJsonObject } from "./jsonFile.js";
import type { Tokenizer } from "./types.js";

/** `eos_token` and friends are a string or an AddedToken object `{content: string, …}`. */
function tokenContent(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { content?: unknown }).content === "string"
  ) {
    return (value as { content: string }).content;
  }
  return undefined;
}

/**
 * A SentencePiece-style tokenizer.json (Llama, Phi-3: normalizer Prepend "▁" + Replace " " → "▁") whose
 * tokenizer_config.json says `"legacy": false` is the tokenizer transformers builds as: no normalizer and
 * a Metaspace pre-tokenizer that prepends "▁" only to the text's first piece, and only when it does not
 * start with one (so no "▁" after a special token, and "   " is three "▁"), as its LlamaConverter does.
 */
export function nonLegacyMetaspace(
  json: Record<string, unknown>,
  config: Record<string, unknown>,
): Record<string, unknown> {
  const n = json.normalizer as { type?: string; normalizers?: { type?: string }[] } | null | undefined;
  const isSentencePiece =
    n?.type === "Sequence" &&
    (n.normalizers ?? []).every((x) => x.type === "Prepend" || x.type === "Replace") &&
    (n.normalizers ?? []).some((x) => x.type === "Prepend");
  if (config.legacy !== false || !isSentencePiece || json.pre_tokenizer) return json;
  return {
    ...json,
    normalizer: null,
    pre_tokenizer: { type: "Metaspace", replacement: "\u2581", prepend_scheme: "first", split: false },
  };
}

export class HfTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly eosTokenId: number;
  readonly padTokenId: number;
  readonly specialTokens: string[];
  private readonly impl: HfTokenizerImpl;

  constructor(
    tokenizerJson: Record<string, unknown>,
    config: Record<string, unknown>,
    source = "tokenizer.json",
  ) {
    try {
      this.impl = new HfTokenizerImpl(nonLegacyMetaspace(tokenizerJson, config), config);
    } catch (err) {
      throw new Error(`${source}: cannot build the tokenizer: ${(err as Error).message}`);
    }
    const vocab = this.impl.get_vocab(true);
    let maxId = -1;
    for (const id of vocab.values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;
    const added = Array.isArray(tokenizerJson.added_tokens) ? tokenizerJson.added_tokens : [];
    this.specialTokens = added
      .filter(
        (t): t is { content: string; special: boolean } =>
          typeof t?.content === "string" && t.special === true,
      )
      .map((t) => t.content);
    const eos = tokenContent(config.eos_token);
    if (eos === undefined) throw new Error(`${source}: tokenizer_config.json has no "eos_token"`);
    const eosId = this.impl.token_to_id(eos);
    if (eosId === undefined)
      throw new Error(`${source}: eos_token ${JSON.stringify(eos)} is not in the vocabulary`);
    this.eosTokenId = eosId;
    const pad = tokenContent(config.pad_token);
    const padId = pad === undefined ? undefined : this.impl.token_to_id(pad);
    if (pad !== undefined && padId === undefined) {
      throw new Error(`${source}: pad_token ${JSON.stringify(pad)} is not in the vocabulary`);
    }
    this.padTokenId = padId ?? eosId;
  }

  encode(text: string): number[] {
    const { ids, tokens } = this.impl.encode(text, { add_special_tokens: false });
    const bad = ids.findIndex((id: number | undefined) => typeof id !== "number");
    if (bad >= 0) {
      throw new Error(
        `HfTokenizer: token ${JSON.stringify(tokens[bad])} has no id (the model has no unk_token)`,
      );
    }
    return ids;
  }

  decode(ids: readonly number[]): string {
    return this.impl.decode([...ids], { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  }

  tokenToId(token: string): number | undefined {
    return this.impl.token_to_id(token);
  }

  /**
   * Reads `<dir>/tokenizer.json`, or the `vocab.json` + `merges.txt` pair when there is no tokenizer.json,
   * and `<dir>/tokenizer_config.json` (which may be absent: `{}`).
   */
  static load(dir: string): HfTokenizer {
    const file = join(dir, "tokenizer.json");
    const configFile = join(dir, "tokenizer_config.json");
    const config = existsSync(configFile) ? readJsonObject(configFile) : {};
    if (!existsSync(file) && existsSync(join(dir, "vocab.json")) && existsSync(join(dir, "merges.txt")))
      return new HfTokenizer(readBpeFiles(dir, config), config, join(dir, "vocab.json"));
    return new HfTokenizer(readJsonObject(file), config, file);
  }
}
