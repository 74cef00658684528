// The futures of `rlvr serve`'s Tinker API: every mutating call returns {request_id} at once and its
// result is fetched with retrieve_future, which long-polls up to `pollMs` and then answers try_again
// (the SDK gives up on a poll after 45 s, so a poll must end well before that). A request id the store
// does not know (expired, or issued before a restart) gets 410, on which a Tinker client resubmits.
import { randomUUID } from "node:crypto";

/** A finished request: a JSON result, a protobuf result, or a failure with the Tinker error category. */
export type FutureResult =
  | { kind: "json"; body: unknown }
  | { kind: "proto"; bytes: Uint8Array }
  | { kind: "error"; error: string; category: "user" | "server" | "unknown" };

interface Entry {
  result?: FutureResult;
  done: Promise<void>;
  finishedAt?: number;
}

export interface FutureStoreOptions {
  /** Longest a retrieve waits before try_again (default 25 s). */
  pollMs?: number;
  /** How long a finished result is kept (default 30 min). */
  keepMs?: number;
  /** Clock (tests). */
  now?: () => number;
}

export class FutureStore {
  private readonly entries = new Map<string, Entry>();
  private readonly pollMs: number;
  private readonly keepMs: number;
  private readonly now: () => number;

  constructor(o: FutureStoreOptions = {}) {
    this.pollMs = o.pollMs ?? 25_000;
    this.keepMs = o.keepMs ?? 30 * 60_000;
    this.now = o.now ?? Date.now;
  }

  /** Starts `work` (which resolves to its result or throws) and returns its request id. */
  submit(work: Promise<FutureResult>): string {
    this.expire();
    const id = randomUUID();
    const entry: Entry = { done: Promise.resolve() };
    entry.done = work
      .then(
        (r) => r,
        (err: unknown): FutureResult => ({
          kind: "error",
          error: err instanceof Error ? err.message : String(err),
          category: err instanceof UserError ? "user" : "server",
        }),
      )
      .then((r) => {
        entry.result = r;
        entry.finishedAt = this.now();
      });
    this.entries.set(id, entry);
    return id;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  /**
   * The result, waiting up to the poll time: "unknown" for an id never issued or expired, "pending" when
   * the wait ran out (or `signal` aborted: the client went away).
   */
  async retrieve(id: string, signal?: AbortSignal): Promise<FutureResult | "unknown" | "pending"> {
    const entry = this.entries.get(id);
    if (!entry) return "unknown";
    if (entry.result) return entry.result;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.pollMs);
      signal?.addEventListener("abort", () => resolve(), { once: true });
    });
    await Promise.race([entry.done, timeout]);
    clearTimeout(timer);
    return entry.result ?? "pending";
  }

  private expire(): void {
    const t = this.now();
    for (const [id, e] of this.entries)
      if (e.finishedAt !== undefined && t - e.finishedAt > this.keepMs) this.entries.delete(id);
  }
}

/** A request the client got wrong (Tinker category "user"); anything else thrown is the server's fault. */
export class UserError extends Error {}
