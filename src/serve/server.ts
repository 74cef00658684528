// `rlvr serve`: one model on the local engine behind the Tinker REST API (/api/v1/…, as the official
// Tinker SDK 0.25 calls it) and the OpenAI-compatible API (/v1/…), on node:http. Loopback by default;
// another address needs an API key (X-API-Key, or Authorization: Bearer). Bodies are size-limited, a
// malformed request gets a 4xx with a message, and no request can stop the server.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { isIP } from "node:net";
import type { AddressInfo } from "node:net";
import { basename, resolve } from "node:path";
import { SessionCache } from "../engine/local/graph/runtime.js";
import { loadTokenizer } from "../engine/tokenizer/loadTokenizer.js";
import { decodeForwardBackwardRequest, PROTO_CONTENT_TYPE } from "../engine/tinker/wire.js";
import { FutureStore, UserError } from "./futureStore.js";
import { chatCompletions, completions, listModels, type OpenAiContext, sendJson } from "./openaiApi.js";
import { NotFound, TinkerService } from "./tinkerService.js";

export interface ServeOptions {
  modelDir: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 = any free port. Default 8000. */
  port?: number;
  /** Required when host is not a loopback address. */
  apiKey?: string;
  /** Where tinker:// checkpoints go. Default ./serve-checkpoints. */
  checkpointDir?: string;
  /** Longest retrieve_future long-poll (default 25 s). */
  pollMs?: number;
  /** Largest request body: protobuf forward_backward (default 64 MiB) and JSON (default 8 MiB). */
  maxProtoBytes?: number;
  maxJsonBytes?: number;
  /** onnxruntime threads per op. */
  threads?: number;
  /** A Tinker session without a heartbeat for this long is ended, its models unloaded (default 15 min). */
  sessionTimeoutMs?: number;
  /** Called once per request with its method, path and status (logging). */
  onRequest?: (method: string, path: string, status: number) => void;
}

export interface RunningServer {
  url: string;
  port: number;
  service: TinkerService;
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || (isIP(host) === 4 && host.startsWith("127."));
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > limit) {
      reject(new HttpError(413, `request body of ${declared} bytes exceeds the limit of ${limit}`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new HttpError(413, `request body exceeds the limit of ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolvePromise(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function parseJson(buf: Buffer): Record<string, unknown> {
  if (buf.length === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(buf.toString("utf8"));
  } catch (err) {
    throw new HttpError(400, `invalid JSON: ${(err as Error).message}`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new HttpError(400, "expected a JSON object");
  return v as Record<string, unknown>;
}

export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const host = o.host ?? "127.0.0.1";
  if (!isLoopback(host) && !o.apiKey)
    throw new Error(`serve: --host ${host} is reachable from other machines; give --api-key KEY too`);
  const modelDir = resolve(o.modelDir);
  const tokenizer = loadTokenizer(modelDir);
  const modelName = basename(modelDir);
  const sessions = new SessionCache({ intraOpNumThreads: o.threads });
  const service = new TinkerService({
    modelDir,
    modelName,
    tokenizer,
    checkpointDir: resolve(o.checkpointDir ?? "serve-checkpoints"),
    sessions,
    futures: new FutureStore({ pollMs: o.pollMs }),
    sessionTimeoutMs: o.sessionTimeoutMs,
  });
  const openai: OpenAiContext = {
    modelName,
    modelDir,
    tokenizer,
    samplerOf: (model) => {
      if (model === modelName || model === modelDir) return service.baseBatcher;
      if (model.startsWith("tinker://")) return service.savedSampler(model);
      throw new HttpError(
        404,
        `model ${JSON.stringify(model)}: this server serves "${modelName}" (or tinker:// paths of saved weights)`,
      );
    },
  };
  const maxProto = o.maxProtoBytes ?? 64 * 2 ** 20;
  const maxJson = o.maxJsonBytes ?? 8 * 2 ** 20;

  const authorised = (req: IncomingMessage): boolean => {
    if (!o.apiKey) return true;
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    return req.headers["x-api-key"] === o.apiKey || bearer === o.apiKey;
  };

  async function tinkerRoute(
    route: string,
    req: IncomingMessage,
    res: ServerResponse,
    abort: AbortSignal,
  ): Promise<void> {
    const json = async () => parseJson(await readBody(req, maxJson));
    const reply = (body: unknown) => sendJson(res, 200, body);
    switch (route) {
      case "healthz":
        return reply({ status: "ok" });
      case "get_server_capabilities":
        return reply(service.capabilities());
      case "client/config":
        await json();
        // pyqwest is an optional SDK transport; plain httpx works with this server
        return reply({
          use_pyqwest_transport: false,
          proto_compress_fwdbwd: false,
          create_model_via_load_weights: false,
        });
      case "client/dynamic_config":
        return reply({ refresh_interval_sec: 3600 });
      case "telemetry":
        await json();
        return reply({ status: "accepted" });
      case "create_session":
        return reply(service.createSession(await json()));
      case "session_heartbeat":
        return reply(service.heartbeat(await json()));
      case "create_model":
        return reply(service.createModel(await json()));
      case "weights_info":
        return reply(service.weightsInfo(await json()));
      case "get_info":
        return reply(service.getInfo(await json()));
      case "unload_model":
        return reply(service.unloadModel(await json()));
      case "forward_backward": {
        if (!(req.headers["content-type"] ?? "").includes(PROTO_CONTENT_TYPE))
          throw new HttpError(
            415,
            `forward_backward takes ${PROTO_CONTENT_TYPE} (tinker_public.ForwardBackwardRequest)`,
          );
        if (req.headers["content-encoding"])
          throw new HttpError(415, "compressed forward_backward bodies are not supported");
        const bytes = await readBody(req, maxProto);
        let msg: ReturnType<typeof decodeForwardBackwardRequest>;
        try {
          msg = decodeForwardBackwardRequest(bytes);
        } catch (err) {
          throw new HttpError(
            400,
            `forward_backward: not a ForwardBackwardRequest: ${(err as Error).message}`,
          );
        }
        return reply(service.forwardBackward(msg, bytes));
      }
      case "optim_step":
        return reply(service.optimStep(await json()));
      case "save_weights":
        return reply(service.saveWeights(await json()));
      case "save_weights_for_sampler":
        return reply(service.saveWeightsForSampler(await json()));
      case "load_weights":
        return reply(service.loadWeights(await json()));
      case "create_sampling_session":
        return reply(service.createSamplingSession(await json()));
      case "asample":
        return reply(service.sample(await json()));
      case "retrieve_future": {
        const body = await json();
        const id = body.request_id;
        if (typeof id !== "string") throw new HttpError(400, "request_id: expected a string");
        const r = await service.futures.retrieve(id, abort);
        if (r === "unknown")
          throw new HttpError(
            410,
            `future ${id} is unknown (expired, or the server restarted): resubmit the request`,
          );
        if (r === "pending") return reply({ type: "try_again", request_id: id, queue_state: "active" });
        if (r.kind === "proto") {
          res.writeHead(200, { "content-type": PROTO_CONTENT_TYPE, "cache-control": "no-store" });
          res.end(r.bytes);
          return;
        }
        if (r.kind === "error") return reply({ error: r.error, category: r.category });
        return reply(r.body);
      }
      default: {
        const sampler = /^samplers\/([^/]+)$/.exec(route);
        if (sampler && req.method === "GET") return reply(service.getSampler(sampler[1]));
        throw new HttpError(404, `no route /api/v1/${route}`);
      }
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse, abort: AbortSignal): Promise<void> {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/healthz" || path === "/api/v1/healthz") return sendJson(res, 200, { status: "ok" });
    if (!authorised(req))
      throw new HttpError(401, "missing or wrong API key (X-API-Key or Authorization: Bearer)");
    if (path.startsWith("/api/v1/")) {
      const route = path.slice("/api/v1/".length);
      if (
        req.method !== "POST" &&
        !(req.method === "GET" && /^(get_server_capabilities|samplers\/)/.test(route))
      )
        throw new HttpError(405, `${req.method} ${path}: use POST`);
      return tinkerRoute(route, req, res, abort);
    }
    if (path === "/v1/models" && req.method === "GET") return sendJson(res, 200, listModels(openai));
    if (path === "/v1/completions" && req.method === "POST")
      return completions(openai, parseJson(await readBody(req, maxJson)), res);
    if (path === "/v1/chat/completions" && req.method === "POST")
      return chatCompletions(openai, parseJson(await readBody(req, maxJson)), res);
    throw new HttpError(404, `no route ${req.method} ${path}`);
  }

  const server = createServer((req, res) => {
    const abort = new AbortController();
    res.on("close", () => abort.abort());
    handle(req, res, abort.signal)
      .catch((err: unknown) => {
        const status =
          err instanceof HttpError
            ? err.status
            : err instanceof UserError
              ? 400
              : err instanceof NotFound
                ? 404
                : 500;
        const message = err instanceof Error ? err.message : String(err);
        if (res.headersSent) {
          res.destroy();
          return;
        }
        // {detail} as the Tinker API answers errors, {error: {message}} as OpenAI clients read them
        sendJson(res, status, {
          detail: message,
          error: { message, type: status < 500 ? "invalid_request_error" : "server_error" },
        });
      })
      .finally(() => o.onRequest?.(req.method ?? "", req.url ?? "", res.statusCode));
  });
  server.requestTimeout = 0; // long-polls and long sampling requests
  server.headersTimeout = 60_000;
  await new Promise<void>((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(o.port ?? 8000, host, () => resolvePromise());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    service,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await service.close();
      await sessions.clear();
    },
  };
}
