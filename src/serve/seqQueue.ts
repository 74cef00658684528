// Requests of one Tinker model run in seq_id order (the SDK numbers a training client's requests 1, 2, …
// and may send chunks of one batch in parallel, the first last). A seq_id seen before is answered with
// the first submission's request id when the payload is the same (a client retrying), and refused
// otherwise; a request without a seq_id runs after those already queued.
import { UserError } from "./futureStore.js";

interface Waiting {
  run: () => void;
}

export class SeqQueue {
  private next = 1;
  private readonly waiting = new Map<number, Waiting>();
  private readonly seen = new Map<number, { digest: string; requestId: string }>();
  private chain: Promise<unknown> = Promise.resolve();

  /**
   * Queues `work` as request `seqId` (undefined: at the end); returns the request id and the promise of
   * its result. `start(promise)` turns the result promise into a request id (a future).
   */
  submit<T>(
    seqId: number | undefined,
    digest: string,
    work: () => Promise<T>,
    start: (result: Promise<T>) => string,
  ): string {
    if (seqId !== undefined) {
      if (!Number.isInteger(seqId) || seqId < 1)
        throw new UserError(`seq_id must be an integer ≥ 1, got ${seqId}`);
      const prior = this.seen.get(seqId);
      if (prior) {
        if (prior.digest === digest) return prior.requestId;
        throw new UserError(`seq_id ${seqId} was already used by a different request`);
      }
      if (seqId < this.next) throw new UserError(`seq_id ${seqId} is below the next expected ${this.next}`);
    }
    let resolveRun!: () => void;
    const ready = new Promise<void>((r) => {
      resolveRun = r;
    });
    const result = ready.then(() => {
      const p = this.chain.then(work);
      this.chain = p.catch(() => undefined);
      return p;
    });
    const requestId = start(result);
    if (seqId === undefined) {
      resolveRun();
      return requestId;
    }
    this.seen.set(seqId, { digest, requestId });
    this.waiting.set(seqId, { run: resolveRun });
    while (this.waiting.has(this.next)) {
      this.waiting.get(this.next)!.run();
      this.waiting.delete(this.next);
      this.next++;
    }
    return requestId;
  }
}
