// Where models come from: "default" is the shipped warm start (models/arith-warm-start in the
// package), anything else a directory in Hugging Face layout (config.json, model.safetensors or its shard index,
// tokenizer.json or vocab.json + merges.txt), or a Hugging Face Hub id (run/hubModels.ts).
import { existsSync } from "node:fs";
import { basename, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type HubOptions, hubModelDir, parseHubId } from "./hubModels.js";

/** src/run/models.ts and dist/run/models.js are both two levels below the package root. */
export const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export const DEFAULT_MODEL_DIR = resolve(PACKAGE_ROOT, "models", "arith-warm-start");

/** The files a model directory needs, each as alternatives (any one of them will do). */
const MODEL_FILES: readonly (readonly string[])[] = [
  ["config.json"],
  ["model.safetensors", "model.safetensors.index.json"],
  ["tokenizer.json", "vocab.json"],
];

export function resolveModelDir(model: string): string {
  const dir = model === "default" ? DEFAULT_MODEL_DIR : resolve(model);
  for (const files of MODEL_FILES) {
    if (!files.some((f) => existsSync(resolve(dir, f)))) {
      const f = files.join(" or ");
      throw new Error(
        model === "default"
          ? `the shipped warm start is missing ${f} in ${dir} (rebuild it with: npx rlvr sft --out ${dir})`
          : `model ${dir}: ${f} not found (expected a Hugging Face layout directory)`,
      );
    }
  }
  return dir;
}

/**
 * The model directory of a config's `model`: "default", a local directory, or, when no such path exists, a
 * Hub id (`org/name[@revision]`) found in or downloaded into the Hugging Face cache.
 */
export async function locateModel(model: string, hub: HubOptions = {}): Promise<string> {
  if (model !== "default" && !existsSync(resolve(model)) && parseHubId(model))
    return resolveModelDir(await hubModelDir(model, hub));
  return resolveModelDir(model);
}

/**
 * `model` with a Hub id's branch or tag replaced by the commit it resolves to now (`org/name@<commit>`), so
 * that a run directory names the exact weights it started from; anything else unchanged.
 */
export async function pinModel(model: string, hub: HubOptions = {}): Promise<string> {
  const id = model !== "default" && !existsSync(resolve(model)) ? parseHubId(model) : null;
  if (!id || COMMIT.test(id.revision)) return model;
  return `${id.repo}@${basename(await hubModelDir(model, hub))}`;
}

const COMMIT = /^[0-9a-f]{40}$/;
