// AdamW over named Float32Array parameters, updated in place.
// Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization", as torch.optim.AdamW computes it:
//   p ← p − lr·wd·p;  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
//   p ← p − lr · m̂ / (√v̂ + ε),  m̂ = m / (1−β1^t),  v̂ = v / (1−β2^t).
// Gradients are first clipped by their global L2 norm (torch.nn.utils.clip_grad_norm_):
//   g ← g · min(1, maxNorm / (‖g‖ + 1e-6)).
// The per-element work is adamwKernel.ts, run here or, for a large model, on worker threads (adamwThreads.ts).
import type { AdamParams } from "../types.js";
import { type AdamWCoefficients, adamwUpdate, sumOfSquares } from "./adamwKernel.js";
import { AdamWThreads, type GradRange, type ParamRange } from "./adamwThreads.js";
import { largeFloat32Array } from "./hugePages.js";

export interface AdamState {
  step: number;
  m: Map<string, Float32Array>;
  v: Map<string, Float32Array>;
}

export interface AdamStepResult {
  /** Global L2 norm of the gradients before clipping. */
  gradNorm: number;
  /** Whether clipping scaled the gradients down. */
  clipped: boolean;
  /** The gradients held NaN or ±Inf: nothing was applied (weights, moments and step count unchanged). */
  skipped: boolean;
}

export interface AdamWOptions {
  /** Threads for a step over at least `parallelMinElements` values (default 1: the calling thread only). */
  threads?: number;
  /** Default 2^22 (16 MiB of float32): below it, starting the threads costs more than it saves. */
  parallelMinElements?: number;
  /** Elements per unit of work (default 2^20); the gradient norm is summed per unit, in order. */
  blockElements?: number;
}

function checkParams(params: ReadonlyMap<string, Float32Array>, p: AdamParams): void {
  const bad = (field: keyof AdamParams, why: string) => {
    throw new Error(`AdamW: ${field} = ${p[field]} ${why}`);
  };
  if (!(p.learningRate >= 0)) bad("learningRate", "must be ≥ 0");
  if (!(p.beta1 >= 0 && p.beta1 < 1)) bad("beta1", "must be in [0, 1)");
  if (!(p.beta2 >= 0 && p.beta2 < 1)) bad("beta2", "must be in [0, 1)");
  if (!(p.eps >= 0)) bad("eps", "must be ≥ 0");
  if (!(p.weightDecay >= 0)) bad("weightDecay", "must be ≥ 0");
  if (!(p.gradClipNorm >= 0)) bad("gradClipNorm", "must be ≥ 0 (0 turns clipping off)");
  if (params.size === 0) throw new Error("AdamW: no parameters");
}

export class AdamW {
  private readonly params: ReadonlyMap<string, Float32Array>;
  private m = new Map<string, Float32Array>();
  private v = new Map<string, Float32Array>();
  private t = 0;
  private readonly threads: AdamWThreads | null;
  private readonly parallelMinElements: number;
  private readonly blockElements: number;
  /** Values in all parameters. */
  private readonly paramElements: number;

  /**
   * `params` are updated in place by `step`. The moments of a parameter are allocated at its first
   * update (zeros, as torch's lazy state), so an engine that never trains (a frozen reference) holds none.
   */
  constructor(params: ReadonlyMap<string, Float32Array>, options: AdamWOptions = {}) {
    this.params = params;
    const threads = options.threads ?? 1;
    this.threads = threads > 1 ? new AdamWThreads(threads) : null;
    this.parallelMinElements = options.parallelMinElements ?? 2 ** 22;
    this.blockElements = options.blockElements ?? 2 ** 20;
    this.paramElements = [...params.values()].reduce((n, p) => n + p.length, 0);
  }

  /**
   * Starts the worker threads now when the parameters are many enough to use them, so that they load
   * while other work runs (a forward-backward pass) rather than during the first step.
   */
  prepare(): void {
    if (this.paramElements >= this.parallelMinElements) this.threads?.start();
  }

  /** Stops the worker threads, if any were started. */
  async close(): Promise<void> {
    await this.threads?.close();
  }

  /** The moments of `name`, allocated (zeros) on first use. */
  private moments(name: string): { m: Float32Array; v: Float32Array } {
    let m = this.m.get(name);
    let v = this.v.get(name);
    if (!m || !v) {
      const n = this.params.get(name)!.length;
      m = largeFloat32Array(n);
      v = largeFloat32Array(n);
      this.m.set(name, m);
      this.v.set(name, v);
    }
    return { m, v };
  }

  /** Number of steps taken (t in the bias corrections). */
  get stepCount(): number {
    return this.t;
  }

  /**
   * One update. Every gradient must name a parameter and have its length; a parameter without a
   * gradient is left untouched this step (no decay, no moment update), as torch skips `grad=None`.
   * Gradients are not modified.
   */
  async step(grads: ReadonlyMap<string, Float32Array>, p: AdamParams): Promise<AdamStepResult> {
    checkParams(this.params, p);
    for (const [name, g] of grads) {
      const param = this.params.get(name);
      if (!param) throw new Error(`AdamW: gradient for unknown parameter "${name}"`);
      if (g.length !== param.length) {
        throw new Error(
          `AdamW: gradient "${name}" has ${g.length} values, the parameter has ${param.length}`,
        );
      }
    }
    // the units of work: blocks of each gradient, in the gradients' order
    const blocks: (GradRange & { name: string })[] = [];
    for (const [name, g] of grads)
      for (let start = 0; start < g.length; start += this.blockElements)
        blocks.push({ name, g, start, end: Math.min(g.length, start + this.blockElements) });
    const total = [...grads.values()].reduce((n, g) => n + g.length, 0);
    const threads = total >= this.parallelMinElements ? this.threads : null;

    // ‖g‖ = √(Σ_blocks Σ g²), the blocks summed in order whichever thread computed them
    const sums = threads
      ? await threads.sumsOfSquares(blocks)
      : blocks.map((b) => sumOfSquares(b.g, b.start, b.end));
    const gradNorm = Math.sqrt(sums.reduce((a, b) => a + b, 0));
    if (!Number.isFinite(gradNorm)) return { gradNorm, clipped: false, skipped: true };
    const clipped = p.gradClipNorm > 0 && gradNorm > p.gradClipNorm;

    this.t += 1;
    const { learningRate: lr, beta1, beta2, eps } = p;
    // lr·m̂/(√v̂+ε) = (lr/bc1) · m / (√v/√bc2 + ε)
    const c: AdamWCoefficients = {
      scale: clipped ? p.gradClipNorm / (gradNorm + 1e-6) : 1,
      beta1,
      beta2,
      decay: 1 - lr * p.weightDecay,
      stepSize: lr / (1 - beta1 ** this.t),
      invSqrtBc2: 1 / Math.sqrt(1 - beta2 ** this.t),
      eps,
    };
    const ranges: ParamRange[] = blocks.map((b) => ({
      ...b,
      ...this.moments(b.name),
      w: this.params.get(b.name)!,
    }));
    if (threads) await threads.update(ranges, c);
    else for (const r of ranges) adamwUpdate(r.w, r.g, r.m, r.v, c, r.start, r.end);
    return { gradNorm, clipped, skipped: false };
  }

  /** A copy of the optimizer state (zeros for a parameter never updated). */
  state(): AdamState {
    const copy = (src: Map<string, Float32Array>) =>
      new Map([...this.params].map(([k, p]) => [k, src.get(k)?.slice() ?? new Float32Array(p.length)]));
    return { step: this.t, m: copy(this.m), v: copy(this.v) };
  }

  /**
   * The live moments of every parameter (allocated now where a parameter was never updated; no copy:
   * 2 × the parameters' memory would be too much for a large model's checkpoint): read to write a
   * checkpoint, filled in place with `setStepCount` to restore one, only while no step runs.
   */
  liveMoments(): { m: ReadonlyMap<string, Float32Array>; v: ReadonlyMap<string, Float32Array> } {
    for (const name of this.params.keys()) this.moments(name);
    return { m: this.m, v: this.v };
  }

  /** Sets t (after the moments were restored in place through `liveMoments`). */
  setStepCount(step: number): void {
    if (!Number.isInteger(step) || step < 0) {
      throw new Error(`AdamW.setStepCount: step must be a non-negative integer, got ${step}`);
    }
    this.t = step;
  }

  /** Restores a state from `state()`; it must cover exactly these parameters with their sizes. */
  loadState(state: AdamState): void {
    if (!Number.isInteger(state.step) || state.step < 0) {
      throw new Error(`AdamW.loadState: step must be a non-negative integer, got ${state.step}`);
    }
    const m = new Map<string, Float32Array>();
    const v = new Map<string, Float32Array>();
    for (const [which, src, dst] of [
      ["m", state.m, m],
      ["v", state.v, v],
    ] as const) {
      for (const name of src.keys()) {
        if (!this.params.has(name))
          throw new Error(`AdamW.loadState: ${which} has unknown parameter "${name}"`);
      }
      for (const [name, param] of this.params) {
        const a = src.get(name);
        if (!a) throw new Error(`AdamW.loadState: ${which} is missing parameter "${name}"`);
        if (a.length !== param.length) {
          throw new Error(
            `AdamW.loadState: ${which} "${name}" has ${a.length} values, the parameter has ${param.length}`,
          );
        }
        dst.set(name, a.slice());
      }
    }
    this.m = m;
    this.v = v;
    this.t = state.step;
  }
}
