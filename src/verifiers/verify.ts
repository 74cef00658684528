/**
 * The verifier's public API: is a predicted answer (or a whole solution) equivalent to the gold?
 *
 * Every result says how it decided. Plain answers are decided inline (microseconds); the rest go
 * to the computer-algebra path in a worker thread under a time budget that bounds the whole call
 * (a cold start of the worker included), whose overrun is reported as reason "timeout" and never
 * rewarded. This module and what it imports on the calling thread load neither the algebra system
 * nor mathjs, so that a one-shot caller (`rlvr verify`) starts in a fraction of a second. Nothing here throws on bad input: a reward that throws
 * would lose the sample.
 */

import { type ExtractOptions, extractAnswer } from "./extract.js";
import { decideFast } from "./fastEquivalence.js";
import type { Decision } from "./mathEquivalence.js";
import type { NormalizedAnswer } from "./normalize.js";
import { type AnswerReading, readAnswer } from "./readAnswer.js";
import { TimedEquivalenceChecker, type TimedEquivalenceOptions } from "./timedEquivalence.js";
import { DEFAULT_TOLERANCE, type TolerancePolicy } from "./tolerance.js";

export interface VerifyResult {
  equivalent: boolean;
  /** How the decision was made, or why nothing could be compared. */
  reason: string;
  /** The answer that was compared (extracted and normalised). */
  extracted?: string;
}

export interface SolutionOptions extends ExtractOptions {
  /** The sampler's stop reason; "length" means the solution was truncated and is never rewarded. */
  stopReason?: string;
  /**
   * Several boxed answers with different values: "all" (default — they are the answer's several
   * values, compared as a list: hedging `\boxed{3}`, `\boxed{4}` against 4 is a list of two and
   * is rejected), "reject" (never rewarded) or "use-last".
   */
  conflictingBoxes?: "all" | "reject" | "use-last";
}

export interface VerifierOptions extends TimedEquivalenceOptions {}

/** Longest answer compared at all; anything longer is not a final answer. */
const MAX_ANSWER_LENGTH = 4000;

function displayed(n: NormalizedAnswer): string {
  return `${n.latex}${n.percent ? "%" : ""}${n.degrees ? "°" : ""}`;
}

/** The inline part: a decision when the answers are simple enough, else undefined. */
export function verifyAnswerFast(
  gold: string,
  pred: string,
  policy: TolerancePolicy = DEFAULT_TOLERANCE,
): VerifyResult | undefined {
  const prepared = prepare(gold, pred);
  if ("result" in prepared) return prepared.result;
  const decision = decideFast(prepared.gold, prepared.pred.answer, policy);
  return decision ? { ...decision, extracted: displayed(prepared.pred.answer) } : undefined;
}

interface Prepared {
  gold: NormalizedAnswer;
  pred: AnswerReading;
}

function prepare(
  gold: string,
  pred: string,
  severalBoxes?: "all" | "use-last",
): Prepared | { result: VerifyResult } {
  if (typeof gold !== "string" || typeof pred !== "string")
    return { result: { equivalent: false, reason: "answers must be strings" } };
  if (pred.length > MAX_ANSWER_LENGTH) return { result: { equivalent: false, reason: "answer too long" } };
  if (gold.length > MAX_ANSWER_LENGTH)
    return { result: { equivalent: false, reason: "gold answer too long" } };
  let g = readAnswer(gold).answer;
  if (g.latex.length === 0) return { result: { equivalent: false, reason: "empty gold answer" } };
  const p = readAnswer(pred, { expectChoice: g.choice !== undefined, severalBoxes });
  if (p.answer.latex.length === 0)
    return { result: { equivalent: false, reason: "empty answer", extracted: "" } };
  // A gold letter with its option (`(D) 8\pi`) against an answer that gives the option itself.
  if (g.choice !== undefined && p.answer.choice === undefined && g.choiceText !== undefined) g = g.choiceText;
  return { gold: g, pred: p };
}

function withHow(result: VerifyResult, reading: AnswerReading): VerifyResult {
  const how = [
    reading.boxes !== undefined ? `several boxed answers (${reading.boxes})` : undefined,
    reading.method !== undefined && reading.boxes === undefined
      ? `extracted by ${reading.method}`
      : undefined,
  ].filter((x) => x !== undefined);
  return how.length === 0 ? result : { ...result, reason: `${result.reason} (${how.join(", ")})` };
}

/** Verifies answers against gold answers; owns the worker thread(s) of the algebra path. */
export class AnswerVerifier {
  private readonly checker: TimedEquivalenceChecker;
  private readonly policy: TolerancePolicy;

  constructor(options: VerifierOptions = {}) {
    this.policy = options.policy ?? DEFAULT_TOLERANCE;
    this.checker = new TimedEquivalenceChecker(options);
  }

  get timeoutMs(): number {
    return this.checker.timeoutMs;
  }

  /** Starts the algebra worker(s) now and resolves when they are ready. */
  warmUp(): Promise<void> {
    return this.checker.warmUp();
  }

  /**
   * Is `pred` equivalent to `gold`? `pred` is an answer; when it is written with markers (boxes, an
   * answer phrase, a chat-template token, prose) the answer is read from it first (`readAnswer.ts`).
   */
  async verifyAnswer(gold: string, pred: string): Promise<VerifyResult> {
    return this.compare(gold, pred);
  }

  private async compare(
    gold: string,
    pred: string,
    severalBoxes?: "all" | "use-last",
  ): Promise<VerifyResult> {
    const prepared = prepare(gold, pred, severalBoxes);
    if ("result" in prepared) return prepared.result;
    const answer = prepared.pred.answer;
    const extracted = displayed(answer);
    const fast = decideFast(prepared.gold, answer, this.policy);
    if (fast) return withHow({ ...fast, extracted }, prepared.pred);
    const decision: Decision = await this.checker.compare(prepared.gold, answer);
    return withHow({ ...decision, extracted }, prepared.pred);
  }

  /** Extracts the final answer of a whole solution, then verifies it. */
  async verifySolution(gold: string, solution: string, options: SolutionOptions = {}): Promise<VerifyResult> {
    if (options.stopReason === "length")
      return { equivalent: false, reason: "truncated (stop reason: length)" };
    const expectChoice = readAnswer(gold).answer.choice !== undefined;
    const extraction = extractAnswer(solution, { expectChoice, ...options });
    if (!extraction.ok) return { equivalent: false, reason: `no answer: ${extraction.reason}` };
    const several = options.conflictingBoxes ?? "all";
    if (extraction.conflictingBoxes && several === "reject") {
      return {
        equivalent: false,
        reason: `several boxed answers with different values (${extraction.conflictingBoxes.length})`,
        extracted: extraction.answer,
      };
    }
    if (extraction.conflictingBoxes && several === "all") {
      // Hand every box over: the reading keeps them as several answers.
      const boxes = extraction.conflictingBoxes.map((b) => `\\boxed{${b}}`).join(", ");
      return this.compare(gold, boxes, "all");
    }
    const result = await this.compare(gold, extraction.answer, "use-last");
    if (result.reason.includes("(extracted by")) return result;
    return { ...result, reason: `${result.reason} (extracted by ${extraction.method})` };
  }

  async close(): Promise<void> {
    await this.checker.close();
  }
}

let shared: AnswerVerifier | undefined;

/**
 * A process-wide verifier (its workers do not keep the process alive), with two algebra workers, so
 * that one answer that runs to the time budget does not hold up the batch's other answers.
 */
export function sharedVerifier(): AnswerVerifier {
  shared ??= new AnswerVerifier({ workers: 2 });
  return shared;
}

export function verifyAnswer(gold: string, pred: string): Promise<VerifyResult> {
  return sharedVerifier().verifyAnswer(gold, pred);
}

export function verifySolution(
  gold: string,
  solution: string,
  options?: SolutionOptions,
): Promise<VerifyResult> {
  return sharedVerifier().verifySolution(gold, solution, options);
}
