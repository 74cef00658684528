// Checks of task.options shared by the tasks' factories: each error names the field.

export type TaskOptions = Readonly<Record<string, unknown>>;

/** Throws unless `options` has only the `allowed` keys. */
export function checkOptionKeys(task: string, options: TaskOptions, allowed: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      const known = allowed.length > 0 ? `known: ${allowed.join(", ")}` : "it takes none";
      throw new Error(`task.options.${key}: unknown option of task ${task} (${known})`);
    }
  }
}

/** task.options.formatWeight of a math-verifier task: absent, or a number >= 0. */
export function formatWeightOption(options: TaskOptions): { formatWeight?: number } {
  const w = options.formatWeight;
  if (w === undefined) return {};
  if (typeof w !== "number" || !(w >= 0))
    throw new Error("task.options.formatWeight: expected a number >= 0");
  return { formatWeight: w };
}
