// The curves the dashboard and the report draw, panel by panel, from the metric names of
// core/metrics.ts (README "A run directory"). A panel overlays its keys for every selected run; keys
// a run does not have are left out of its panel. Every other numeric key of a run is drawn under
// "Other metrics", and keys outside the known namespaces are named as such.

export interface PanelKey {
  key: string;
  /** Short label in the legend ("layer 1", "layer 2"). */
  label: string;
}

export interface Panel {
  id: string;
  title: string;
  keys: PanelKey[];
  /** Draw points as well as lines (metrics logged only at some steps). */
  points?: boolean;
}

/** Namespaces of core/metrics.ts; time/ keys live in timings.jsonl. */
export const KNOWN_NAMESPACES = [
  "rollout",
  "advantage",
  "optim",
  "layer2",
  "star",
  "ppo",
  "eval",
  "time",
] as const;

const k = (key: string, label: string): PanelKey => ({ key, label });

export const PANELS: readonly Panel[] = [
  {
    id: "reward",
    title: "Reward",
    keys: [k("rollout/reward_mean", "layer 1"), k("layer2/reward_mean", "layer 2")],
  },
  {
    id: "accuracy",
    title: "Accuracy",
    keys: [k("rollout/accuracy", "layer 1"), k("layer2/accuracy", "layer 2")],
  },
  { id: "heldout", title: "Held-out accuracy", keys: [k("eval/accuracy", "greedy")], points: true },
  { id: "kl", title: "KL to the reference", keys: [k("optim/kl", "layer 1"), k("layer2/kl", "layer 2")] },
  { id: "entropy", title: "Entropy", keys: [k("optim/entropy", "layer 1"), k("layer2/entropy", "layer 2")] },
  {
    id: "clip",
    title: "Clip fraction",
    keys: [k("optim/clip_frac", "layer 1"), k("layer2/clip_frac", "layer 2")],
  },
  {
    id: "gradnorm",
    title: "Gradient norm",
    keys: [k("optim/grad_norm", "layer 1"), k("layer2/grad_norm", "layer 2")],
  },
  { id: "lr", title: "Learning rate", keys: [k("optim/lr", "lr")] },
  { id: "loss", title: "Loss", keys: [k("optim/loss", "layer 1"), k("layer2/loss", "layer 2")] },
  { id: "zerovar", title: "Zero-variance share", keys: [k("rollout/zero_variance_share", "groups")] },
  {
    id: "failedpos",
    title: "Failed-positive share",
    keys: [k("advantage/failed_positive_share", "failed positive")],
  },
  {
    id: "corpo",
    title: "r_count / r_loss",
    keys: [k("advantage/r_count", "r_count"), k("advantage/r_loss", "r_loss")],
  },
  {
    id: "corrections",
    title: "MGRPO corrections (per correction)",
    keys: [k("layer2/i2c_rate", "i→c"), k("layer2/c2i_rate", "c→i")],
  },
  {
    id: "critic",
    title: "PPO critic",
    keys: [k("ppo/value_loss", "value loss"), k("ppo/explained_variance", "explained variance")],
  },
  {
    id: "reflection",
    title: "Self-reflection words per sample",
    keys: [k("rollout/reflection_words", "words")],
  },
  {
    id: "length",
    title: "Completion tokens",
    keys: [k("rollout/completion_tokens_mean", "layer 1"), k("layer2/completion_tokens_mean", "layer 2")],
  },
  {
    id: "throughput",
    title: "Sampling tokens/s",
    keys: [k("time/sample_tokens_per_s", "layer 1"), k("time/layer2_sample_tokens_per_s", "layer 2")],
  },
];

const PANEL_KEYS = new Set(PANELS.flatMap((p) => p.keys.map((x) => x.key)));

/** Whether a key is drawn by one of PANELS (the others go under "Other metrics"). */
export function inPanel(key: string): boolean {
  return PANEL_KEYS.has(key);
}

/** Whether a key is in one of the known namespaces (rollout/, advantage/, …). */
export function isKnownMetric(key: string): boolean {
  const slash = key.indexOf("/");
  return slash > 0 && (KNOWN_NAMESPACES as readonly string[]).includes(key.slice(0, slash));
}
