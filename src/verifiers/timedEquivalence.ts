/**
 * Runs the algebra path in a worker thread under a time budget that bounds the whole call: the
 * clock of a comparison starts when a worker takes it, so a worker's start-up (loading the algebra
 * system, about a second) counts against it, and at the deadline the answer is "timeout" (never
 * equivalent) and the worker is terminated and replaced. One adversarial answer (`\pi^{100000!}`)
 * therefore blocks a caller for at most the budget, cold start included. Calls queued behind
 * others of the same checker wait for a free worker first (give it more `workers` for concurrent
 * callers).
 *
 * Each slot keeps a spare worker, started only once its active worker is ready (two cold starts at
 * once would halve the speed of the one that is needed now), so that after a timeout the next
 * comparison does not pay a cold start.
 */

import type { Worker } from "node:worker_threads";
import type { EquivalenceRequest, EquivalenceResponse } from "./equivalenceWorker.js";
import type { Decision } from "./mathEquivalence.js";
import type { NormalizedAnswer } from "./normalize.js";
import { startSiblingWorker } from "./siblingModule.js";
import { DEFAULT_TOLERANCE, type TolerancePolicy } from "./tolerance.js";

export const DEFAULT_TIMEOUT_MS = 2000;

export interface TimedEquivalenceOptions {
  /** Budget of a call in milliseconds, worker start-up included (default 2000). */
  timeoutMs?: number;
  /** Keep a started spare worker per slot for after a timeout (default true; a one-shot caller saves the CPU). */
  spareWorker?: boolean;
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
  private active: StartedWorker | undefined;
  private spare: StartedWorker | undefined;
  /** The job in hand, its deadline timer, and whether the worker has been given it. */
  private current: { job: Job; timer: NodeJS.Timeout; sent: boolean } | undefined;
  private readyWaiters: (() => void)[] = [];

  constructor(
    private readonly owner: TimedEquivalenceChecker,
    private readonly timeoutMs: number,
    private readonly policy: TolerancePolicy,
    private readonly keepSpare: boolean,
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
      if ("ready" in msg) {
        started.ready = true;
        if (started === this.active) this.onActiveReady();
        return;
      }
      if (started === this.active) this.onAnswer(msg);
    });
    worker.on("error", (error) => this.onFailure(started, `evaluation worker failed: ${error.message}`));
    worker.on("exit", (code) => this.onFailure(started, `evaluation worker exited (${code})`));
    worker.unref();
    return started;
  }

  /** The active worker, started if there is none: the spare when there is one. */
  private ensureActive(): StartedWorker {
    if (this.active === undefined) {
      this.active = this.spare ?? this.spawn();
      this.spare = undefined;
      if (this.active.ready) this.onActiveReady();
    }
    return this.active;
  }

  private onActiveReady(): void {
    // The spare starts only now, so that it does not slow down the start of the one needed now.
    if (this.keepSpare && this.spare === undefined) this.spare = this.spawn();
    for (const resolve of this.readyWaiters.splice(0)) resolve();
    if (this.current === undefined) this.active?.worker.unref();
    else if (!this.current.sent) this.send();
  }

  /** Resolves once a worker of this slot is ready to compare. */
  warmUp(): Promise<void> {
    const active = this.ensureActive();
    if (active.ready) return Promise.resolve();
    active.worker.ref(); // someone waits for it: keep the process alive until it is ready
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  run(job: Job): void {
    const active = this.ensureActive();
    // The deadline runs from now: a cold start of the worker is part of the call.
    const timer = setTimeout(() => this.onTimeout(), this.timeoutMs);
    this.current = { job, timer, sent: false };
    active.worker.ref();
    if (active.ready) this.send();
  }

  private send(): void {
    const current = this.current!;
    current.sent = true;
    const { job } = current;
    const request: EquivalenceRequest = { id: job.id, gold: job.gold, pred: job.pred, policy: this.policy };
    this.active!.worker.postMessage(request);
  }

  private finish(decision: Decision): void {
    const current = this.current;
    if (current === undefined) return;
    clearTimeout(current.timer);
    this.current = undefined;
    this.active?.worker.unref();
    current.job.resolve(decision);
    this.owner.pump();
  }

  private onAnswer(msg: Exclude<EquivalenceResponse, { ready: true }>): void {
    if (this.current?.job.id === msg.id) this.finish({ equivalent: msg.equivalent, reason: msg.reason });
  }

  private onTimeout(): void {
    const current = this.current;
    if (current === undefined) return;
    // A worker that is computing cannot be interrupted from outside but by terminating it. One that
    // is still starting is kept: its start-up is not the answer's fault, and the next call needs it.
    if (current.sent && this.active !== undefined) {
      const stuck = this.active;
      this.active = undefined;
      void stuck.worker.terminate();
    }
    this.finish({ equivalent: false, reason: "timeout" });
  }

  private onFailure(started: StartedWorker, reason: string): void {
    if (started === this.spare) this.spare = undefined;
    if (started !== this.active) return;
    this.active = undefined;
    for (const resolve of this.readyWaiters.splice(0)) resolve(); // a failed start ends the wait too
    this.finish({ equivalent: false, reason });
  }

  async close(): Promise<void> {
    const workers = [this.active, this.spare].filter((w): w is StartedWorker => w !== undefined);
    this.active = undefined;
    this.spare = undefined;
    for (const resolve of this.readyWaiters.splice(0)) resolve();
    if (this.current) this.finish({ equivalent: false, reason: "verifier closed" });
    await Promise.all(workers.map((w) => w.worker.terminate()));
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
    const spare = options.spareWorker ?? true;
    this.slots = Array.from(
      { length: count },
      () => new EquivalenceWorkerSlot(this, this.timeoutMs, policy, spare),
    );
  }

  compare(gold: NormalizedAnswer, pred: NormalizedAnswer): Promise<Decision> {
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, gold, pred, resolve });
      this.pump();
    });
  }

  /** Starts the workers and resolves when they are ready (so that a measurement leaves start-up out). */
  async warmUp(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.warmUp()));
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
