// `rlvr serve` in a child process (the fault tests kill it, the bench measures across the process
// boundary), resolving to its URL once it listens.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../run/models.js";

export interface ChildServerOptions {
  /** 0: any free port. */
  port: number;
  threads: number;
  checkpointDir: string;
  /** Called with the process as soon as it is spawned (e.g. to kill it in a test's cleanup). */
  onSpawn?: (child: ChildProcess) => void;
}

export function startChildServer(o: ChildServerOptions): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      join(PACKAGE_ROOT, "src/cli/main.ts"),
      "serve",
      "--model",
      "default",
      "--port",
      String(o.port),
      "--checkpoint-dir",
      o.checkpointDir,
      "--threads",
      String(o.threads),
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  o.onSpawn?.(child);
  let out = "";
  let err = "";
  child.stderr!.on("data", (c) => {
    err += c;
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (c) => {
      out += c;
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve({ url: m[1], child });
    });
    child.on("exit", (code) => reject(new Error(`rlvr serve exited ${code}: ${err}`)));
  });
}
