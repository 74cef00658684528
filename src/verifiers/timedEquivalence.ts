/**
 * Runs the algebra path in a worker thread with a time budget per comparison. A comparison that
 * exceeds the budget is answered "timeout" (never equivalent) and the worker is terminated and
 * replaced, so that one adversarial answer (`100000!`) can block training for at most the budget.
 *
 * Requests are served one at a time per worker; the budget clock of a request starts when it is
 * handed to a ready worker, so queueing and worker start-up are not charged to it. Each slot keeps
 * a started spare worker, so that after a timeout the next request does not wait for a cold start
 * (loading the algebra system takes about a second).
 */

import type { Worker } from "node:worker_threads";
import type { EquivalenceRequest, EquivalenceResponse } from "./equivalenceWorker.js";
import type { Decision } from "./mathEquivalence.js";
import type { NormalizedAnswer } from "./normalize.js";
import { startSiblingWorker } from "./siblingModule.js";
import { DEFAULT_TOLERANCE, type TolerancePolicy } from "./tolerance.js";

export const DEFAULT_TIMEOUT_MS = 2000;

export interface TimedEquivalenceOptions {
  /** Budget per comparison in milliseconds (default 2000). */
  timeoutMs?: number;
  /** Number of worker threads (default 1). */
  workers?: number;
  policy?: TolerancePolicy;
}

interface Job {
  id: number;
  gold: NormalizedAnswer;
  pred: NormalizedAnswer;
  resolve: (d: Decision) => void;
}

interface StartedWorker {
  worker: Worker;
  ready: boolean;
}

class EquivalenceWorkerSlot {
  private worker: Worker | undefined;
  private ready = false;
  private spare: StartedWorker | undefined;
  private current: { job: Job; timer: NodeJS.Timeout } | undefined;

  constructor(
    private readonly owner: TimedEquivalenceChecker,
    private readonly timeoutMs: number,
    private readonly policy: TolerancePolicy,
  ) {}

  get busy(): boolean {
    return this.current !== undefined;
  }

  private spawn(): StartedWorker {
    const started: StartedWorker = {
      worker: startSiblingWorker(import.meta.url, "equivalenceWorker"),
      ready: false,
    };
    const worker = started.worker;
    worker.on("message", (msg: EquivalenceResponse) => {
      if ("ready" in msg) started.ready = true;
      this.onMessage(worker, msg);
    });
    worker.on("error", (error) => this.onFailure(worker, `evaluation worker failed: ${error.message}`));
    worker.on("exit", (code) => this.onFailure(worker, `evaluation worker exited (${code})`));
    worker.unref();
    return started;
  }

  /** Promotes the spare (or a fresh worker) to the active one, and starts a new spare. */
  private start(): Worker {
    const next = this.spare ?? this.spawn();
    this.spare = this.spawn();
    this.worker = next.worker;
    this.ready = next.ready;
    return next.worker;
  }

  run(job: Job): void {
    const worker = this.worker ?? this.start();
    this.current = { job, timer: undefined as unknown as NodeJS.Timeout };
    worker.ref();
    if (this.ready) this.send(worker, job);
  }

  private send(worker: Worker, job: Job): void {
    const current = this.current!;
    current.timer = setTimeout(() => this.onTimeout(worker), this.timeoutMs);
    const request: EquivalenceRequest = { id: job.id, gold: job.gold, pred: job.pred, policy: this.policy };
    worker.postMessage(request);
  }

  private finish(decision: Decision): void {
    const current = this.current;
    if (current === undefined) return;
    clearTimeout(current.timer);
    this.current = undefined;
    this.worker?.unref();
    current.job.resolve(decision);
    this.owner.pump();
  }

  private onMessage(worker: Worker, msg: EquivalenceResponse): void {
    if (worker !== this.worker) return;
    if ("ready" in msg) {
      this.ready = true;
      if (this.current) this.send(worker, this.current.job);
      return;
    }
    if (this.current?.job.id === msg.id) this.finish({ equivalent: msg.equivalent, reason: msg.reason });
  }

  private onTimeout(worker: Worker): void {
    if (worker !== this.worker) return;
    this.worker = undefined;
    void worker.terminate();
    this.finish({ equivalent: false, reason: "timeout" });
  }

  private onFailure(worker: Worker, reason: string): void {
    if (worker === this.spare?.worker) this.spare = undefined;
    if (worker !== this.worker) return;
    this.worker = undefined;
    this.finish({ equivalent: false, reason });
  }

  async close(): Promise<void> {
    const workers = [this.worker, this.spare?.worker].filter((w): w is Worker => w !== undefined);
    this.worker = undefined;
    this.spare = undefined;
    if (this.current) this.finish({ equivalent: false, reason: "verifier closed" });
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

export class TimedEquivalenceChecker {
  readonly timeoutMs: number;
  private readonly slots: EquivalenceWorkerSlot[];
  private readonly queue: Job[] = [];
  private nextId = 1;

  constructor(options: TimedEquivalenceOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const policy = options.policy ?? DEFAULT_TOLERANCE;
    const count = Math.max(1, options.workers ?? 1);
    this.slots = Array.from({ length: count }, () => new EquivalenceWorkerSlot(this, this.timeoutMs, policy));
  }

  compare(gold: NormalizedAnswer, pred: NormalizedAnswer): Promise<Decision> {
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, gold, pred, resolve });
      this.pump();
    });
  }

  /** Hands queued jobs to idle workers. */
  pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (!slot.busy) slot.run(this.queue.shift()!);
    }
  }

  async close(): Promise<void> {
    for (const job of this.queue.splice(0)) job.resolve({ equivalent: false, reason: "verifier closed" });
    await Promise.all(this.slots.map((s) => s.close()));
  }
}
