// Hub ids through a fake Hub (the fetch the @huggingface/hub client calls, answering its three requests:
// model info, a one-byte probe of a file, the file): what is downloaded, the cache layout, resolving from
// the cache without the network, offline and failure errors, and `rlvr eval --model org/name` end to end.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { cli, qwenVocabModel } from "../cli/testSupport.js";
import { cachedSnapshot, hubModelDir, parseHubId } from "./hubModels.js";
import { locateModel } from "./models.js";

const HUB = "https://hub.test";
const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const tmp = mkdtempSync(join(tmpdir(), "rlvr-hub-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

interface FakeHub {
  fetch: typeof fetch;
  /** Paths whose content was fetched (not the one-byte probes). */
  downloaded: string[];
}

/** A Hub that serves `files` as repository `repo` at COMMIT (also as its "main"). */
function fakeHub(repo: string, files: Record<string, Uint8Array>, broken: readonly string[] = []): FakeHub {
  const downloaded: string[] = [];
  const fake = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    assert.equal(url.origin, HUB);
    const info = url.pathname.match(/^\/api\/models\/(.+)\/revision\/([^/]+)$/);
    if (info) {
      if (info[1] !== repo) return new Response("not found", { status: 404 });
      return Response.json({
        _id: "x",
        id: repo,
        sha: COMMIT,
        siblings: Object.keys(files).map((rfilename) => ({ rfilename })),
      });
    }
    const file = url.pathname.match(/^\/(.+?\/.+?)\/resolve\/([^/]+)\/(.+)$/);
    if (!file || file[1] !== repo || !(file[3] in files)) return new Response("no", { status: 404 });
    const body = files[file[3]];
    const etag = `"${createHash("sha256").update(body).digest("hex")}"`;
    const range = new Headers(init?.headers).get("Range");
    if (range === "bytes=0-0")
      return new Response(body.slice(0, 1), {
        status: 206,
        headers: { "Content-Range": `bytes 0-0/${body.length}`, ETag: etag },
      });
    downloaded.push(file[3]);
    if (broken.includes(file[3])) return new Response(body.slice(0, body.length - 1), { status: 200 });
    return new Response(body, { status: 200, headers: { ETag: etag } });
  };
  return { fetch: fake as typeof fetch, downloaded };
}

const text = (s: string) => new TextEncoder().encode(s);
let modelFiles: Record<string, Uint8Array> = {};
before(async () => {
  const dir = await qwenVocabModel(tmp);
  modelFiles = Object.fromEntries(
    readdirSync(dir).map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]),
  );
  modelFiles["pytorch_model.bin"] = text("not read by rlvr");
  modelFiles["README.md"] = text("# model card");
});

test("Hub ids: org/name and org/name@revision; paths are not ids", () => {
  assert.deepEqual(parseHubId("Qwen/Qwen2.5-0.5B-Instruct"), {
    repo: "Qwen/Qwen2.5-0.5B-Instruct",
    revision: "main",
  });
  assert.deepEqual(parseHubId("Qwen/Qwen2.5-0.5B@v1.0"), { repo: "Qwen/Qwen2.5-0.5B", revision: "v1.0" });
  assert.equal(parseHubId("./models/x"), null);
  assert.equal(parseHubId("/abs/path"), null);
  assert.equal(parseHubId("default"), null);
});

test("a Hub model is downloaded into the Hugging Face cache layout: only what rlvr reads, then found without the network", async () => {
  const cacheDir = join(tmp, "cache1");
  const hub = fakeHub("org/tiny", modelFiles);
  const lines: string[] = [];
  const dir = await hubModelDir("org/tiny", {
    cacheDir,
    hubUrl: HUB,
    fetch: hub.fetch,
    log: (l) => lines.push(l),
  });
  const folder = join(cacheDir, "models--org--tiny");
  assert.equal(dir, join(folder, "snapshots", COMMIT));
  assert.deepEqual(
    hub.downloaded.sort(),
    Object.keys(modelFiles)
      .filter((f) => f.endsWith(".json") || f.endsWith(".txt") || f.endsWith(".safetensors"))
      .sort(),
  );
  assert.ok(!existsSync(join(dir, "pytorch_model.bin")) && !existsSync(join(dir, "README.md")));
  assert.equal(readFileSync(join(folder, "refs", "main"), "utf8"), COMMIT);
  for (const f of readdirSync(dir)) {
    assert.ok(lstatSync(join(dir, f)).isSymbolicLink(), `${f} links into blobs/`);
    assert.deepEqual(new Uint8Array(readFileSync(join(dir, f))), modelFiles[f]);
  }
  assert.ok(
    lines.some((l) => l.includes("model.safetensors:")),
    "progress is shown",
  );
  // the second time, from the cache: no request at all
  const noNetwork = (async () => assert.fail("no request expected")) as typeof fetch;
  assert.equal(await hubModelDir("org/tiny", { cacheDir, hubUrl: HUB, fetch: noNetwork }), dir);
  assert.equal(cachedSnapshot(cacheDir, "org/tiny", "main"), dir);
  assert.equal(await locateModel("org/tiny", { cacheDir, offline: true }), dir);
});

test("offline and not cached, unknown repository, truncated download: errors that name the model; nothing half-written", async () => {
  const cacheDir = join(tmp, "cache2");
  await assert.rejects(
    hubModelDir("org/tiny", { cacheDir, offline: true }),
    /model org\/tiny: not in the Hugging Face cache .*HF_HUB_OFFLINE/,
  );
  const hub = fakeHub("org/tiny", modelFiles, ["model.safetensors"]);
  await assert.rejects(
    hubModelDir("org/other", { cacheDir, hubUrl: HUB, fetch: hub.fetch, log: () => {} }),
    /model org\/other: the Hub at https:\/\/hub.test did not answer/,
  );
  await assert.rejects(
    hubModelDir("org/tiny", { cacheDir, hubUrl: HUB, fetch: hub.fetch, log: () => {} }),
    /org\/tiny: model.safetensors: got \d+ bytes of \d+/,
  );
  const blobs = readdirSync(join(cacheDir, "models--org--tiny", "blobs"));
  assert.ok(!blobs.some((b) => b.endsWith(".incomplete")), "no partial file is left");
  assert.equal(
    cachedSnapshot(cacheDir, "org/tiny", "main"),
    null,
    "refs/main is written once the snapshot is complete",
  );
  // the next try downloads only what is missing
  const again = fakeHub("org/tiny", modelFiles);
  await hubModelDir("org/tiny", { cacheDir, hubUrl: HUB, fetch: again.fetch, log: () => {} });
  assert.deepEqual(again.downloaded, ["model.safetensors"]);
});

test("rlvr eval and train --model org/name: a cached Hub model, found through HF_HUB_CACHE with HF_HUB_OFFLINE=1; the run pins its commit", async () => {
  const cacheDir = join(tmp, "cache3");
  await hubModelDir("org/tiny", {
    cacheDir,
    hubUrl: HUB,
    fetch: fakeHub("org/tiny", modelFiles).fetch,
    log: () => {},
  });
  const saved = { cache: process.env.HF_HUB_CACHE, offline: process.env.HF_HUB_OFFLINE };
  process.env.HF_HUB_CACHE = cacheDir;
  process.env.HF_HUB_OFFLINE = "1";
  try {
    const r = await cli(
      "eval",
      "--model",
      "org/tiny",
      "--task",
      "gsm8k",
      "--n",
      "1",
      "--max-tokens",
      "2",
      "--json",
    );
    assert.equal(r.code, 0, r.err);
    assert.equal(JSON.parse(r.out).n, 1);
    // a training run pins the Hub model to the commit it resolved to
    const out = join(tmp, "hub-run");
    const train = await cli(
      "train",
      "--model",
      "org/tiny",
      "--task",
      "gsm8k",
      "--steps",
      "1",
      "--out",
      out,
      "--set",
      "batch.promptsPerStep=1",
      "--set",
      "batch.groupSize=2",
      "--set",
      "sampling.maxTokens=2",
    );
    assert.equal(train.code, 0, train.err);
    assert.equal(JSON.parse(readFileSync(join(out, "config.json"), "utf8")).model, `org/tiny@${COMMIT}`);
    const missing = await cli("eval", "--model", "org/absent", "--task", "gsm8k", "--n", "1");
    assert.notEqual(missing.code, 0);
    assert.match(missing.err, /model org\/absent: not in the Hugging Face cache/);
  } finally {
    for (const [k, v] of [
      ["HF_HUB_CACHE", saved.cache],
      ["HF_HUB_OFFLINE", saved.offline],
    ] as const)
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
});
