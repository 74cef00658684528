// Reads a tokenizer's JSON file (tokenizer.json, tokenizer_config.json): a JSON object, or an error
// that names the file.
import { readFileSync } from "node:fs";

export function readJsonObject(file: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new Error(`${file}: expected a JSON object`);
  }
  return json as Record<string, unknown>;
}
