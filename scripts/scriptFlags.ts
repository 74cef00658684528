// Shared by the compare scripts: numeric flags read with an error that names the flag, and the default
// output folder, a fresh timestamped one under runs/ so a new comparison never writes into an old one.

/** `num("steps")` → the flag's value as a finite number, else an error naming `--steps`. */
export function numberFlags<F extends Record<string, unknown>>(flags: F): (name: keyof F & string) => number {
  return (name) => {
    const v = Number(flags[name]);
    if (!Number.isFinite(v)) throw new Error(`--${name}: expected a number, got ${String(flags[name])}`);
    return v;
  };
}

/** runs/<prefix>-<UTC time to the second>. */
export function timestampedRunDir(prefix: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
  return `runs/${prefix}-${stamp}`;
}
