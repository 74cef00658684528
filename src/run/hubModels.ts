// Models named by Hugging Face Hub id ("Qwen/Qwen2.5-0.5B-Instruct", or "Qwen/Qwen2.5-0.5B-Instruct@<revision>"),
// found as transformers' from_pretrained finds them: a snapshot in the local Hub cache (HF_HUB_CACHE, else
// HF_HOME/hub, else ~/.cache/huggingface/hub), shared with every other Hugging Face tool. When the snapshot
// lacks a file rlvr reads, those files (and only those: no .bin, .gguf or ONNX variants) are downloaded into
// the cache with the official @huggingface/hub client, with HF_TOKEN for gated models. HF_HUB_OFFLINE=1
// never downloads. The cache layout (blobs/<etag>, snapshots/<commit>/<file> → blob, refs/<revision>) is
// written here rather than by the client's downloadFileToCacheDir so that each blob is written atomically
// with a visible byte count; the HTTP side (auth, redirects, Xet storage) is the client's.
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { homedir } from "node:os";
import { dirname, join, relative } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { downloadFile, fileDownloadInfo, modelInfo } from "@huggingface/hub";
import { writeFileAtomic } from "../core/atomicFile.js";

/** `org/name` with an optional `@revision`; a path that exists on disk is never taken for an id. */
const HUB_ID = /^([\w.-]+\/[\w.-]+)(?:@([\w./-]+))?$/;

/** The files rlvr reads from a model repository; the weight shards are added from the index. */
const HUB_MODEL_FILES = [
  "config.json",
  "generation_config.json",
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "vocab.json",
  "merges.txt",
  "model.safetensors",
  "model.safetensors.index.json",
] as const;

export interface HubOptions {
  /** Default: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub. */
  cacheDir?: string;
  /** Default: HF_ENDPOINT, else https://huggingface.co. */
  hubUrl?: string;
  /** Default: HF_TOKEN. */
  accessToken?: string;
  /** Default: HF_HUB_OFFLINE is 1 or true. */
  offline?: boolean;
  fetch?: typeof fetch;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

/** The Hub id and revision a model string names, or null when it is not of the `org/name[@rev]` form. */
export function parseHubId(model: string): { repo: string; revision: string } | null {
  const m = HUB_ID.exec(model);
  return m ? { repo: m[1], revision: m[2] ?? "main" } : null;
}

export function hubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.HF_HUB_CACHE ?? join(env.HF_HOME ?? join(homedir(), ".cache", "huggingface"), "hub");
}

/** models--org--name, as huggingface_hub names a model's folder in the cache. */
function repoFolder(cacheDir: string, repo: string): string {
  return join(cacheDir, `models--${repo.split("/").join("--")}`);
}

/** The cached snapshot of `revision` (a commit, or a branch/tag resolved through refs/), if any. */
export function cachedSnapshot(cacheDir: string, repo: string, revision: string): string | null {
  const folder = repoFolder(cacheDir, repo);
  const ref = join(folder, "refs", revision);
  const commit = existsSync(ref) ? readFileSync(ref, "utf8").trim() : revision;
  const dir = join(folder, "snapshots", commit);
  return existsSync(dir) ? dir : null;
}

/** Whether a snapshot has what a model directory needs (config, weights, a tokenizer) and every indexed shard. */
function snapshotComplete(dir: string): boolean {
  const has = (f: string) => existsSync(join(dir, f));
  if (!has("config.json") || !(has("tokenizer.json") || has("vocab.json"))) return false;
  if (has("model.safetensors")) return true;
  if (!has("model.safetensors.index.json")) return false;
  return shardNames(dir).every(has);
}

function shardNames(dir: string): string[] {
  const index = JSON.parse(readFileSync(join(dir, "model.safetensors.index.json"), "utf8")) as {
    weight_map?: Record<string, string>;
  };
  return [...new Set(Object.values(index.weight_map ?? {}))];
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** Downloads one file of commit `commit` into the cache (blob written atomically, then linked into the snapshot). */
async function downloadIntoCache(repo: string, commit: string, path: string, folder: string, o: HubOptions) {
  const hub = { repo, revision: commit, hubUrl: o.hubUrl, accessToken: o.accessToken, fetch: o.fetch };
  const info = await fileDownloadInfo({ ...hub, path });
  if (!info) throw new Error(`${repo}@${commit}: ${path} is listed but cannot be downloaded`);
  const etag = info.etag.replace(/^W\//, "").replaceAll('"', "");
  const blob = join(folder, "blobs", etag);
  const link = join(folder, "snapshots", commit, path);
  if (!existsSync(blob)) {
    const file = await downloadFile({ ...hub, path, downloadInfo: info });
    if (!file) throw new Error(`${repo}@${commit}: ${path}: no content`);
    mkdirSync(dirname(blob), { recursive: true });
    const partial = `${blob}.incomplete`;
    let done = 0;
    let shown = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, next) {
        done += chunk.length;
        if (done - shown >= 64 * 2 ** 20 || done === info.size) {
          shown = done;
          o.log?.(`  ${path}: ${mib(done)} / ${mib(info.size)}`);
        }
        next(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(file.stream() as never), count, createWriteStream(partial));
    } catch (err) {
      rmSync(partial, { force: true });
      throw new Error(`${repo}: downloading ${path} failed: ${(err as Error).message}`);
    }
    if (done !== info.size) {
      rmSync(partial, { force: true });
      throw new Error(`${repo}: ${path}: got ${done} bytes of ${info.size}`);
    }
    renameSync(partial, blob);
  }
  mkdirSync(dirname(link), { recursive: true });
  rmSync(link, { force: true });
  symlinkSync(relative(dirname(link), blob), link);
}

/**
 * The local directory of Hub model `model` (`org/name[@revision]`): the cached snapshot when it is complete,
 * else downloaded into the cache first. Throws, naming the model, when it is offline and not cached, or
 * the Hub does not have it.
 */
export async function hubModelDir(model: string, options: HubOptions = {}): Promise<string> {
  const id = parseHubId(model);
  if (!id) throw new Error(`model ${model}: not a Hugging Face Hub id (org/name or org/name@revision)`);
  const env = process.env;
  const o: HubOptions = {
    cacheDir: options.cacheDir ?? hubCacheDir(env),
    hubUrl: options.hubUrl ?? env.HF_ENDPOINT,
    accessToken: options.accessToken ?? env.HF_TOKEN,
    offline: options.offline ?? ["1", "true", "yes"].includes((env.HF_HUB_OFFLINE ?? "").toLowerCase()),
    fetch: options.fetch,
    log: options.log ?? ((line) => process.stderr.write(`${line}\n`)),
  };
  const cacheDir = o.cacheDir!;
  const cached = cachedSnapshot(cacheDir, id.repo, id.revision);
  if (cached && snapshotComplete(cached)) return cached;
  if (o.offline)
    throw new Error(
      `model ${model}: not in the Hugging Face cache ${cacheDir} and HF_HUB_OFFLINE is set ` +
        "(download it once online, or give a local directory)",
    );
  let commit: string;
  let files: string[];
  try {
    const info = await modelInfo({
      name: id.repo,
      revision: id.revision,
      hubUrl: o.hubUrl,
      accessToken: o.accessToken,
      fetch: o.fetch,
      additionalFields: ["sha", "filePaths"],
    });
    commit = info.sha;
    files = info.filePaths;
  } catch (err) {
    throw new Error(
      `model ${model}: the Hub at ${o.hubUrl ?? "https://huggingface.co"} did not answer: ${(err as Error).message}`,
    );
  }
  const folder = repoFolder(cacheDir, id.repo);
  const wanted = HUB_MODEL_FILES.filter((f) => files.includes(f));
  const snapshot = join(folder, "snapshots", commit);
  o.log?.(`downloading ${id.repo}@${commit.slice(0, 10)} into ${cacheDir}`);
  for (const f of wanted)
    if (!existsSync(join(snapshot, f))) await downloadIntoCache(id.repo, commit, f, folder, o);
  if (!wanted.includes("model.safetensors") && wanted.includes("model.safetensors.index.json"))
    for (const f of shardNames(snapshot))
      if (!existsSync(join(snapshot, f))) await downloadIntoCache(id.repo, commit, f, folder, o);
  if (!snapshotComplete(snapshot))
    throw new Error(
      `model ${model}: the repository has no config.json, model.safetensors (or its index), ` +
        "tokenizer.json (or vocab.json) in safetensors form, which rlvr needs",
    );
  // the revision names the snapshot only once it is complete
  if (id.revision !== commit) writeFileAtomic(join(folder, "refs", id.revision), commit);
  return snapshot;
}
