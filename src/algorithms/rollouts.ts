// Rollouts: render each problem's prompt, sample G completions through the engine, score them with
// the task's verifier. The one place where text, tokens and rewards meet; every algorithm uses it.
import type { RewardKind } from "../core/choices.js";
import type { SampledSequence, SamplingEngine, SamplingParams } from "../engine/types.js";
import { stopTokenIds } from "../engine/tokenizer/stopTokens.js";
import type { Tokenizer } from "../engine/tokenizer/types.js";
import type { Problem, Task } from "../tasks/types.js";
import type { Trajectory, TrajectoryGroup } from "../core/trajectory.js";

/** A trajectory with the text the verifier saw and its verdict's reason (for samples.jsonl). */
export interface ScoredTrajectory extends Trajectory {
  completionText: string;
  reason: string;
  /** The verifier's error when it threw or timed out (reward 0). */
  rewardError?: string;
}

/** The G scored trajectories of one problem. */
export interface RolloutGroup extends TrajectoryGroup {
  problem: Problem;
  trajectories_G: ScoredTrajectory[];
}

export interface RolloutOptions {
  groupSize: number;
  sampling: SamplingParams;
  /** The prompt text of a problem (the chat-rendered question). */
  renderPrompt: (problem: Problem) => string;
  /** Which reward of the score is the training reward: the binary one or the ordinal partial credit. */
  reward: RewardKind;
}

/** Decodes a completion without the stop token it ended on (the sampler includes it in `tokens`). */
export function completionText(tokenizer: Tokenizer, seq: SampledSequence): string {
  return tokenizer.decode(seq.stopReason === "stop" ? seq.tokens.slice(0, -1) : seq.tokens);
}

/** How long an asynchronous verifier may take on one completion before the sample is marked. */
export const SCORE_TIMEOUT_MS = 30_000;

/** The score, or a rejection after `ms` (a verifier that never answers must not stall the run). */
function withTimeout<T>(value: T | Promise<T>, ms: number): Promise<T> {
  if (!(value instanceof Promise)) return Promise.resolve(value);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s`)), ms);
  });
  return Promise.race([value, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Scores one completion; a verifier that throws, rejects or times out marks the sample (reward 0, the
 * reason, rewardError) instead of stopping the run; rollout/reward_errors counts them.
 */
export async function scoreCompletion(
  task: Task,
  problem: Problem,
  text: string,
  truncated: boolean,
  reward: RewardKind,
  timeoutMs = SCORE_TIMEOUT_MS,
): Promise<{ reward: number; correct: boolean; reason: string; rewardError?: string }> {
  try {
    const s = await withTimeout(task.score(problem, text, { truncated }), timeoutMs);
    const r = reward === "ordinal" ? (s.ordinal ?? s.reward) : s.correct ? 1 : 0;
    return { reward: r, correct: s.correct, reason: s.reason };
  } catch (err) {
    const message = (err as Error).message;
    return { reward: 0, correct: false, reason: `verifier error: ${message}`, rewardError: message };
  }
}

export async function sampleGroups(
  engine: SamplingEngine,
  tokenizer: Tokenizer,
  task: Task,
  problems: readonly Problem[],
  options: RolloutOptions,
): Promise<RolloutGroup[]> {
  const prompts = problems.map((p) => tokenizer.encode(options.renderPrompt(p)));
  const stopTokens = options.sampling.stopTokens ?? stopTokenIds(tokenizer);
  const sampled = await engine.sampleMany(prompts, options.groupSize, { ...options.sampling, stopTokens });
  return Promise.all(
    problems.map(async (problem, p) => ({
      problem,
      problemId: problem.id,
      trajectories_G: await Promise.all(
        sampled[p].map((seq) => scoredTrajectory(tokenizer, task, problem, prompts[p], seq, options.reward)),
      ),
    })),
  );
}

/** One sampled sequence decoded and scored against its problem. */
export async function scoredTrajectory(
  tokenizer: Tokenizer,
  task: Task,
  problem: Problem,
  promptTokens: number[],
  seq: SampledSequence,
  reward: RewardKind,
): Promise<ScoredTrajectory> {
  const text = completionText(tokenizer, seq);
  const truncated = seq.stopReason === "length";
  return {
    promptTokens,
    completionTokens: seq.tokens,
    samplingLogprobs_T: seq.logprobs,
    completionText: text,
    truncated,
    ...(await scoreCompletion(task, problem, text, truncated, reward)),
  };
}
