import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { checkpointProblem, MANIFEST_FILE, writeManifest } from "./checkpointManifest.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-manifest-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

function checkpoint(name: string): string {
  const dir = join(tmp, name);
  mkdirSync(join(dir, "sub"), { recursive: true });
  writeFileSync(join(dir, "model.safetensors"), Buffer.alloc(1000, 7));
  writeFileSync(join(dir, "sub", "state.json"), "{}");
  writeManifest(dir);
  return dir;
}

test("a checkpoint verifies against its manifest; the manifest lists every file with size and sha256", () => {
  const dir = checkpoint("ok");
  assert.equal(checkpointProblem(dir), null);
  const manifest = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), "utf8"));
  assert.deepEqual(Object.keys(manifest.files), ["model.safetensors", "sub/state.json"]);
  assert.equal(manifest.files["model.safetensors"].size, 1000);
  assert.match(manifest.files["model.safetensors"].sha256, /^[0-9a-f]{64}$/);
});

test("an overwritten byte, a truncated file, a missing file or a torn manifest is named", () => {
  const flipped = checkpoint("flipped");
  const bytes = readFileSync(join(flipped, "model.safetensors"));
  bytes[500] ^= 1;
  writeFileSync(join(flipped, "model.safetensors"), bytes);
  assert.equal(checkpointProblem(flipped), "model.safetensors does not match its sha256 (corrupted)");
  const truncated = checkpoint("truncated");
  truncateSync(join(truncated, "model.safetensors"), 10);
  assert.equal(checkpointProblem(truncated), "model.safetensors has 10 bytes, the manifest says 1000");
  const missing = checkpoint("missing");
  rmSync(join(missing, "sub", "state.json"));
  assert.equal(checkpointProblem(missing), "sub/state.json is missing");
  const torn = checkpoint("torn");
  writeFileSync(join(torn, MANIFEST_FILE), "{");
  assert.match(checkpointProblem(torn) ?? "", /manifest\.json is unreadable/);
});

test("a checkpoint from before manifests (none there) is accepted as it is", () => {
  const dir = join(tmp, "legacy");
  mkdirSync(dir);
  writeFileSync(join(dir, "model.safetensors"), "x");
  assert.equal(checkpointProblem(dir), null);
});

test("files larger than one read chunk are hashed whole", () => {
  const dir = join(tmp, "large");
  mkdirSync(dir);
  const bytes = Buffer.alloc((16 << 20) + 12345);
  for (let i = 0; i < bytes.length; i += 4096) bytes[i] = i % 251;
  writeFileSync(join(dir, "model-00001-of-00002.safetensors"), bytes);
  writeManifest(dir);
  const entry = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), "utf8")).files[
    "model-00001-of-00002.safetensors"
  ];
  assert.deepEqual(entry, { size: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") });
  assert.equal(checkpointProblem(dir), null);
});
