// Faults between `--engine tinker` and the server: (1) a proxy that answers some requests with 408, 410,
// 429 and 500 (some before the server sees them, some after it has acted on them): the client retries
// and resubmits, seq_ids make the repeats harmless, and the run's metrics are those of a clean run;
// (2) the server killed mid-run and started again: the run stops with a clear error, and --resume
// continues from the tinker:// checkpoint its run directory records, with the metrics of an unbroken run.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { parseConfig } from "../run/config.js";
import { DEFAULT_MODEL_DIR } from "../run/models.js";
import { ProgressReporter } from "../run/progress.js";
import { readJsonl } from "../run/runDirectory.js";
import { trainRun } from "../run/trainRun.js";
import { startChildServer } from "./childServer.js";
import { type RunningServer, startServer } from "./server.js";
import { assertSameMetrics, forwardUpstream, runConfig } from "./testSupport.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-tinker-faults-"));
const cleanup: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
  rmSync(tmp, { recursive: true, force: true });
});
const quiet = (total: number) =>
  new ProgressReporter({ total, stream: { write: () => true, isTTY: false } as never, live: false });

type Injection = { status: number; afterForwarding: boolean } | undefined;

/** An HTTP proxy to `target` that answers the n-th request of a route with what `inject` says. */
async function faultyProxy(target: string, inject: (route: string, n: number) => Injection) {
  const counts = new Map<string, number>();
  const injected: string[] = [];
  const proxy: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const route = (req.url ?? "").replace(/^\/api\/v1\//, "");
    const n = (counts.get(route) ?? 0) + 1;
    counts.set(route, n);
    const fault = inject(route, n);
    const reply = (status: number) => {
      injected.push(`${route}#${n}:${status}`);
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ detail: `injected ${status}` }));
    };
    if (fault && !fault.afterForwarding) return reply(fault.status);
    const upstream = await forwardUpstream(target, req, Buffer.concat(chunks));
    const body = Buffer.from(await upstream.arrayBuffer());
    if (fault) return reply(fault.status); // the server has acted; its answer is lost
    res.writeHead(upstream.status, {
      "content-type": upstream.headers.get("content-type") ?? "application/json",
    });
    res.end(body);
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", () => r()));
  cleanup.push(() => new Promise<void>((r) => proxy.close(() => r())));
  return { url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, injected };
}

test("408, 410, 429 and 500 from a proxy: the client retries and resubmits, and the metrics are unchanged", async () => {
  const server: RunningServer = await startServer({
    modelDir: DEFAULT_MODEL_DIR,
    port: 0,
    checkpointDir: join(tmp, "s1"),
  });
  cleanup.push(() => server.close());
  const proxy = await faultyProxy(server.url, (route, n) => {
    if (route === "retrieve_future" && n % 7 === 3) return { status: 408, afterForwarding: false };
    if (route === "retrieve_future" && n === 5) return { status: 410, afterForwarding: false };
    if (route === "asample" && n % 5 === 2) return { status: 500, afterForwarding: true };
    if (route === "forward_backward" && n === 2) return { status: 500, afterForwarding: true };
    if (route === "optim_step" && n <= 2) return { status: 429, afterForwarding: n === 2 };
    if (route === "save_weights_for_sampler" && n === 3) return { status: 503, afterForwarding: true };
    if (route === "save_weights" && n === 1) return { status: 500, afterForwarding: true };
    return undefined;
  });
  const loss = { kl: { coef: 0.05 } };
  const engine = (baseUrl: string) => ({ kind: "tinker" as const, baseUrl, baseModel: "arith-warm-start" });
  const clean = parseConfig(runConfig(join(tmp, "clean"), { loss, engine: engine(server.url) }), "clean");
  const faulty = parseConfig(runConfig(join(tmp, "faulty"), { loss, engine: engine(proxy.url) }), "faulty");
  const a = await trainRun(clean, { progress: quiet(3) });
  const b = await trainRun(faulty, { progress: quiet(3) });
  for (const status of [408, 410, 429, 500, 503])
    assert.ok(
      proxy.injected.some((i) => i.endsWith(`:${status}`)),
      `${status} injected: ${proxy.injected}`,
    );
  // the same samples; the metrics to float32 rounding (retried requests are batched with others by the
  // server, and a batch of another shape rounds log-probs differently in the last bits)
  const samples = (dir: string) => readFileSync(join(dir, "samples.jsonl"), "utf8");
  assert.equal(samples(b.runDir), samples(a.runDir));
  assertSameMetrics(
    readJsonl(join(a.runDir, "metrics.jsonl")),
    readJsonl(join(b.runDir, "metrics.jsonl")),
    1e-4,
  );
});

/** `rlvr serve` as a child process on `port` (0: any), killed at the end of the tests. */
function serveProcess(port: number, checkpointDir: string): Promise<{ url: string; child: ChildProcess }> {
  return startChildServer({
    port,
    threads: 1,
    checkpointDir,
    onSpawn: (child) =>
      cleanup.push(() => {
        if (child.exitCode === null) child.kill("SIGKILL");
      }),
  });
}

test("the server killed mid-run and restarted: the run stops, --resume finishes it with the unbroken run's metrics", async () => {
  const checkpoints = join(tmp, "s2");
  const first = await serveProcess(0, checkpoints);
  const port = Number(new URL(first.url).port);
  const engine = { kind: "tinker" as const, baseUrl: first.url, baseModel: "arith-warm-start" };
  const extra = { engine, loss: { kl: { coef: 0 } }, steps: 4 };
  const unbroken = await trainRun(parseConfig(runConfig(join(tmp, "unbroken"), extra), "unbroken"), {
    progress: quiet(4),
  });
  const config = parseConfig(runConfig(join(tmp, "broken"), extra), "broken");
  const running = trainRun(config, { progress: quiet(4) });
  // kill the server as soon as the run has its step-2 checkpoint, then start it again on the same port
  let restarted: Promise<unknown> | undefined;
  const watcher = setInterval(() => {
    if (restarted || !existsSync(join(config.run.out, "checkpoints", "step-2"))) return;
    first.child.kill("SIGKILL");
    restarted = new Promise((r) => first.child.on("exit", r)).then(() => serveProcess(port, checkpoints));
  }, 20);
  const outcome = await running.then(
    () => "finished",
    (e: Error) => e.message,
  );
  clearInterval(watcher);
  assert.ok(restarted, "the server was killed during the run");
  await restarted;
  assert.match(outcome, /not on this server|unknown|no answer|HTTP 4/, outcome);
  const resumed = await trainRun(config, { resume: true, progress: quiet(4) });
  assert.ok(resumed.startStep >= 2, `resumed from step ${resumed.startStep}`);
  // the same samples; the metrics to float32 rounding (see above)
  const samples = (dir: string) => readFileSync(join(dir, "samples.jsonl"), "utf8");
  assert.equal(samples(resumed.runDir), samples(unbroken.runDir));
  assertSameMetrics(
    readJsonl(join(unbroken.runDir, "metrics.jsonl")),
    readJsonl(join(resumed.runDir, "metrics.jsonl")),
    1e-4,
  );
});
