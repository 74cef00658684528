// A user's Hugging Face model on the shipped benchmarks, end to end through the CLI: a random
// Qwen2-architecture checkpoint with the real Qwen2.5 vocabulary (vocab.json + merges.txt) is evaluated
// on math500 and gsm8k and trained on gsm8k. Accuracy near 0 is expected of random weights; what is
// checked is that every stage runs and writes what it should.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parseConfig } from "../run/config.js";
import { readJsonl } from "../run/runDirectory.js";
import { openSamplingSession } from "../run/session.js";
import { renderCorrectionQuery } from "../tasks/correctionPrompt.js";
import { cli, qwenVocabModel } from "./testSupport.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-hf-model-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
let model = "";
before(async () => {
  model = await qwenVocabModel(tmp);
});

for (const task of ["math500", "gsm8k"]) {
  test(`eval --model DIR --task ${task} --n 3 --max-tokens 4 --json`, async () => {
    const r = await cli("eval", "--model", model, "--task", task, "--n", "3", "--max-tokens", "4", "--json");
    assert.equal(r.code, 0, r.err);
    const out = JSON.parse(r.out);
    assert.equal(out.n, 3);
    assert.equal(out.task, task);
    assert.ok(out.accuracy >= 0 && out.accuracy <= 1);
  });
}

test("train --task gsm8k --model DIR --steps 2 writes a complete run directory", async () => {
  const out = join(tmp, "run");
  const r = await cli(
    "train",
    "--task",
    "gsm8k",
    "--model",
    model,
    "--steps",
    "2",
    "--out",
    out,
    "--set",
    "batch.promptsPerStep=2",
    "--set",
    "batch.groupSize=2",
    "--set",
    "sampling.maxTokens=6",
  );
  assert.equal(r.code, 0, r.err);
  for (const f of ["config.json", "metrics.jsonl", "samples.jsonl", "timings.jsonl"])
    assert.ok(existsSync(join(out, f)), f);
  const metrics = readJsonl(join(out, "metrics.jsonl"));
  assert.deepEqual(
    metrics.map((m) => m.step),
    [1, 2],
  );
  assert.equal(metrics[0]["rollout/samples"], 4);
  const samples = readJsonl(join(out, "samples.jsonl"));
  // GSM8K's questions and integer gold answers; the random model's completions, decoded by the Qwen2.5 BPE
  assert.equal(samples.length > 0, true);
  assert.match(String(samples[0].problem_id), /^gsm8k-train:\d+$/);
  assert.match(String(samples[0].gold), /^-?\d+$/);
  assert.equal(typeof samples[0].completion, "string");
  const step2 = join(out, "checkpoints", "step-2");
  for (const f of ["config.json", "model.safetensors", "manifest.json"])
    assert.ok(existsSync(join(step2, f)), f);
  // the checkpoint is a complete model directory: the model's tokenizer files travel with it
  for (const f of ["vocab.json", "merges.txt", "tokenizer_config.json"])
    assert.ok(existsSync(join(step2, f)), f);
  const again = await cli(
    "eval",
    "--model",
    step2,
    "--task",
    "gsm8k",
    "--n",
    "1",
    "--max-tokens",
    "2",
    "--json",
  );
  assert.equal(again.code, 0, again.err);
});

test("task.prompt.template model: prompts and correction queries in the model's template, turns cut at its end-of-turn", async () => {
  const config = parseConfig(
    { model, task: { name: "gsm8k", prompt: { template: "model" } }, sampling: { maxTokens: 4 } },
    "test",
  );
  const session = await openSamplingSession(config);
  try {
    const chat = session.modelChat;
    assert.ok(chat, "the session carries the model's chat template");
    assert.deepEqual(chat.endOfTurn, ["<|im_end|>"]);
    const problem = session.task.problems("test", 1, 0)[0];
    assert.ok(session.renderPrompt(problem).startsWith("<|im_start|>system\nYou are Qwen"));
    const query = renderCorrectionQuery(problem.question, "It is 7.<|im_end|>junk", "Check it.", {
      rendering: "new-turn",
      model: chat,
    });
    assert.ok(
      query.endsWith(
        "<|im_start|>assistant\nIt is 7.<|im_end|>\n<|im_start|>user\nCheck it.<|im_end|>\n<|im_start|>assistant\n",
      ),
    );
  } finally {
    await session.close();
  }
});

test("train --task one-shot-rlvr: the paper's π1 on the local engine with a real vocabulary, MATH500 evaluated during training", async () => {
  const out = join(tmp, "one-shot");
  const r = await cli(
    "train",
    "--task",
    "one-shot-rlvr",
    "--prompt-preset",
    "one-shot-rlvr",
    "--model",
    model,
    "--steps",
    "2",
    "--out",
    out,
    "--set",
    "batch.promptsPerStep=2",
    "--set",
    "batch.groupSize=2",
    "--set",
    "sampling.maxTokens=4",
    "--set",
    "run.evalEvery=2",
    "--set",
    "run.evalProblems=2",
    "--set",
    "loss.entropyCoef=0.001",
  );
  assert.equal(r.code, 0, r.err);
  const lines = (f: string) => readJsonl(join(out, f));
  const metrics = lines("metrics.jsonl");
  assert.equal(typeof metrics[1]["eval/accuracy"], "number", "MATH500 accuracy at step 2");
  // π1 is the one training example: every prompt of both steps is it, and its history has both visits
  const samples = lines("samples.jsonl");
  assert.equal(new Set(samples.map((s) => s.question)).size, 1);
  assert.match(
    String(samples[0].question),
    /Let's think step by step and output the final answer within \\boxed\{\}\.$/,
  );
  const history = lines("examples.jsonl");
  assert.equal(new Set(history.map((h) => h.id)).size, 1);
});
