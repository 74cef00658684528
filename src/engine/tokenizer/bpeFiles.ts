// The `vocab.json` + `merges.txt` form of a byte-level BPE tokenizer (Qwen2's, GPT-2's) turned into the
// tokenizer.json that Hugging Face transformers builds from it (its Qwen2 converter): NFC normalisation,
// the Qwen2 pre-tokenizer split (letters, digits one by one, punctuation, newlines, spaces), byte-level
// mapping, BPE without an unknown token, and the added tokens of tokenizer_config.json. We write this
// because no npm library converts the slow form; @huggingface/tokenizers then runs it.
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The pre-tokenizer pattern of transformers' Qwen2 converter (convert_slow_tokenizer.Qwen2Converter). */
export const QWEN2_SPLIT_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

interface AddedTokenConfig {
  content: string;
  lstrip?: boolean;
  rstrip?: boolean;
  normalized?: boolean;
  single_word?: boolean;
  special?: boolean;
}

/** merges.txt lines ("a b"), without the "#version" header and blank lines. */
export function parseMerges(text: string): string[] {
  return text.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#version"));
}

/** tokenizer.json of a vocab/merges pair and its tokenizer_config.json (added_tokens_decoder). */
export function tokenizerJsonFromBpe(
  vocab: Record<string, number>,
  merges: readonly string[],
  config: Record<string, unknown>,
): Record<string, unknown> {
  const decoder = (config.added_tokens_decoder ?? {}) as Record<string, AddedTokenConfig>;
  const added = Object.entries(decoder)
    .map(([id, t]) => ({
      id: Number(id),
      content: t.content,
      single_word: t.single_word ?? false,
      lstrip: t.lstrip ?? false,
      rstrip: t.rstrip ?? false,
      normalized: t.normalized ?? false,
      special: t.special ?? false,
    }))
    .sort((a, b) => a.id - b.id);
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: { type: "NFC" },
    pre_tokenizer: {
      type: "Sequence",
      pretokenizers: [
        { type: "Split", pattern: { Regex: QWEN2_SPLIT_PATTERN }, behavior: "Isolated", invert: false },
        { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false },
      ],
    },
    post_processor: { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false },
    decoder: { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: "",
      end_of_word_suffix: "",
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: [...merges],
    },
  };
}

/** Reads `<dir>/vocab.json` and `<dir>/merges.txt` into a tokenizer.json object. */
export function readBpeFiles(dir: string, config: Record<string, unknown>): Record<string, unknown> {
  const vocab = JSON.parse(readFileSync(join(dir, "vocab.json"), "utf8")) as Record<string, number>;
  const merges = parseMerges(readFileSync(join(dir, "merges.txt"), "utf8"));
  return tokenizerJsonFromBpe(vocab, merges, config);
}
