// The text a streamed completion adds with each decoded token: the text of the tokens so far less what
// was sent, held back while it ends in an incomplete UTF-8 character (the tokenizer decodes it as
// U+FFFD; Hugging Face's TextStreamer waits the same way) and, with stop strings, kept short of where a
// stop string could start, so that no text past a stop string is ever sent. Tokens that end the answer
// without text (an end-of-turn token) add nothing. At the end, `finish` sends what is left of the
// answer's final text (stop string cut off).
import type { Tokenizer } from "../engine/tokenizer/types.js";

const REPLACEMENT = "\uFFFD";
const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;

export class TextDeltas {
  private readonly tokens: number[] = [];
  private sent = "";
  private text = "";
  /** Where the first stop string starts in the text, once one has appeared. */
  private stopAt = -1;
  private readonly holdBack: number;

  constructor(
    private readonly tokenizer: Tokenizer,
    private readonly stops: readonly string[],
    /** Tokens that end the answer and are not part of its text (end of turn). */
    private readonly silent: readonly number[],
  ) {
    // a stop string may be under way in the last (longest − 1) characters
    this.holdBack = Math.max(0, ...stops.map((s) => s.length - 1));
  }

  /**
   * The text to send now for `token`; null when the token is not part of the answer (an end-of-turn
   * token, or one after a stop string), "" when its text is not ready yet.
   */
  push(token: number): string | null {
    if (this.silent.includes(token) || this.stopAt >= 0) return null;
    const before = this.text.length;
    this.tokens.push(token);
    this.text = this.tokenizer.decode(this.tokens);
    const found = this.stops.map((s) => this.text.indexOf(s)).filter((i) => i >= 0);
    if (found.length > 0) this.stopAt = Math.min(...found);
    // the token that completes a stop string is part of the answer when text before it is (as the
    // non-streamed answer trims its tokens)
    if (this.stopAt >= 0 && before >= this.stopAt) return null;
    if (this.text.endsWith(REPLACEMENT) || !this.text.startsWith(this.sent)) return "";
    let ready = this.stopAt >= 0 ? this.stopAt : this.text.length - this.holdBack;
    if (ready > 0 && ready < this.text.length && isHighSurrogate(this.text.charCodeAt(ready - 1))) ready--;
    if (ready <= this.sent.length) return "";
    const delta = this.text.slice(this.sent.length, ready);
    this.sent += delta;
    return delta;
  }

  /** What is left of the answer's final text (text already sent cannot be taken back). */
  finish(finalText: string): string {
    if (!finalText.startsWith(this.sent)) return "";
    const rest = finalText.slice(this.sent.length);
    this.sent = finalText;
    return rest;
  }
}
