// The chosen-examples file of `rlvr train --examples FILE` (task.examples): what `rlvr select-examples
// --json` prints, {"examples": [{"id", "prompt", "answer", "score"?}, …]}. Its examples become the
// training pool, repeated to fill every batch (1-shot RLVR, 003).
import { readFileSync } from "node:fs";
import { z } from "zod";
import type { Problem } from "../tasks/types.js";
import { JsonSyntaxError, parseJsonText } from "./jsonText.js";

const examplesFileSchema = z.object({
  examples: z
    .array(
      z.object({
        id: z.string().min(1),
        prompt: z.string().min(1),
        answer: z.string().min(1),
        score: z.number().optional(),
      }),
    )
    .min(1),
});

/** The examples of `path` as problems; the error names the file and the bad field. */
export function readExamplesFile(path: string): Problem[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`task.examples: cannot read ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = parseJsonText(text, path);
  } catch (err) {
    if (err instanceof JsonSyntaxError) throw new Error(err.message);
    throw err;
  }
  const parsed = examplesFileSchema.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    const where = i.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
    throw new Error(`${path}: ${where.replace(/^\./, "") || "file"}: ${i.message}`);
  }
  const ids = new Set<string>();
  for (const [k, e] of parsed.data.examples.entries()) {
    if (ids.has(e.id)) throw new Error(`${path}: examples[${k}].id: "${e.id}" appears twice`);
    ids.add(e.id);
  }
  return parsed.data.examples.map((e) => ({ id: e.id, question: e.prompt, gold: e.answer }));
}
