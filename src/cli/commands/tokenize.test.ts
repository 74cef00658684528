import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { cli } from "../testSupport.js";

const DIR = fileURLToPath(new URL("../../../test-data/tokenizers/", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "rlvr-tokenize-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const golden = JSON.parse(readFileSync(join(DIR, "golden_ids.json"), "utf8"));

test("rlvr tokenize gives transformers' ids and rendered texts for strings and conversations", async () => {
  for (const model of ["qwen2.5", "phi-3-mini"]) {
    const cases = [...golden[model], ...golden[`${model}:chat`]];
    const input = join(tmp, `${model}.jsonl`);
    writeFileSync(
      input,
      cases
        .map((c: { text: string; messages?: unknown; add_generation_prompt?: boolean }) =>
          JSON.stringify(
            c.messages
              ? { messages: c.messages, add_generation_prompt: c.add_generation_prompt }
              : { text: c.text },
          ),
        )
        .join("\n"),
    );
    const r = await cli("tokenize", "--tokenizer", join(DIR, model), "--jsonl", input);
    assert.equal(r.code, 0, r.err);
    const lines = r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => l.ids),
      cases.map((c: { ids: number[] }) => c.ids),
      model,
    );
    assert.deepEqual(
      lines.map((l) => l.text),
      cases.map((c: { text: string }) => c.text),
    );
  }
});

test("rlvr tokenize: a bad line names the file and line", async () => {
  const input = join(tmp, "bad.jsonl");
  writeFileSync(input, '{"text": "ok"}\n{"txt": 1}\n');
  const r = await cli("tokenize", "--tokenizer", join(DIR, "qwen2.5"), "--jsonl", input);
  assert.equal(r.code, 1);
  assert.match(r.err, new RegExp(`${input}:2: expected a field "text"`));
});
