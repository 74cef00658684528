// Tasks by name, as the CLI and configs name them.
//
// | name           | reward  | problems                                              |
// | -------------- | ------- | ----------------------------------------------------- |
// | arith          | binary  | the default difficulty mix (DEFAULT_ARITH_MIX)        |
// | arith-ordinal  | ordinal | the same problems, partial credit (for CoRPO)         |
// | arith-easy     | binary  | level 1 only: 2 operations                            |
// | arith-hard     | binary  | levels 4–5: 3–4 operations, up to 3-digit numbers     |
import { createArithTask } from "./arith.js";
import type { Task } from "./types.js";

const FACTORIES: Record<string, () => Task> = {
  arith: () => createArithTask({ name: "arith", reward: "binary" }),
  "arith-ordinal": () => createArithTask({ name: "arith-ordinal", reward: "ordinal" }),
  "arith-easy": () => createArithTask({ name: "arith-easy", mix: [{ level: 1, weight: 1 }] }),
  "arith-hard": () =>
    createArithTask({
      name: "arith-hard",
      mix: [
        { level: 4, weight: 0.5 },
        { level: 5, weight: 0.5 },
      ],
    }),
};

export function taskNames(): string[] {
  return Object.keys(FACTORIES);
}

export function getTask(name: string): Task {
  const make = Object.hasOwn(FACTORIES, name) ? FACTORIES[name] : undefined;
  if (!make) throw new Error(`unknown task ${JSON.stringify(name)}; known tasks: ${taskNames().join(", ")}`);
  return make();
}
