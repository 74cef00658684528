// The runs under a folder: every directory that holds metrics.jsonl, or a config.json with an "algo"
// (a run's, not a model's), found down to a few levels (the compare scripts nest OUT/seed-N/<method>/),
// without descending into a run or its checkpoints. Also the compare scripts' tables
// (compare-table.json) found on the way. A run's id is its path relative to the folder.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join, relative, sep } from "node:path";
import { CONFIG_FILE, METRICS_FILE } from "../run/runDirectory.js";

export const COMPARE_TABLE_FILE = "compare-table.json";

export interface FoundRun {
  id: string;
  dir: string;
}

export interface RunsFound {
  runs: FoundRun[];
  /** Paths of compare-table.json files. */
  tables: string[];
}

/** Whether `dir` is a run directory (metrics.jsonl, or a config.json naming an algorithm). */
export function isRunDir(dir: string): boolean {
  if (existsSync(join(dir, METRICS_FILE))) return true;
  try {
    const c = JSON.parse(readFileSync(join(dir, CONFIG_FILE), "utf8")) as { algo?: unknown };
    return typeof c.algo === "string";
  } catch {
    return false;
  }
}

const SKIP = new Set(["checkpoints", "eval", "node_modules", "models"]);

/** The runs and compare tables under `root` (itself a run, or a folder of them), sorted by id. */
export function findRuns(root: string, maxDepth = 4): RunsFound {
  const runs: FoundRun[] = [];
  const tables: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (isRunDir(dir)) {
      const rel = relative(root, dir).split(sep).join("/");
      runs.push({ id: rel === "" ? basename(dir) : rel, dir });
      return;
    }
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isFile() && e.name === COMPARE_TABLE_FILE) tables.push(join(dir, e.name));
      else if (e.isDirectory() && depth < maxDepth && !e.name.startsWith(".") && !SKIP.has(e.name))
        walk(join(dir, e.name), depth + 1);
    }
  };
  walk(root, 0);
  runs.sort((a, b) => a.id.localeCompare(b.id));
  tables.sort();
  return { runs, tables };
}
