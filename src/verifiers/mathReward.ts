/**
 * The RLVR reward of a math completion: 1 when the extracted final answer is equivalent to the
 * gold, plus an optional format bonus; a truncated completion gets nothing at all.
 */

import { checkFormat, type FormatCheck } from "./formatReward.js";
import type { AnswerVerifier, SolutionOptions, VerifyResult } from "./verify.js";

export interface MathRewardOptions extends SolutionOptions {
  /** Added when the completion is well formatted (default 0: correctness only). */
  formatWeight?: number;
  requireReasoning?: boolean;
}

export interface MathReward {
  reward: number;
  correct: boolean;
  reason: string;
  extracted?: string;
  format: FormatCheck;
}

export async function scoreMathCompletion(
  verifier: AnswerVerifier,
  gold: string,
  completion: string,
  options: MathRewardOptions = {},
): Promise<MathReward> {
  const format = checkFormat(completion, {
    stopReason: options.stopReason,
    requireReasoning: options.requireReasoning ?? false,
  });
  const result: VerifyResult = await verifier.verifySolution(gold, completion, options);
  const correct = result.equivalent;
  const reward = (correct ? 1 : 0) + (format.wellFormed ? (options.formatWeight ?? 0) : 0);
  const out: MathReward = { reward, correct, reason: result.reason, format };
  if (result.extracted !== undefined) out.extracted = result.extracted;
  return out;
}
