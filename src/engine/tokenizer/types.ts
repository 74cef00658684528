// What the engines and the training loop need of a tokenizer; fits the character-level tokenizer
// of the synthetic task and Hugging Face tokenizers alike.

export interface Tokenizer {
  vocabSize: number;
  /** Text to ids; special tokens written in the text become their single ids. */
  encode(text: string): number[];
  /** Ids to text; special tokens are written out as their strings. */
  decode(ids: readonly number[]): string;
  /** The token that ends a completion (the chat template's end-of-turn token). */
  eosTokenId: number;
  padTokenId: number;
  tokenToId(token: string): number | undefined;
  /** The special tokens' strings, each encoded as one id. */
  specialTokens: string[];
}
