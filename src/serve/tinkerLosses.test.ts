import assert from "node:assert/strict";
import { test } from "node:test";
import type { WireDatum } from "../engine/tinker/wire.js";
import { packDatums } from "../engine/local/prefixPacking.js";
import { engineDatums, lossSpecOf } from "./tinkerLosses.js";

const f32 = (data: number[]) => ({ dtype: "float32" as const, data });
const i64 = (data: number[]) => ({ dtype: "int64" as const, data });

/** A group's two samples of one 3-token prompt (advantage 0 on the prompt, as the client folds its weights). */
const group: WireDatum[] = [
  [5, 6, 7, 8, 9],
  [5, 6, 7, 4, 2],
].map((tokens, k) => ({
  modelInput: tokens.slice(0, -1),
  lossFnInputs: {
    target_tokens: i64(tokens.slice(1)),
    logprobs: f32([0, 0, -1.5, -0.7]),
    advantages: f32([0, 0, k === 0 ? 0.5 : -0.5, k === 0 ? 0.5 : -0.5]),
  },
}));

test("RL datums without weights: weight 1 where the advantage is not 0, so a group packs on its prompt", () => {
  const datums = engineDatums(group, lossSpecOf("ppo", {}));
  assert.deepEqual(
    datums.map((d) => d.weights),
    [
      [0, 0, 1, 1],
      [0, 0, 1, 1],
    ],
  );
  assert.equal(packDatums(datums, 1024).length, 1, "one row: the shared prompt once");
  // given weights are kept; cross_entropy's default is 1 on every token
  const weighted = group.map((d) => ({
    ...d,
    lossFnInputs: { ...d.lossFnInputs, weights: f32([1, 1, 1, 1]) },
  }));
  assert.deepEqual(engineDatums(weighted, lossSpecOf("ppo", {}))[0].weights, [1, 1, 1, 1]);
  const ce = group.map((d) => ({ ...d, lossFnInputs: { target_tokens: d.lossFnInputs.target_tokens } }));
  assert.deepEqual(engineDatums(ce, lossSpecOf("cross_entropy", {}))[1].weights, [1, 1, 1, 1]);
});
