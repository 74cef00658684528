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
import { type NormalizedAnswer, normalizeAnswer } from "./normalize.js";
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
   * Several boxed answers with different values: "reject" (default — hedging by boxing several
   * candidates is a known reward hack) or "use-last".
   */
  conflictingBoxes?: "reject" | "use-last";
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
  const decision = decideFast(prepared.gold, prepared.pred, policy);
  return decision ? { ...decision, extracted: displayed(prepared.pred) } : undefined;
}

function prepare(
  gold: string,
  pred: string,
): { gold: NormalizedAnswer; pred: NormalizedAnswer } | { result: VerifyResult } {
  if (typeof gold !== "string" || typeof pred !== "string")
    return { result: { equivalent: false, reason: "answers must be strings" } };
  if (pred.length > MAX_ANSWER_LENGTH) return { result: { equivalent: false, reason: "answer too long" } };
  if (gold.length > MAX_ANSWER_LENGTH)
    return { result: { equivalent: false, reason: "gold answer too long" } };
  const g = normalizeAnswer(gold);
  if (g.latex.length === 0) return { result: { equivalent: false, reason: "empty gold answer" } };
  const p = normalizeAnswer(pred);
  if (p.latex.length === 0) return { result: { equivalent: false, reason: "empty answer", extracted: "" } };
  return { gold: g, pred: p };
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

  /** Is `pred` (an answer, not a whole solution) equivalent to `gold`? */
  async verifyAnswer(gold: string, pred: string): Promise<VerifyResult> {
    const prepared = prepare(gold, pred);
    if ("result" in prepared) return prepared.result;
    const extracted = displayed(prepared.pred);
    const fast = decideFast(prepared.gold, prepared.pred, this.policy);
    if (fast) return { ...fast, extracted };
    const decision: Decision = await this.checker.compare(prepared.gold, prepared.pred);
    return { ...decision, extracted };
  }

  /** Extracts the final answer of a whole solution, then verifies it. */
  async verifySolution(gold: string, solution: string, options: SolutionOptions = {}): Promise<VerifyResult> {
    if (options.stopReason === "length")
      return { equivalent: false, reason: "truncated (stop reason: length)" };
    const extraction = extractAnswer(solution, options);
    if (!extraction.ok) return { equivalent: false, reason: `no answer: ${extraction.reason}` };
    if (extraction.conflictingBoxes && (options.conflictingBoxes ?? "reject") === "reject") {
      return {
        equivalent: false,
        reason: `several boxed answers with different values (${extraction.conflictingBoxes.length})`,
        extracted: extraction.answer,
      };
    }
    const result = await this.verifyAnswer(gold, extraction.answer);
    return { ...result, reason: `${result.reason} (extracted by ${extraction.method})` };
  }

  async close(): Promise<void> {
    await this.checker.close();
  }
}

let shared: AnswerVerifier | undefined;

/** A process-wide verifier with default options (its worker does not keep the process alive). */
export function sharedVerifier(): AnswerVerifier {
  shared ??= new AnswerVerifier();
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
