// Supervised fine-tuning: cross-entropy on the completion tokens of (prompt, completion) pairs,
// token-mean over the batch. Used for the warm start, STaR and "STaR with external prompts".
import { aggregationWeights } from "../core/aggregation.js";
import type { Tokenizer } from "../engine/tokenizer/types.js";
import type { AdamParams, Datum, TrainingEngine } from "../engine/types.js";
import { updatePolicy } from "./policyUpdate.js";

export interface SftPair {
  prompt: string;
  completion: string;
}

/** Tokens of prompt ++ completion and the completion mask (1 on completion tokens). */
export function tokenizePair(
  tokenizer: Tokenizer,
  pair: SftPair,
): { tokens: number[]; completionStart: number } {
  const prompt = tokenizer.encode(pair.prompt);
  const completion = tokenizer.encode(pair.completion);
  if (prompt.length === 0) throw new Error("sft: empty prompt");
  if (completion.length === 0) throw new Error("sft: empty completion");
  return { tokens: [...prompt, ...completion], completionStart: prompt.length };
}

/** Cross-entropy datums for a batch: token-mean over all completion tokens of the batch. */
export function sftDatums(tokenizer: Tokenizer, pairs: readonly SftPair[]): Datum[] {
  const seqs = pairs.map((p) => tokenizePair(tokenizer, p));
  // Position t predicts token t+1: completion token k (k ≥ completionStart) is predicted at t = k − 1.
  const masks_BT = seqs.map(({ tokens, completionStart }) =>
    tokens.slice(1).map((_, t) => (t + 1 >= completionStart ? 1 : 0)),
  );
  const weights_BT = aggregationWeights(masks_BT, "token-mean");
  return seqs.map(({ tokens }, i) => ({
    inputTokens: tokens.slice(0, -1),
    targetTokens: tokens.slice(1),
    weights: weights_BT[i],
  }));
}

/** One optimizer step of SFT on a batch; returns the mean token cross-entropy (nats). */
export async function sftStep(
  engine: TrainingEngine,
  tokenizer: Tokenizer,
  pairs: readonly SftPair[],
  adam: AdamParams,
  microBatchSize: number,
): Promise<{ loss: number; tokens: number }> {
  const datums = sftDatums(tokenizer, pairs);
  const metrics = await updatePolicy(
    engine,
    { datums, loss: { kind: "cross_entropy" } },
    adam,
    1,
    microBatchSize,
  );
  const tokens = datums.reduce((s, d) => s + d.weights.filter((w) => w > 0).length, 0);
  return { loss: metrics["loss:sum"], tokens };
}
