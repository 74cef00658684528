import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ConfigError, defaultConfig, loadConfigFile, mergeConfig, parseConfig } from "./config.js";

function errorOf(f: () => unknown): ConfigError {
  try {
    f();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected a ConfigError");
}

test("an empty config resolves every default", () => {
  const c = defaultConfig();
  assert.equal(c.algo, "grpo");
  assert.equal(c.task.name, "arith");
  assert.equal(c.model, "default");
  assert.equal(c.batch.groupSize, 8);
  assert.equal(c.loss.clipLow, 0.2);
  assert.equal(c.loss.clipHigh, 0.2);
  assert.equal(c.loss.kl.coef, 0.001);
  assert.equal(c.loss.kl.estimator, "k3");
  assert.equal(c.loss.kl.mode, "in-loss");
  assert.equal(c.loss.aggregation, "seq-mean-token-mean");
  assert.equal(c.advantage.scale, "group");
  assert.equal(c.deadZone.difficultyFilter.enabled, false);
  assert.equal(c.mgrpo.guidePhrases, "preset");
  assert.equal(c.optim.schedule, "cosine");
  assert.equal(c.run.out, "runs/grpo-arith-seed0");
  assert.ok(!("versions" in c));
});

test("values given are kept and nested defaults still fill in", () => {
  const c = parseConfig({ loss: { kl: { coef: 0 } }, seed: 7, algo: "mgrpo" }, "x.json");
  assert.equal(c.loss.kl.coef, 0);
  assert.equal(c.loss.kl.estimator, "k3");
  assert.equal(c.loss.policy, "ppo");
  assert.equal(c.run.out, "runs/mgrpo-arith-seed7");
});

test("advantage.scale defaults by estimator and can be set", () => {
  assert.equal(parseConfig({ advantage: { estimator: "corpo" } }, "c").advantage.scale, "none");
  assert.equal(parseConfig({ advantage: { estimator: "mean" } }, "c").advantage.scale, "none");
  assert.equal(
    parseConfig({ advantage: { estimator: "grpo", scale: "batch" } }, "c").advantage.scale,
    "batch",
  );
});

test("a wrong type names the source and the field path", () => {
  const e = errorOf(() => parseConfig({ loss: { kl: { coef: "x" } } }, "config.json"));
  assert.equal(e.message, 'config.json: loss.kl.coef: expected number, got "x"');
  assert.deepEqual(e.issues, [{ path: "loss.kl.coef", message: 'expected number, got "x"' }]);
});

test("an unknown field is rejected at any depth, with a suggestion when close", () => {
  assert.equal(
    errorOf(() => parseConfig({ optim: { lrr: 1 } }, "config.json")).message,
    'config.json: optim.lrr: unknown field (did you mean "lr"?)',
  );
  assert.equal(errorOf(() => parseConfig({ bogus: 1 }, "c.json")).message, "c.json: bogus: unknown field");
  assert.match(
    errorOf(() => parseConfig({ deadZone: { difficultyFilter: { windw: 2 } } }, "c")).message,
    /^c: deadZone\.difficultyFilter\.windw: unknown field/,
  );
});

test("enum, range, integer and cross-field errors are explained", () => {
  assert.match(
    errorOf(() => parseConfig({ algo: "foo" }, "c")).message,
    /^c: algo: expected one of "grpo".*got "foo"$/,
  );
  assert.equal(errorOf(() => parseConfig({ seed: -1 }, "c")).message, "c: seed: must be >= 0, got -1");
  assert.equal(
    errorOf(() => parseConfig({ steps: 1.5 }, "c")).message,
    "c: steps: expected an integer, got 1.5",
  );
  assert.equal(
    errorOf(() => parseConfig({ deadZone: { difficultyFilter: { lo: 0.8, hi: 0.2 } } }, "c")).message,
    "c: deadZone.difficultyFilter.lo: must be below hi (0.2), got 0.8",
  );
  assert.match(
    errorOf(() => parseConfig({ mgrpo: { guidePhrases: [] } }, "c")).message,
    /mgrpo\.guidePhrases/,
  );
  assert.equal(errorOf(() => parseConfig([], "c")).message, "c: expected a JSON object, got an array");
});

test("every issue is reported, one line each", () => {
  const e = errorOf(() => parseConfig({ seed: "a", batch: { groupSize: 0 }, zz: 1 }, "c"));
  assert.equal(e.issues.length, 3);
  assert.equal(e.message.split("\n").length, 3);
});

test("custom guide phrases are accepted", () => {
  const c = parseConfig({ mgrpo: { guidePhrases: ["Check again."] } }, "c");
  assert.deepEqual(c.mgrpo.guidePhrases, ["Check again."]);
});

test("a run directory's config.json (with versions) loads, and the versions are dropped", () => {
  const c = parseConfig({ ...defaultConfig(), versions: { rlvr: "0.1.0", node: "v20" } }, "c");
  assert.deepEqual(c, defaultConfig());
});

test("a resolved config parses to itself", () => {
  const c = parseConfig({ algo: "mgrpo", advantage: { estimator: "rloo" } }, "c");
  assert.deepEqual(parseConfig(JSON.parse(JSON.stringify(c)), "c"), c);
});

test("mergeConfig: objects merge deeply, scalars and arrays are replaced, undefined keeps the base", () => {
  const base = { loss: { kl: { coef: 0.5 }, clipLow: 0.1 }, mgrpo: { guidePhrases: ["a", "b"] }, seed: 3 };
  const merged = mergeConfig(base, {
    loss: { kl: { estimator: "k1" } },
    mgrpo: { guidePhrases: ["c"] },
    seed: undefined,
  });
  assert.deepEqual(merged, {
    loss: { kl: { coef: 0.5, estimator: "k1" }, clipLow: 0.1 },
    mgrpo: { guidePhrases: ["c"] },
    seed: 3,
  });
  assert.deepEqual(base.loss.kl, { coef: 0.5 }, "base is not mutated");
});

test("derived defaults follow overrides merged into a raw config", () => {
  const c = parseConfig(mergeConfig({ algo: "grpo" }, { seed: 5, task: { name: "other" } }), "c");
  assert.equal(c.run.out, "runs/grpo-other-seed5");
});

test("loadConfigFile: syntax errors carry file:line:column; schema errors the file and field", () => {
  const dir = mkdtempSync(join(tmpdir(), "rlvr-config-"));
  try {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, '{\n  "seed": 1,\n  "steps": }\n');
    const e = errorOf(() => loadConfigFile(bad));
    assert.equal(e.message, `${bad}:3:12: invalid JSON: unexpected "}"`);

    const dup = join(dir, "dup.json");
    writeFileSync(dup, '{"optim": {"lr": 1, "lr": 2}}');
    assert.equal(errorOf(() => loadConfigFile(dup)).message, `${dup}:1:21: invalid JSON: duplicate key "lr"`);

    const wrong = join(dir, "wrong.json");
    writeFileSync(wrong, '{"optim": {"lrr": 1}}');
    assert.match(
      errorOf(() => loadConfigFile(wrong)).message,
      new RegExp(`^${wrong}: optim\\.lrr: unknown field`),
    );

    const good = join(dir, "good.json");
    writeFileSync(good, '{"steps": 40, "seed": 1}');
    assert.equal(loadConfigFile(good).steps, 40);

    assert.match(
      errorOf(() => loadConfigFile(join(dir, "missing.json"))).message,
      /missing\.json: cannot read config: no such file/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a config that is not an object (null, a list, a number) is refused, not read as empty", () => {
  for (const [input, shown] of [
    [null, "null"],
    [[], "an array"],
    [3, "3"],
  ] as const)
    assert.throws(
      () => parseConfig(input, "f.json"),
      new RegExp(`f\\.json: expected a JSON object, got ${shown}`),
    );
});

test("a group of one is refused where the baseline is the group's own rewards (it would train nothing)", () => {
  assert.throws(
    () => parseConfig({ batch: { groupSize: 1 } }, "c"),
    /c: batch\.groupSize: must be >= 2 \(with grpo advantages a group of one has zero variance and trains nothing\), got 1/,
  );
  assert.throws(
    () => parseConfig({ algo: "mgrpo", mgrpo: { layer2Group: 1 } }, "c"),
    /c: mgrpo\.layer2Group: must be >= 2/,
  );
  // static and CoRPO baselines do not need the group; STaR trains on right revisions.
  assert.equal(
    parseConfig({ batch: { groupSize: 1 }, advantage: { estimator: "corpo" } }, "c").batch.groupSize,
    1,
  );
  assert.equal(parseConfig({ algo: "star", batch: { groupSize: 1 } }, "c").batch.groupSize, 1);
});

test("lora: rank, alpha, dropout and target modules are checked", () => {
  assert.equal(parseConfig({ lora: {} }, "t").lora?.rank, 32);
  assert.equal(parseConfig({ lora: {} }, "t").lora?.dropout, 0);
  assert.equal(parseConfig({ lora: { dropout: 0.05 } }, "t").lora?.dropout, 0.05);
  assert.throws(() => parseConfig({ lora: { dropout: 1 } }, "t"), /t: lora\.dropout: must be < 1/);
  assert.throws(() => parseConfig({ lora: { dropout: -0.1 } }, "t"), /t: lora\.dropout: must be >= 0/);
  assert.throws(
    () => parseConfig({ lora: { targetModules: ["lm_head"] } }, "t"),
    /lora\.targetModules\[0\]: expected one of "q_proj"/,
  );
  assert.throws(() => parseConfig({ lora: { alpha: 0 } }, "t"), /lora\.alpha: must be > 0/);
});
