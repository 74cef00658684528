// Verified checkpoints: every checkpoint directory ends with `manifest.json` (each file's size and
// sha256), written last, inside the directory's atomic write. A checkpoint is used only if every file
// is there with its size and hash: one with a byte overwritten, truncated or missing a file is refused
// with the reason, so a resume never trains from garbage.
import { createHash } from "node:crypto";
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { writeFileAtomic } from "../core/atomicFile.js";

export const MANIFEST_FILE = "manifest.json";
const HASH_CHUNK_BYTES = 16 << 20;

interface FileEntry {
  size: number;
  sha256: string;
}

interface Manifest {
  files: Record<string, FileEntry>;
}

function filesUnder(dir: string, root = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path, root) : [relative(root, path)];
  });
}

/** Size and sha256 of a file, read in chunks (checkpoint files may exceed what one read can hold). */
function entryOf(path: string): FileEntry {
  const hash = createHash("sha256");
  const chunk = Buffer.alloc(HASH_CHUNK_BYTES);
  const fd = openSync(path, "r");
  let size = 0;
  try {
    for (
      let n = readSync(fd, chunk, 0, chunk.length, size);
      n > 0;
      n = readSync(fd, chunk, 0, chunk.length, size)
    ) {
      hash.update(chunk.subarray(0, n));
      size += n;
    }
  } finally {
    closeSync(fd);
  }
  return { size, sha256: hash.digest("hex") };
}

/** Writes `dir`/manifest.json over every other file of `dir` (call it last). */
export function writeManifest(dir: string): void {
  const files: Record<string, FileEntry> = {};
  for (const f of filesUnder(dir).sort()) if (f !== MANIFEST_FILE) files[f] = entryOf(join(dir, f));
  writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify({ files } satisfies Manifest, null, 1)}\n`);
}

/**
 * Why the checkpoint in `dir` cannot be trusted, or null when every file matches its manifest. A
 * checkpoint written before manifests existed (none there) is accepted as it is.
 */
export function checkpointProblem(dir: string): string | null {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) return null;
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(path, "utf8")) as Manifest;
    if (typeof manifest.files !== "object" || manifest.files === null) throw new Error("no files");
  } catch (err) {
    return `${MANIFEST_FILE} is unreadable (${(err as Error).message})`;
  }
  for (const [name, want] of Object.entries(manifest.files)) {
    const file = join(dir, name);
    if (!existsSync(file)) return `${name} is missing`;
    const size = statSync(file).size;
    if (size !== want.size) return `${name} has ${size} bytes, the manifest says ${want.size}`;
    if (entryOf(file).sha256 !== want.sha256) return `${name} does not match its sha256 (corrupted)`;
  }
  return null;
}
