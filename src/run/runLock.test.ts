import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { acquireRunLock, LOCK_FILE, RunLockedError } from "./runLock.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-lock-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

test("one holder at a time: a second acquire names the owner; release frees the directory", () => {
  const dir = join(tmp, "a", "run");
  const lock = acquireRunLock(dir);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")), lock.owner);
  assert.equal(lock.owner.pid, process.pid);
  assert.throws(
    () => acquireRunLock(dir),
    (err: Error) =>
      err instanceof RunLockedError && err.message.includes(`in use by pid ${process.pid} on ${hostname()}`),
  );
  lock.release();
  assert.ok(!existsSync(join(dir, LOCK_FILE)));
  acquireRunLock(dir).release();
});

test("a lock left by a process that no longer runs is taken over, with a message", () => {
  const dir = join(tmp, "stale");
  // The pid of a process that has exited.
  const dead = spawnSync(process.execPath, [
    "-e",
    "process.stdout.write(String(process.pid))",
  ]).stdout.toString();
  acquireRunLock(dir).release();
  writeFileSync(
    join(dir, LOCK_FILE),
    JSON.stringify({ pid: Number(dead), host: hostname(), started: "then" }),
  );
  const messages: string[] = [];
  const lock = acquireRunLock(dir, (m) => messages.push(m));
  assert.match(
    messages[0],
    new RegExp(`taking over the lock of pid ${dead} \\(started then\\), which no longer runs`),
  );
  lock.release();
  writeFileSync(join(dir, LOCK_FILE), "{torn");
  acquireRunLock(dir, (m) => messages.push(m)).release();
  assert.match(messages[1], /taking over an unreadable lock file/);
});

test("a lock held on another host is never taken over (its process cannot be checked)", () => {
  const dir = join(tmp, "remote");
  acquireRunLock(dir).release();
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: "elsewhere", started: "then" }));
  assert.throws(() => acquireRunLock(dir), /in use by pid 1 on elsewhere since then/);
});

test("a directory that cannot be created is an error naming it (not a hang: /proc refuses new directories)", () => {
  assert.throws(
    () => acquireRunLock("/proc/rlvr-no-such-dir/run"),
    /cannot create run directory \/proc\/rlvr-no-such-dir\/run/,
  );
});
