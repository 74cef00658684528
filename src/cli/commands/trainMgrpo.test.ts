// Integration: a couple of MGRPO steps on a tiny random model through the CLI; metrics.jsonl carries the
// MGRPO fields every step, in both orders and both renderings.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { cli, tinyModel as writeTinyModel } from "../testSupport.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-mgrpo-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const tinyModel = () => writeTinyModel(tmp);

const SMALL = [
  "--set",
  "batch.promptsPerStep=2",
  "--set",
  "batch.groupSize=2",
  "--set",
  "sampling.maxTokens=10",
  "--set",
  "mgrpo.layer2Group=2",
  "--set",
  "run.samplesPerStep=2",
];

const MGRPO_FIELDS = [
  "rollout/accuracy",
  "layer2/accuracy",
  "layer2/corrections",
  "layer2/confirmations",
  "layer2/failures",
  "layer2/discarded_groups",
  "layer2/i2c_rate",
  "layer2/c2i_rate",
  "rollout/sampled_tokens",
  "layer2/sampled_tokens",
  "optim/kl",
  "optim/loss",
];

let model: string;

for (const [order, rendering] of [
  ["sequential", "continue-think"],
  ["combined", "new-turn"],
] as const) {
  test(`train --algo mgrpo (${order}, ${rendering}): metrics.jsonl has the MGRPO fields`, async () => {
    model ??= await tinyModel();
    const out = join(tmp, `${order}-${rendering}`);
    const r = await cli(
      "train",
      "--algo",
      "mgrpo",
      "--model",
      model,
      "--steps",
      "2",
      "--seed",
      "4",
      "--out",
      out,
      "--set",
      `mgrpo.order=${order}`,
      "--set",
      `mgrpo.rendering=${rendering}`,
      ...SMALL,
    );
    assert.equal(r.code, 0, r.err);
    const lines = readFileSync(join(out, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => l.step),
      [1, 2],
    );
    for (const l of lines) {
      for (const k of MGRPO_FIELDS) assert.ok(k in l, `metrics.jsonl lacks ${k}`);
      // 2 prompts × G = 2 attempts × H = 2 corrections
      assert.equal(l["layer2/samples"], 8);
      assert.equal(l["layer2/corrections"] + l["layer2/confirmations"] + l["layer2/failures"], 8);
      assert.equal(l["layer2/kept_groups"] + l["layer2/discarded_groups"], 4);
      assert.ok(!("time/layer2_sample_s" in l), "wall-clock metrics go to timings.jsonl");
    }
    // samples.jsonl: per step, samplesPerStep = 2 layer-1 records, then 2 layer-2 records with their attempt
    const samples = readFileSync(join(out, "samples.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      samples.map((r) => [r.step, r.layer ?? 1]),
      [
        [1, 1],
        [1, 1],
        [1, 2],
        [1, 2],
        [2, 1],
        [2, 1],
        [2, 2],
        [2, 2],
      ],
    );
    for (const r of samples.filter((x) => x.layer === 2)) {
      assert.equal(typeof r.attempt, "string");
      assert.equal(typeof r.guide_phrase, "string");
      assert.ok(
        [
          "successful-correction",
          "successful-confirmation",
          "failed-correction",
          "failed-confirmation",
        ].includes(r.outcome),
        `outcome ${r.outcome}`,
      );
    }
  });
}

test("eval --two-turn --json on the MGRPO run: the paper's metrics, Δ = Δi→c − Δc→i, settings recorded", async () => {
  model ??= await tinyModel();
  const out = join(tmp, "sequential-continue-think");
  for (const guide of ["preset", "intrinsic"]) {
    const r = await cli(
      "eval",
      "--checkpoint",
      out,
      "--two-turn",
      "--guide",
      guide,
      "--n",
      "3",
      "--samples",
      "2",
      "--max-tokens",
      "10",
      "--temperature",
      "1",
      "--json",
    );
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    for (const k of ["n", "acc_t1", "acc_t2", "delta", "delta_i2c", "delta_c2i"]) {
      assert.equal(typeof j[k], "number", `${k} missing`);
      if (k !== "n" && k !== "delta") assert.ok(j[k] >= 0 && j[k] <= 1, `${k} = ${j[k]} outside [0, 1]`);
    }
    assert.equal(j.n, 3);
    assert.ok(Math.abs(j.delta - (j.delta_i2c - j.delta_c2i)) < 1e-12);
    assert.equal(j.samples_per_problem, 2);
    assert.equal(j.guide, guide);
    assert.equal(j.rendering, guide === "intrinsic" ? "new-turn" : "continue-think");
    assert.equal(
      Object.values(j.guide_phrases as Record<string, number>).reduce((s, c) => s + c, 0),
      6,
    );
  }
});
