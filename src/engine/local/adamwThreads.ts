// AdamW's passes over a large model on worker threads. A worker reaches the optimizer's arrays through
// their addresses (koffi views of the same memory; nothing is copied), so the engine's parameters, gradients
// and moments stay ordinary arrays that onnxruntime reads and writes in place. The per-element work is
// adamwKernel.ts, the same code the optimizer runs on its own thread, so both give identical values.
import { Worker } from "node:worker_threads";
import koffi from "koffi";
import type { AdamWCoefficients } from "./adamwKernel.js";

/** [start, end) of one gradient. */
export interface GradRange {
  g: Float32Array;
  start: number;
  end: number;
}

/** The same range of the parameter and its moments (arrays of the gradient's length). */
export interface ParamRange extends GradRange {
  w: Float32Array;
  m: Float32Array;
  v: Float32Array;
}

/**
 * What a worker is asked: whole float32 arrays by address and length (the worker keeps one view of each
 * across requests: creating views is what costs, as V8 counts each one's bytes as newly allocated memory
 * and collects garbage for it), and the [start, end) range of each to work on.
 */
export type WorkerRequest =
  | { kind: "squares"; ranges: [g: bigint, n: number, start: number, end: number][] }
  | {
      kind: "update";
      c: AdamWCoefficients;
      ranges: [w: bigint, g: bigint, m: bigint, v: bigint, n: number, start: number, end: number][];
    };

export type WorkerReply = { sums: number[] } | { done: true } | { error: string };

/** The worker's module: the compiled .js, or its .ts source when this module runs from source under tsx. */
const FROM_SOURCE = import.meta.url.endsWith(".ts");
const WORKER_URL = new URL(`./adamwWorker.${FROM_SOURCE ? "ts" : "js"}`, import.meta.url).href;

/** Starts a worker on WORKER_URL (registering tsx's loader first when it is TypeScript source). */
function startWorker(): Worker {
  const tsx = FROM_SOURCE ? import.meta.resolve("tsx/esm/api") : null;
  const boot = `(async () => {
    const { workerData } = await import("node:worker_threads");
    if (workerData.tsx) (await import(workerData.tsx)).register();
    await import(workerData.url);
  })();`;
  return new Worker(boot, { eval: true, workerData: { url: WORKER_URL, tsx } });
}

export class AdamWThreads {
  private workers: (Worker | undefined)[] = [];

  constructor(readonly count: number) {
    if (!Number.isInteger(count) || count < 2)
      throw new Error(`AdamWThreads: count must be ≥ 2, got ${count}`);
  }

  /** Σ g² of each range, in the order given. */
  async sumsOfSquares(ranges: readonly GradRange[]): Promise<number[]> {
    const replies = await this.each(ranges, (part) => ({
      kind: "squares",
      ranges: part.map((r) => [koffi.address(r.g), r.g.length, r.start, r.end]),
    }));
    return replies.flatMap((r) => ("sums" in r ? r.sums : []));
  }

  /** The AdamW update of every range, in place. */
  async update(ranges: readonly ParamRange[], c: AdamWCoefficients): Promise<void> {
    await this.each(ranges, (part) => ({
      kind: "update",
      c,
      ranges: part.map((r) => [
        koffi.address(r.w),
        koffi.address(r.g),
        koffi.address(r.m),
        koffi.address(r.v),
        r.w.length,
        r.start,
        r.end,
      ]),
    }));
  }

  async close(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w?.terminate()));
  }

  /**
   * Splits `ranges` into one contiguous part per worker (balanced by element count) and waits for all.
   * The arrays stay referenced by `ranges` (and so alive) until every worker has replied.
   */
  private async each<R extends GradRange>(ranges: readonly R[], request: (part: R[]) => WorkerRequest) {
    const total = ranges.reduce((n, r) => n + r.end - r.start, 0);
    const parts: R[][] = Array.from({ length: this.count }, () => []);
    let done = 0;
    for (const r of ranges) {
      parts[Math.min(this.count - 1, Math.floor((done * this.count) / Math.max(1, total)))].push(r);
      done += r.end - r.start;
    }
    return Promise.all(parts.map((part, i) => this.ask(i, request(part))));
  }

  /** Starts the workers now (they load while other work runs), if not started yet. */
  start(): void {
    for (let i = 0; i < this.count; i++) {
      if (this.workers[i]) continue;
      const worker = startWorker();
      // idle workers do not keep the process alive; one that exits is replaced at the next request
      worker.unref();
      worker.once("exit", () => {
        if (this.workers[i] === worker) this.workers[i] = undefined;
      });
      this.workers[i] = worker;
    }
  }

  private ask(i: number, message: WorkerRequest): Promise<WorkerReply> {
    this.start();
    const worker = this.workers[i] as Worker;
    return new Promise((resolve, reject) => {
      const settle = () => {
        worker.off("message", onMessage);
        worker.off("error", onFailure);
        worker.off("exit", onFailure);
      };
      const onFailure = (e: Error | number) => {
        settle();
        if (this.workers[i] === worker) this.workers[i] = undefined;
        reject(e instanceof Error ? e : new Error(`AdamW worker exited with code ${e}`));
      };
      const onMessage = (reply: WorkerReply) => {
        settle();
        if ("error" in reply) reject(new Error(`AdamW worker: ${reply.error}`));
        else resolve(reply);
      };
      worker.once("message", onMessage);
      worker.once("error", onFailure);
      worker.once("exit", onFailure);
      worker.postMessage(message);
    });
  }
}
