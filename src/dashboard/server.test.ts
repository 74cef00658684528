// The dashboard server over HTTP, without a browser: the page's JSON requests, the events it pushes when
// a run grows, what it refuses, and that it never writes into the folder it serves.
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, before, test } from "node:test";
import { type DashboardServer, startDashboard } from "./server.js";
import { scriptedRun } from "./testRuns.js";

const tmp = mkdtempSync(join(tmpdir(), "rlvr-server-"));
const runs = join(tmp, "runs");
let server: DashboardServer;
let snapshot: string;

/** Every path under a folder with its size and modification time. */
function tree(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const st = statSync(p);
      out.push(`${relative(dir, p)} ${e.isDirectory() ? "dir" : st.size} ${st.mtimeMs}`);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort().join("\n");
}

before(async () => {
  await scriptedRun(join(runs, "mgrpo"), { steps: 3, evalEvery: 1 });
  await scriptedRun(join(runs, "grpo"), { algo: "grpo", steps: 2 });
  snapshot = tree(runs);
  server = await startDashboard({ root: runs, port: 0, pollMs: 50 });
});
after(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

function get(path: string, host = "127.0.0.1"): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: server.port, path, headers: { host } }, (res) => {
      let body = "";
      res.on("data", (c) => {
        body += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}
const json = async (path: string) => {
  const r = await get(path);
  assert.equal(r.status, 200, `${path}: ${r.body}`);
  return JSON.parse(r.body);
};

test("server: the overview, the curves (one point per step) and the page's files", async () => {
  const o = await json("/api/overview");
  assert.deepEqual(
    o.runs.map((r: { id: string; rows: number }) => [r.id, r.rows]),
    [
      ["grpo", 2],
      ["mgrpo", 3],
    ],
  );
  assert.ok(o.panels.some((p: { id: string }) => p.id === "reward"));
  const s = await json("/api/series?run=mgrpo&which=panels");
  assert.deepEqual(s.series["rollout/reward_mean"].x, [1, 2, 3]);
  assert.deepEqual(s.series["eval/accuracy"].x, [1, 2, 3]);
  assert.ok(s.series["time/sample_tokens_per_s"]);
  assert.equal(s.series["layer2/kept_groups"], undefined, "not a panel's key");
  const other = await json("/api/series?run=mgrpo&which=other");
  assert.ok(other.series["layer2/kept_groups"]);
  const page = await get("/");
  assert.match(page.body, /<title>rlvr dashboard<\/title>/);
  for (const m of page.body.matchAll(/(?:src|href)="\/assets\/([^"]+)"/g))
    assert.equal((await get(`/assets/${m[1]}`)).status, 200, m[1]);
});

test("server: a step's samples grouped by prompt, paged; search across steps; the tables", async () => {
  const steps = await json("/api/steps?run=mgrpo");
  assert.deepEqual(
    steps.steps.map(([s]: [number, number]) => s),
    [1, 2, 3],
  );
  const total = steps.steps[0][1];
  const page = await json("/api/samples?run=mgrpo&step=1&offset=0&limit=100");
  assert.equal(page.total, total);
  // 2 prompts × G=4 layer-1 completions, then layer-2 corrections up to samplesPerStep (8)
  assert.equal(page.prompts.length, 2);
  assert.deepEqual(
    page.prompts.map((p: { completions: unknown[] }) => p.completions.length),
    [4, 4],
  );
  const groups = page.prompts.flatMap((p: { correctionGroups: unknown[] }) => p.correctionGroups);
  assert.ok(groups.length > 0 && groups.every((g: { corrections: unknown[] }) => g.corrections.length <= 4));
  const second = await json("/api/samples?run=mgrpo&step=1&offset=4&limit=2");
  assert.deepEqual(
    second.prompts.flatMap((p: { completions: { index: number }[] }) => p.completions.map((c) => c.index)),
    [4, 5],
  );
  const hits = await json(`/api/search?run=mgrpo&q=${encodeURIComponent("no answer")}&outcome=i2i`);
  assert.ok(hits.matches.length > 0);
  for (const m of hits.matches) {
    assert.equal(m.record.outcome, "failed-correction");
    assert.match(`${m.record.completion} ${m.record.attempt} ${m.record.reason}`, /no answer/);
  }
  const tables = await json("/api/tables");
  assert.deepEqual(tables.twoTurn, []);
});

test("server: unknown runs and steps are 404, bad parameters 400, a foreign Host 403, POST 405", async () => {
  assert.equal((await get("/api/series?run=nope")).status, 404);
  assert.equal((await get("/api/samples?run=mgrpo&step=99")).status, 404);
  assert.equal((await get("/api/samples?run=mgrpo&step=x")).status, 400);
  assert.equal((await get("/api/search?run=mgrpo&outcome=maybe")).status, 400);
  assert.equal((await get("/assets/..%2F..%2Fpackage.json")).status, 404);
  assert.equal((await get("/api/overview", "evil.example")).status, 403);
  const post = await new Promise<number>((resolve) => {
    const req = request({ host: "127.0.0.1", port: server.port, path: "/", method: "POST" }, (res) =>
      resolve(res.statusCode ?? 0),
    );
    req.end();
  });
  assert.equal(post, 405);
});

test("server: a step appended to metrics.jsonl is pushed as an event; nothing was written into the runs", async () => {
  const events: string[] = [];
  const got = new Promise<string>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: server.port, path: "/api/events" }, (res) => {
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        events.push(chunk);
        const all = events.join("");
        if (all.includes("event: hello") && !all.includes('"step":4')) {
          const path = join(runs, "grpo", "metrics.jsonl");
          const lines = readFileSync(path, "utf8").trim().split("\n");
          if (!all.includes("appended")) {
            events.push("appended");
            appendFileSync(path, `${JSON.stringify({ ...JSON.parse(lines.at(-1) ?? "{}"), step: 4 })}\n`);
          }
        }
        const m = /event: metrics\ndata: (.*)\n/.exec(all);
        if (m) {
          req.destroy();
          resolve(m[1]);
        }
      });
    });
    req.on("error", (e) => (e.message.includes("aborted") ? undefined : reject(e)));
    req.end();
  });
  const data = JSON.parse(await got);
  assert.equal(data.run, "grpo");
  assert.deepEqual(
    data.metrics.map((m: { step: number }) => m.step),
    [4],
  );
  assert.equal(data.rows, 3);
  // what changed in the folder is the line this test appended, nothing the server wrote
  const now = tree(runs).split("\n");
  const before = snapshot.split("\n");
  const changed = now.filter((l) => !before.includes(l)).map((l) => l.split(" ")[0]);
  assert.deepEqual(changed, ["grpo/metrics.jsonl"]);
  assert.equal(now.length, before.length);
});
