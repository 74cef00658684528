// The transport of a Tinker client: POSTs under /api/v1 and futures fetched with retrieve_future, with
// the retry rules of the Tinker SDK (0.25): 408 and 5xx are retried at once (a few times, then with
// backoff), 429 and connection errors with exponential backoff (at most 30 s apart), 410 on a future
// means it is gone and the request is submitted again; other 4xx are fatal. A result is JSON, or
// protobuf for forward/backward and sampling results (Accept: application/x-protobuf).
import { PROTO_CONTENT_TYPE } from "./wire.js";

export interface TinkerHttpOptions {
  /** Server root, e.g. http://127.0.0.1:8000 (the API is under /api/v1). */
  baseUrl: string;
  /** Sent as X-API-Key (default $TINKER_API_KEY, else "tml-local"). */
  apiKey?: string;
  /** Give up on a request after this long without a usable answer (default 120 s). */
  maxRetryMs?: number;
  /** First backoff delay (default 250 ms; doubled each time up to 30 s). */
  backoffMs?: number;
  /** Waits (tests replace it). */
  sleep?: (ms: number) => Promise<void>;
  /** Called on each retry with the reason (logging, tests). */
  onRetry?: (what: string, reason: string) => void;
}

/** A request the server answered with a failure (Tinker RequestFailedResponse, or a fatal HTTP status). */
export class TinkerRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly category: string,
  ) {
    super(message);
    this.name = "TinkerRequestError";
  }
}

const sleepReal = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export type Body = Record<string, unknown> | Uint8Array;

interface Answer {
  status: number;
  contentType: string;
  bytes: Uint8Array;
}

export class TinkerHttp {
  private readonly base: string;
  private readonly apiKey: string;
  private readonly maxRetryMs: number;
  private readonly backoffMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly o: TinkerHttpOptions) {
    this.base = `${o.baseUrl.replace(/\/+$/, "")}/api/v1/`;
    this.apiKey = o.apiKey ?? process.env.TINKER_API_KEY ?? "tml-local";
    this.maxRetryMs = o.maxRetryMs ?? 120_000;
    this.backoffMs = o.backoffMs ?? 250;
    this.sleep = o.sleep ?? sleepReal;
  }

  get baseUrl(): string {
    return this.o.baseUrl;
  }

  private async once(route: string, body: Body | undefined, acceptProto: boolean): Promise<Answer | Error> {
    const headers: Record<string, string> = { "x-api-key": this.apiKey };
    let payload: Uint8Array | string | undefined;
    if (body instanceof Uint8Array) {
      headers["content-type"] = PROTO_CONTENT_TYPE;
      payload = body;
    } else if (body !== undefined) {
      headers["content-type"] = "application/json";
      payload = JSON.stringify(body);
    }
    if (acceptProto) headers.accept = `${PROTO_CONTENT_TYPE}, application/json`;
    try {
      const res = await fetch(this.base + route, {
        method: body === undefined ? "GET" : "POST",
        headers,
        body: payload,
        signal: AbortSignal.timeout(60_000),
      });
      return {
        status: res.status,
        contentType: res.headers.get("content-type") ?? "",
        bytes: new Uint8Array(await res.arrayBuffer()),
      };
    } catch (err) {
      return err as Error;
    }
  }

  /**
   * One call with the transport retries; resolves to the 2xx answer, or to the 410 answer when
   * `allowGone` (a future that must be resubmitted). Throws TinkerRequestError on a fatal status.
   */
  private async call(
    route: string,
    body: Body | undefined,
    acceptProto: boolean,
    allowGone = false,
  ): Promise<Answer> {
    const start = Date.now();
    let delay = this.backoffMs;
    let quickRetries = 0;
    for (;;) {
      const a = await this.once(route, body, acceptProto);
      let reason: string;
      let backoff: boolean;
      if (a instanceof Error) {
        reason = `connection: ${a.message}`;
        backoff = true;
      } else if (a.status < 300 || (allowGone && a.status === 410)) {
        return a;
      } else if (a.status === 408 || a.status >= 500) {
        reason = `HTTP ${a.status}`;
        // at once, as the SDK does; a server that keeps failing is then given time
        backoff = ++quickRetries > 3;
      } else if (a.status === 429) {
        reason = "HTTP 429";
        backoff = true;
      } else {
        throw new TinkerRequestError(`${route}: HTTP ${a.status}: ${errorText(a)}`, a.status, "user");
      }
      if (Date.now() - start > this.maxRetryMs)
        throw new TinkerRequestError(
          `${route}: no answer after ${this.maxRetryMs} ms (last: ${reason})`,
          0,
          "server",
        );
      this.o.onRetry?.(route, reason);
      if (backoff) {
        await this.sleep(delay);
        delay = Math.min(2 * delay, 30_000);
      }
    }
  }

  /** A JSON POST (or GET without a body) that answers at once. */
  async json(route: string, body?: Record<string, unknown>): Promise<Record<string, unknown>> {
    return parseJson(await this.call(route, body, false), route);
  }

  /**
   * Submits a request (`submit` again after a 410) and waits for its future's result: JSON, or the
   * protobuf bytes when `proto`.
   */
  async future(route: string, body: Body, proto: false): Promise<Record<string, unknown>>;
  async future(route: string, body: Body, proto: true): Promise<Uint8Array>;
  async future(route: string, body: Body, proto: boolean): Promise<Record<string, unknown> | Uint8Array> {
    for (let resubmits = 0; ; resubmits++) {
      const submitted = parseJson(await this.call(route, body, false), route);
      const id = submitted.request_id;
      if (typeof id !== "string")
        throw new TinkerRequestError(`${route}: the answer has no request_id`, 200, "server");
      for (;;) {
        const a = await this.call(
          "retrieve_future",
          { request_id: id, allow_metadata_only: false },
          proto,
          true,
        );
        if (a.status === 410) break; // gone: submit again
        if (a.contentType.includes(PROTO_CONTENT_TYPE)) {
          if (!proto)
            throw new TinkerRequestError(
              `${route}: a protobuf result where JSON was expected`,
              200,
              "server",
            );
          return a.bytes;
        }
        const r = parseJson(a, "retrieve_future");
        if (r.type === "try_again" || r.status === "complete_metadata") continue;
        if (typeof r.error === "string")
          throw new TinkerRequestError(`${route}: ${r.error}`, 200, String(r.category ?? "unknown"));
        if (proto)
          throw new TinkerRequestError(`${route}: a JSON result where protobuf was expected`, 200, "server");
        return r;
      }
      this.o.onRetry?.(route, "HTTP 410: resubmitting");
      if (resubmits >= 5)
        throw new TinkerRequestError(`${route}: the server lost the request 5 times`, 410, "server");
    }
  }
}

function errorText(a: Answer): string {
  const text = new TextDecoder().decode(a.bytes);
  try {
    const j = JSON.parse(text) as { detail?: unknown; error?: unknown };
    return String(j.detail ?? (j.error as { message?: unknown })?.message ?? j.error ?? text);
  } catch {
    return text.slice(0, 500);
  }
}

function parseJson(a: Answer, route: string): Record<string, unknown> {
  try {
    return JSON.parse(new TextDecoder().decode(a.bytes)) as Record<string, unknown>;
  } catch {
    throw new TinkerRequestError(`${route}: the answer is not JSON`, a.status, "server");
  }
}
