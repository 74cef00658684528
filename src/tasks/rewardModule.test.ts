import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { loadTask } from "./registry.js";
import { withReward } from "./rewardModule.js";
import type { Task } from "./types.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-reward-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const base: Task = {
  name: "t",
  problems: () => [{ id: "a", question: "q", gold: "7" }],
  score: () => ({ reward: 0, correct: false, reason: "base" }),
};
const p = { id: "a", question: "q", gold: "7" };

test("a reward function replaces the scorer: a number (correct from 1 up) or its own verdict, sync or async", async () => {
  const seen: unknown[] = [];
  const byNumber = withReward(base, (completion, example) => {
    seen.push([completion, example.gold, example.truncated]);
    return completion.length / 4;
  });
  assert.deepEqual(await byNumber.score(p, "four", { truncated: true }), {
    reward: 1,
    correct: true,
    reason: "reward 1",
  });
  assert.deepEqual(await byNumber.score(p, "tw", { truncated: false }), {
    reward: 0.5,
    correct: false,
    reason: "reward 0.5",
  });
  assert.deepEqual(seen[0], ["four", "7", true]);
  const byObject = withReward(base, async () => ({ reward: 0.2, correct: true, reason: "close" }));
  assert.deepEqual(await byObject.score(p, "x", { truncated: false }), {
    reward: 0.2,
    correct: true,
    reason: "close",
  });
  const broken = withReward(base, () => Number.NaN, "my.mjs");
  await assert.rejects(
    Promise.resolve(broken.score(p, "x", { truncated: false })),
    /my\.mjs: score\(\) must return a finite number/,
  );
});

test("reward.module: a module's score export; a module without one, or one that fails to load, is named", async () => {
  const good = join(tmp, "good.mjs");
  writeFileSync(good, "export function score(c, e) { return c === e.gold ? 1 : 0; }\n");
  const task = await loadTask({ name: "arith" }, { reward: good });
  const [q] = task.problems("test", 1);
  assert.equal((await task.score(q, q.gold, { truncated: false })).reward, 1);
  const none = join(tmp, "none.mjs");
  writeFileSync(none, "export const x = 1;\n");
  await assert.rejects(
    loadTask({ name: "arith" }, { reward: none }),
    /reward\.module .*none\.mjs: the module must export a function score/,
  );
  await assert.rejects(
    loadTask({ name: "arith" }, { reward: join(tmp, "missing.mjs") }),
    /reward\.module .*missing\.mjs: cannot load it/,
  );
});
