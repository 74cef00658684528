/**
 * Finds and starts a module next to the calling one, whichever way the code runs: from compiled
 * `dist/` (the sibling is `name.js`) or from sources under tsx (the sibling is `name.ts`).
 *
 * Node 20 does not apply tsx's loader hooks inside worker threads (a `.ts` worker fails with
 * "Unknown file extension"), so a `.ts` worker is started through a tiny evaluated bootstrap that
 * imports it with tsx's programmatic API.
 */

import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker, type WorkerOptions } from "node:worker_threads";

export function siblingModuleUrl(callerUrl: string, baseName: string): URL {
  for (const ext of [".js", ".ts", ".mjs"]) {
    const url = new URL(`./${baseName}${ext}`, callerUrl);
    if (existsSync(fileURLToPath(url))) return url;
  }
  throw new Error(`module ${baseName} not found next to ${callerUrl}`);
}

export function startSiblingWorker(callerUrl: string, baseName: string, options: WorkerOptions = {}): Worker {
  const url = siblingModuleUrl(callerUrl, baseName);
  if (!url.pathname.endsWith(".ts")) return new Worker(url, options);
  const tsxApi = import.meta.resolve("tsx/esm/api");
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((api) => api.tsImport(${JSON.stringify(url.href)}, ${JSON.stringify(callerUrl)}));`;
  return new Worker(bootstrap, { ...options, eval: true });
}
