// The trajectory types the training loops share (in the style of tinker-cookbook's rl/types.py, for
// single-turn sampling): one sampled completion with its score, and the G completions of one problem.

/** One sampled completion of one prompt, scored. */
export interface Trajectory {
  promptTokens: number[];
  /** The sampled tokens only (the prompt is not repeated). */
  completionTokens: number[];
  /** Per completion token: its log-prob under the policy that sampled it (π_old). */
  samplingLogprobs_T: number[];
  /** The verifier's reward (binary, ordinal or shaped). */
  reward: number;
  /** Whether the answer counts as correct (binary, whatever the reward's scale). */
  correct: boolean;
  /** Sampling stopped at the length limit rather than a stop token. */
  truncated: boolean;
  /** Set when the reward function threw: the sample is marked, not the run killed (reward is then 0). */
  rewardError?: string;
  /** Optional per-sample numbers (e.g. format reward), logged, never used by the estimators. */
  metrics?: Record<string, number>;
}

/** The G trajectories sampled for one problem: the unit a group advantage is computed over. */
export interface TrajectoryGroup {
  problemId: string;
  trajectories_G: Trajectory[];
}

export function groupRewards(group: TrajectoryGroup): number[] {
  return group.trajectories_G.map((t) => t.reward);
}

export function groupCorrect(group: TrajectoryGroup): boolean[] {
  return group.trajectories_G.map((t) => t.correct);
}

/** Throws, naming the problem and sample, when a trajectory's per-token arrays disagree in length. */
export function checkTrajectoryGroup(group: TrajectoryGroup): void {
  group.trajectories_G.forEach((t, i) => {
    if (t.samplingLogprobs_T.length !== t.completionTokens.length) {
      throw new Error(
        `trajectory ${i} of problem "${group.problemId}": ${t.completionTokens.length} completion tokens but ` +
          `${t.samplingLogprobs_T.length} sampling log-probs`,
      );
    }
    if (!Number.isFinite(t.reward)) {
      throw new Error(`trajectory ${i} of problem "${group.problemId}": reward is ${t.reward}`);
    }
  });
}
