// One writer per run directory: `lock.json` in the directory, created exclusively (O_EXCL), holding the
// owner's pid, host and start time. A second writer fails at once with a message naming the owner; a lock
// left by a process that no longer runs (same host, pid gone) is taken over with a message.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { makeDirectory } from "../core/atomicFile.js";

export const LOCK_FILE = "lock.json";

export interface LockOwner {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  started: string;
}

/** The directory is held by another live process; the message says by whom and what to do. */
export class RunLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly owner: LockOwner,
  ) {
    super(
      `${dir} is in use by pid ${owner.pid} on ${owner.host} since ${owner.started}; wait for that run to ` +
        `finish, or stop it (kill -TERM ${owner.pid}: it writes a checkpoint and exits), then resume`,
    );
    this.name = "RunLockedError";
  }
}

/** Whether a process with this pid runs on this machine (EPERM: it runs, under another user). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readOwner(path: string): LockOwner | null {
  try {
    const o = JSON.parse(readFileSync(path, "utf8")) as Partial<LockOwner>;
    if (typeof o.pid === "number" && typeof o.host === "string" && typeof o.started === "string")
      return o as LockOwner;
  } catch {
    // unreadable or torn (a kill between create and write): treated as stale below
  }
  return null;
}

export interface RunLock {
  readonly owner: LockOwner;
  /** Removes the lock if it is still ours. */
  release(): void;
}

/**
 * Takes the lock of `dir` (created if needed). Throws RunLockedError when a live process holds it;
 * takes over a stale one, telling `log` whose it was.
 */
export function acquireRunLock(dir: string, log: (message: string) => void = () => {}): RunLock {
  try {
    makeDirectory(dir);
  } catch (err) {
    throw new Error(`cannot create run directory ${dir}: ${(err as Error).message}`);
  }
  const path = join(dir, LOCK_FILE);
  const owner: LockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, "wx");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const held = readOwner(path);
      if (held && (held.host !== owner.host || isAlive(held.pid))) throw new RunLockedError(dir, held);
      log(
        held
          ? `${dir}: taking over the lock of pid ${held.pid} (started ${held.started}), which no longer runs`
          : `${dir}: taking over an unreadable lock file`,
      );
      rmSync(path, { force: true });
      continue;
    }
    writeSync(fd, `${JSON.stringify(owner)}\n`);
    closeSync(fd);
    return {
      owner,
      release: () => {
        const now = readOwner(path);
        if (now && now.pid === owner.pid && now.started === owner.started) rmSync(path, { force: true });
      },
    };
  }
  throw new RunLockedError(dir, readOwner(path) ?? owner);
}
