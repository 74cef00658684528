// Shared by the scripts: a recipe's config with the script's overrides, numeric flags read with an error
// that names the flag, and the default output folder, a fresh timestamped one under runs/ so a new
// comparison never writes into an old one.
import { resolve } from "node:path";
import { flagsToOverrides } from "../src/cli/trainOptions.js";
import {
  type Config,
  type ConfigInput,
  mergeConfig,
  parseConfig,
  readConfigInput,
} from "../src/run/config.js";
import { PACKAGE_ROOT } from "../src/run/models.js";

/** recipes/<name> in the package. */
export function recipePath(name: string): string {
  return resolve(PACKAGE_ROOT, "recipes", name);
}

/**
 * The config a script trains: the recipe (or --config FILE instead), then --set assignments, then the
 * script's own overrides (its named flags and what the script varies), validated as `rlvr train` does.
 */
export function recipeConfig(
  recipe: string,
  flags: { config?: string; set?: string[] },
  overrides: ConfigInput,
  source: string,
): Config {
  const file = flags.config ?? recipePath(recipe);
  const base = readConfigInput(file);
  parseConfig(base, file);
  return parseConfig(mergeConfig(mergeConfig(base, flagsToOverrides({ set: flags.set })), overrides), source);
}

/** `num("steps")` → the flag's value as a finite number, else an error naming `--steps`. */
export function numberFlags<F extends Record<string, unknown>>(flags: F): (name: keyof F & string) => number {
  return (name) => {
    const v = Number(flags[name]);
    if (!Number.isFinite(v)) throw new Error(`--${name}: expected a number, got ${String(flags[name])}`);
    return v;
  };
}

/** The numeric flags that were given, as numbers (undefined for those left out, so the recipe's value holds). */
export function optionalNumbers<F extends Record<string, unknown>>(
  flags: F,
): (name: keyof F & string) => number | undefined {
  const num = numberFlags(flags);
  return (name) => (flags[name] === undefined ? undefined : num(name));
}

/** runs/<prefix>-<UTC time to the second>. */
export function timestampedRunDir(prefix: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
  return `runs/${prefix}-${stamp}`;
}
