// Atomic writes: write to a temporary name in the same directory, fsync, rename, fsync the
// directory. A reader (or a resumed run) sees the old file or the new one, never half of one.
import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Some file systems do not allow fsync on a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * `mkdir -p`, one level at a time. Node's own recursive mkdirSync never returns for a path under a
 * file system that refuses new directories with ENOENT (e.g. /proc/foo); this one throws that error.
 */
export function makeDirectory(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) makeDirectory(parent);
  try {
    mkdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  writeFileAtomicWith(path, (fd) => {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
  });
}

/**
 * Atomic write of a file produced piece by piece: `write` writes through the file descriptor of a
 * temporary file beside `path` (so no single buffer need hold the whole file), which is then fsynced
 * and renamed onto `path`. On an error the temporary file is removed and `path` is untouched.
 */
export function writeFileAtomicWith(path: string, write: (fd: number) => void): void {
  const dir = dirname(path);
  makeDirectory(dir);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  const fd = openSync(tmp, "w");
  try {
    write(fd);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
  fsyncDir(dir);
}

/**
 * Writes a whole directory atomically: `fill` writes into a fresh temporary directory beside
 * `path`, which is then renamed onto `path`. An existing `path` is replaced only after the new
 * one is complete (it is moved aside first and removed after the rename).
 */
export async function writeDirAtomic(
  path: string,
  fill: (tmpDir: string) => Promise<void> | void,
): Promise<void> {
  const parent = dirname(path);
  makeDirectory(parent);
  const tmp = join(parent, `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  mkdirSync(tmp);
  try {
    await fill(tmp);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  fsyncDir(tmp);
  const old = join(parent, `.${basename(path)}.${randomBytes(6).toString("hex")}.old`);
  let movedOld = false;
  try {
    renameSync(path, old);
    movedOld = true;
  } catch {
    // no previous directory
  }
  renameSync(tmp, path);
  fsyncDir(parent);
  if (movedOld) rmSync(old, { recursive: true, force: true });
}
