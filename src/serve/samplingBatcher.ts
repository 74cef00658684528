// Concurrent sampling requests to one set of weights run as one batch: a batch starts once no new
// request has come for `gatherMs` (at most `maxGatherMs` after the first; a client's concurrent requests
// arrive a few ms apart over HTTP), while it decodes new requests queue, and the next batch takes every queued request with the same sampling
// parameters (up to `maxPrompts`). Each request keeps its own seed (LocalEngine.sampleSeeded), so what
// it draws does not depend on what it was batched with. A request may hear its tokens as they are
// decoded (streaming), while it decodes in the batch with the others.
import type { LocalEngine } from "../engine/local/localEngine.js";
import type { SampledSequence, SamplingParams } from "../engine/types.js";

interface Pending {
  prompt: number[];
  n: number;
  seed: number;
  params: SamplingParams;
  key: string;
  onToken?: (j: number, token: number, logprob: number) => void;
  resolve: (r: SampledSequence[]) => void;
  reject: (e: unknown) => void;
}

/** What a batcher samples from: a LocalEngine's weights (tests give a stand-in). */
export type SamplingWeights = Pick<LocalEngine, "info" | "sampleSeeded" | "computeLogprobs">;

const paramsKey = (p: SamplingParams, n: number) =>
  JSON.stringify([n, p.maxTokens, p.temperature, p.topK, p.topP, p.stopTokens ?? []]);

export class SamplingBatcher {
  private readonly queue: Pending[] = [];
  private running = false;
  /** Batches run so far and the requests in them (for tests and the bench). */
  readonly stats = { batches: 0, requests: 0 };

  constructor(
    /** The weights sampled (also scores prompt log-probs). */
    readonly engine: SamplingWeights,
    private readonly maxPrompts = 64,
    private readonly gatherMs = 10,
    private readonly maxGatherMs = 100,
  ) {}

  private lastArrival = 0;

  /** n samples of `prompt`; `onToken` hears sample j's tokens as they are decoded. */
  sample(
    prompt: number[],
    n: number,
    params: SamplingParams,
    seed: number,
    onToken?: (j: number, token: number, logprob: number) => void,
  ): Promise<SampledSequence[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ prompt, n, seed, params, key: paramsKey(params, n), onToken, resolve, reject });
      this.lastArrival = performance.now();
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const first = performance.now();
      for (;;) {
        const quiet = performance.now() - this.lastArrival;
        if (quiet >= this.gatherMs || performance.now() - first >= this.maxGatherMs) break;
        await new Promise((r) => setTimeout(r, this.gatherMs - quiet));
      }
      while (this.queue.length > 0) {
        const key = this.queue[0].key;
        const batch: Pending[] = [];
        for (let i = 0; i < this.queue.length && batch.length < this.maxPrompts; ) {
          if (this.queue[i].key === key) batch.push(...this.queue.splice(i, 1));
          else i++;
        }
        this.stats.batches++;
        this.stats.requests += batch.length;
        try {
          const out = await this.engine.sampleSeeded(
            batch.map((b) => b.prompt),
            batch[0].n,
            batch[0].params,
            batch.map((b) => b.seed),
            (p, j, token, logprob) => batch[p].onToken?.(j, token, logprob),
          );
          batch.forEach((b, i) => {
            b.resolve(out[i]);
          });
        } catch (err) {
          // one bad request must not fail the others: run them alone to find it
          if (batch.length === 1) batch[0].reject(err);
          else
            for (const b of batch)
              await this.engine
                .sampleSeeded([b.prompt], b.n, b.params, [b.seed], (_p, j, token, lp) =>
                  b.onToken?.(j, token, lp),
                )
                .then(
                  (r) => b.resolve(r[0]),
                  (e) => b.reject(e),
                );
        }
      }
    } finally {
      this.running = false;
    }
  }
}
