import assert from "node:assert/strict";
import { test } from "node:test";
import { inPanel, isKnownMetric, PANELS } from "./metricCatalog.js";

test("metricCatalog: the issue's curves are panels; ids and keys are unique", () => {
  const ids = PANELS.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length);
  const keys = PANELS.flatMap((p) => p.keys.map((k) => k.key));
  assert.equal(new Set(keys).size, keys.length);
  for (const key of [
    "rollout/reward_mean",
    "rollout/accuracy",
    "layer2/accuracy",
    "eval/accuracy",
    "optim/kl",
    "optim/entropy",
    "optim/clip_frac",
    "optim/grad_norm",
    "optim/lr",
    "rollout/zero_variance_share",
    "advantage/failed_positive_share",
    "advantage/r_count",
    "advantage/r_loss",
    "time/sample_tokens_per_s",
  ])
    assert.ok(inPanel(key), key);
  assert.equal(inPanel("layer2/kept_groups"), false);
});

test("isKnownMetric: the namespaces of core/metrics.ts", () => {
  assert.equal(isKnownMetric("layer2/kept_groups"), true);
  assert.equal(isKnownMetric("time/update_s"), true);
  assert.equal(isKnownMetric("reward"), false);
  assert.equal(isKnownMetric("custom/thing"), false);
});
