// `rlvr dashboard`'s server: node:http on the loopback address only. It serves the page and its files,
// answers the page's JSON requests from the DashboardState, and pushes what changed in the runs as
// server-sent events (/api/events), polling the files every `pollMs`. GET only; a request whose Host is
// not a loopback name is refused (a page elsewhere cannot reach the server through DNS rebinding).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { assetText, contentType, isAssetName } from "./assets.js";
import { DashboardState, NotFound } from "./dashboardState.js";
import { dashboardHtml } from "./pageHtml.js";
import { OUTCOME_FILTERS, type OutcomeFilter } from "./sampleView.js";

export interface DashboardOptions {
  /** A run directory or a folder of runs. */
  root: string;
  /** 0 = any free port. */
  port: number;
  /** How often the files are checked for growth (default 500 ms). */
  pollMs?: number;
  /** Most points of a curve sent at once (min-max decimation beyond; default 5000). */
  maxPoints?: number;
}

export interface DashboardServer {
  url: string;
  port: number;
  state: DashboardState;
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

class BadRequest extends Error {}

function intParam(url: URL, name: string, fallback?: number): number {
  const v = url.searchParams.get(name);
  if (v === null || v === "") {
    if (fallback === undefined) throw new BadRequest(`missing ${name}`);
    return fallback;
  }
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new BadRequest(`${name}: expected a non-negative integer, got ${v}`);
  return n;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(text);
}

export async function startDashboard(o: DashboardOptions): Promise<DashboardServer> {
  const state = new DashboardState(o.root, { maxPoints: o.maxPoints });
  const clients = new Set<ServerResponse>();
  const pollMs = o.pollMs ?? 500;
  await state.tick(); // a finished short run is shown whole on the first request

  const broadcast = (type: string, data: unknown): void => {
    const msg = `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const c of clients) c.write(msg);
  };

  const api = async (url: URL, res: ServerResponse): Promise<void> => {
    const run = url.searchParams.get("run") ?? "";
    switch (url.pathname) {
      case "/api/overview":
        return sendJson(res, 200, state.overview());
      case "/api/tables":
        return sendJson(res, 200, state.tables());
      case "/api/series": {
        const keys = url.searchParams.get("keys");
        const which = keys
          ? keys.split(",").filter((k) => k !== "")
          : url.searchParams.get("which") === "other"
            ? "other"
            : "panels";
        return sendJson(res, 200, state.series(run, which));
      }
      case "/api/steps":
        return sendJson(res, 200, await state.steps(run));
      case "/api/samples": {
        const limit = Math.min(intParam(url, "limit", 100), 1000);
        return sendJson(
          res,
          200,
          await state.samples(run, intParam(url, "step"), intParam(url, "offset", 0), limit),
        );
      }
      case "/api/search": {
        const outcome = url.searchParams.get("outcome") ?? "";
        if (!(OUTCOME_FILTERS as readonly string[]).includes(outcome))
          throw new BadRequest(`outcome: one of ${OUTCOME_FILTERS.filter((f) => f).join(", ")}`);
        const text = url.searchParams.get("q") ?? "";
        return sendJson(
          res,
          200,
          await state.search(run, text, outcome as OutcomeFilter, intParam(url, "from", 0)),
        );
      }
      default:
        throw new NotFound(`no ${url.pathname}`);
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const host = (req.headers.host ?? "").replace(/:\d+$/, "");
    if (!LOOPBACK_HOSTS.has(host)) {
      res.writeHead(403).end("the dashboard answers on the loopback address only\n");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    try {
      if (url.pathname === "/") {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
        res.end(dashboardHtml());
      } else if (url.pathname.startsWith("/assets/")) {
        const name = url.pathname.slice("/assets/".length);
        if (!isAssetName(name)) throw new NotFound(`no asset ${name}`);
        res.writeHead(200, { "content-type": contentType(name), "cache-control": "no-cache" });
        res.end(assetText(name));
      } else if (url.pathname === "/api/events") {
        res.writeHead(200, {
          "content-type": "text/event-stream",
          "cache-control": "no-store",
          connection: "keep-alive",
        });
        res.write(`event: hello\ndata: {}\n\n`);
        clients.add(res);
        req.on("close", () => clients.delete(res));
      } else await api(url, res);
    } catch (err) {
      const status = err instanceof NotFound ? 404 : err instanceof BadRequest ? 400 : 500;
      if (!res.headersSent) sendJson(res, status, { error: (err as Error).message });
      else res.end();
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        err.code === "EADDRINUSE"
          ? new Error(`dashboard: port ${o.port} is in use; pass another --port (0 = any free port)`)
          : err,
      ),
    );
    server.listen(o.port, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  // The poll loop: immediately again while a file is being read in parts, else every pollMs.
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> = Promise.resolve();
  const loop = (): void => {
    if (stopped) return;
    ticking = state
      .tick()
      .then(({ events, more }) => {
        for (const e of events) broadcast(e.type, e.data);
        if (!stopped) timer = setTimeout(loop, more ? 0 : pollMs);
      })
      .catch((err: unknown) => {
        broadcast("error", { message: (err as Error).message });
        if (!stopped) timer = setTimeout(loop, pollMs);
      });
  };
  timer = setTimeout(loop, pollMs);
  const keepAlive = setInterval(() => {
    for (const c of clients) c.write(": keep-alive\n\n");
  }, 15_000);

  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    state,
    close: async () => {
      stopped = true;
      clearTimeout(timer);
      clearInterval(keepAlive);
      await ticking;
      for (const c of clients) c.end();
      clients.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
