// Character-level tokenizer for the synthetic tasks: one id per character of a fixed alphabet,
// plus special tokens (chat-template markers) that are matched greedily in the text and encoded as
// single ids. Serialises to a `tokenizer.json` of its own format ("type": "rlvr-char") so that a
// checkpoint directory carries its vocabulary.
//
// Ids: the special tokens first, in the listed order (pad = 0), then the alphabet in order.
// Unknown characters: by default `encode` throws an error naming the character and its offset
// (`onUnknown: "error"`); with `onUnknown: "unk"` they become the `<unk>` id (decoded as "<unk>").
import { join } from "node:path";
import { writeFileAtomic } from "../../core/atomicFile.js";
import { readJsonObject } from "./jsonFile.js";
import type { Tokenizer } from "./types.js";

export const CHAR_TOKENIZER_TYPE = "rlvr-char";

export const PAD_TOKEN = "<|pad|>";
export const UNK_TOKEN = "<unk>";
export const IM_START = "<|im_start|>";
export const IM_END = "<|im_end|>";
export const THINK_OPEN = "<think>";
export const THINK_CLOSE = "</think>";

/** The default special tokens, in id order. The end-of-turn token `<|im_end|>` is the EOS. */
export const DEFAULT_SPECIAL_TOKENS: readonly string[] = [
  PAD_TOKEN,
  UNK_TOKEN,
  IM_START,
  IM_END,
  THINK_OPEN,
  THINK_CLOSE,
];

/**
 * The default alphabet: newline and printable ASCII (space to `~`). It covers the arithmetic task,
 * the guide phrases, the Table 1 system prompt and the self-correction instruction.
 */
export const DEFAULT_ALPHABET: readonly string[] = [
  "\n",
  ...Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)),
];

export type UnknownCharPolicy = "error" | "unk";

export interface CharTokenizerSpec {
  specialTokens?: readonly string[];
  alphabet?: readonly string[];
  eosToken?: string;
  padToken?: string;
  unkToken?: string;
  onUnknown?: UnknownCharPolicy;
}

/** The content of a char tokenizer's `tokenizer.json`. */
export interface CharTokenizerJson {
  type: typeof CHAR_TOKENIZER_TYPE;
  version: 1;
  specialTokens: string[];
  alphabet: string[];
  eosToken: string;
  padToken: string;
  unkToken: string;
  onUnknown: UnknownCharPolicy;
}

export class CharTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly eosTokenId: number;
  readonly padTokenId: number;
  readonly unkTokenId: number;
  readonly specialTokens: string[];
  readonly alphabet: string[];
  readonly onUnknown: UnknownCharPolicy;
  private readonly idOf = new Map<string, number>();
  private readonly tokens: string[];
  /** Special tokens, longest first, for greedy matching. */
  private readonly specialsByLength: string[];

  constructor(spec: CharTokenizerSpec = {}) {
    this.specialTokens = [...(spec.specialTokens ?? DEFAULT_SPECIAL_TOKENS)];
    this.alphabet = [...(spec.alphabet ?? DEFAULT_ALPHABET)];
    this.onUnknown = spec.onUnknown ?? "error";
    if (this.onUnknown !== "error" && this.onUnknown !== "unk") {
      throw new Error(
        `CharTokenizer: onUnknown must be "error" or "unk", got ${JSON.stringify(this.onUnknown)}`,
      );
    }
    for (const s of this.specialTokens) {
      if (typeof s !== "string" || [...s].length < 2) {
        throw new Error(
          `CharTokenizer: special token ${JSON.stringify(s)} must be a string of 2+ characters`,
        );
      }
    }
    for (const c of this.alphabet) {
      if (typeof c !== "string" || [...c].length !== 1) {
        throw new Error(`CharTokenizer: alphabet entry ${JSON.stringify(c)} must be exactly one character`);
      }
    }
    this.tokens = [...this.specialTokens, ...this.alphabet];
    this.tokens.forEach((t, id) => {
      if (this.idOf.has(t)) throw new Error(`CharTokenizer: token ${JSON.stringify(t)} appears twice`);
      this.idOf.set(t, id);
    });
    this.vocabSize = this.tokens.length;
    const need = (name: string, tok: string): number => {
      const id = this.idOf.get(tok);
      if (id === undefined || id >= this.specialTokens.length) {
        throw new Error(`CharTokenizer: ${name} ${JSON.stringify(tok)} is not among the special tokens`);
      }
      return id;
    };
    this.eosTokenId = need("eosToken", spec.eosToken ?? IM_END);
    this.padTokenId = need("padToken", spec.padToken ?? PAD_TOKEN);
    this.unkTokenId = need("unkToken", spec.unkToken ?? UNK_TOKEN);
    this.specialsByLength = [...this.specialTokens].sort((a, b) => b.length - a.length);
  }

  encode(text: string): number[] {
    const ids: number[] = [];
    let i = 0;
    outer: while (i < text.length) {
      if (text[i] === "<") {
        for (const s of this.specialsByLength) {
          if (text.startsWith(s, i)) {
            ids.push(this.idOf.get(s)!);
            i += s.length;
            continue outer;
          }
        }
      }
      const cp = text.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      const id = this.idOf.get(ch);
      if (id !== undefined && id >= this.specialTokens.length) {
        ids.push(id);
      } else if (this.onUnknown === "unk") {
        ids.push(this.unkTokenId);
      } else {
        const hex = cp.toString(16).toUpperCase().padStart(4, "0");
        throw new Error(
          `CharTokenizer: character U+${hex} ${JSON.stringify(ch)} at offset ${i} is not in the vocabulary ` +
            `(context: ${JSON.stringify(text.slice(Math.max(0, i - 20), i + 20))})`,
        );
      }
      i += ch.length;
    }
    return ids;
  }

  decode(ids: readonly number[]): string {
    let out = "";
    for (const id of ids) {
      const tok = this.tokens[id];
      if (tok === undefined || !Number.isInteger(id)) {
        throw new Error(`CharTokenizer: id ${id} is outside the vocabulary [0, ${this.vocabSize})`);
      }
      out += tok;
    }
    return out;
  }

  tokenToId(token: string): number | undefined {
    return this.idOf.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.tokens[id];
  }

  toJSON(): CharTokenizerJson {
    return {
      type: CHAR_TOKENIZER_TYPE,
      version: 1,
      specialTokens: [...this.specialTokens],
      alphabet: [...this.alphabet],
      eosToken: this.tokens[this.eosTokenId],
      padToken: this.tokens[this.padTokenId],
      unkToken: this.tokens[this.unkTokenId],
      onUnknown: this.onUnknown,
    };
  }

  /** Builds from the parsed content of a `tokenizer.json`; `source` names the file in errors. */
  static fromJSON(json: unknown, source = "tokenizer.json"): CharTokenizer {
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
      throw new Error(`${source}: expected a JSON object`);
    }
    const o = json as Record<string, unknown>;
    if (o.type !== CHAR_TOKENIZER_TYPE) {
      throw new Error(
        `${source}: field "type" must be "${CHAR_TOKENIZER_TYPE}", got ${JSON.stringify(o.type)}`,
      );
    }
    if (o.version !== 1)
      throw new Error(`${source}: field "version" must be 1, got ${JSON.stringify(o.version)}`);
    const strings = (field: string): string[] => {
      const v = o[field];
      if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) {
        throw new Error(`${source}: field "${field}" must be an array of strings`);
      }
      return v;
    };
    const str = (field: string): string => {
      const v = o[field];
      if (typeof v !== "string") throw new Error(`${source}: field "${field}" must be a string`);
      return v;
    };
    try {
      return new CharTokenizer({
        specialTokens: strings("specialTokens"),
        alphabet: strings("alphabet"),
        eosToken: str("eosToken"),
        padToken: str("padToken"),
        unkToken: str("unkToken"),
        onUnknown: str("onUnknown") as UnknownCharPolicy,
      });
    } catch (err) {
      throw new Error(`${source}: ${(err as Error).message}`);
    }
  }

  /** Writes `<dir>/tokenizer.json` atomically. */
  save(dir: string): void {
    writeFileAtomic(join(dir, "tokenizer.json"), `${JSON.stringify(this.toJSON(), null, 2)}\n`);
  }

  /** Reads `<dir>/tokenizer.json`. */
  static load(dir: string): CharTokenizer {
    const file = join(dir, "tokenizer.json");
    return CharTokenizer.fromJSON(readJsonObject(file), file);
  }
}
