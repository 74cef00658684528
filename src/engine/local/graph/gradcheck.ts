// Gradient checking: the analytic gradient of L = Σ seed ⊙ f(x₀, x₁, …) from autodiff.ts, run by
// ORT, against central finite differences (L(x+h) − L(x−h)) / 2h of the same compiled graph.
// Used by the op tests (float64) and the whole-model check.
import { Rng } from "../../../core/rng.js";
import { gradients } from "./autodiff.js";
import { type DType, Graph, type Shape, shapeSize, type Tensor } from "./graph.js";
import { mul, sumAll } from "./ops.js";
import { CompiledGraph, type FeedArray } from "./runtime.js";

export interface GradCheckInput {
  shape: Shape;
  /** Values (default: uniform in [−1, 1) from the seed). */
  data?: Float64Array;
}

export interface GradCheckOptions {
  dtype?: DType;
  /** Finite-difference step (default 1e-6). */
  h?: number;
  seed?: number;
  /** Check at most this many elements per input, chosen at random (default: all). */
  maxElements?: number;
}

export interface GradCheckResult {
  /** max over checked elements of |analytic − numeric| / max(1, |numeric|). */
  maxError: number;
  /** Where the worst error is, e.g. "x1[3]: analytic 0.5, numeric 0.49". */
  worst: string;
  /** The op names in the traced graph (forward and backward). */
  ops: Set<string>;
  checked: number;
}

/** ∂loss/∂x[k] ≈ (L(x + h·e_k) − L(x − h·e_k)) / 2h of the compiled graph's "loss" output; x is restored. */
export async function centralDifference(
  compiled: CompiledGraph,
  feeds: Record<string, FeedArray>,
  x: Float32Array | Float64Array,
  k: number,
  h: number,
): Promise<number> {
  const orig = x[k];
  x[k] = orig + h;
  const plus = Number((await compiled.run(feeds)).loss[0]);
  x[k] = orig - h;
  const minus = Number((await compiled.run(feeds)).loss[0]);
  x[k] = orig;
  return (plus - minus) / (2 * h);
}

/**
 * The worst relative error |analytic − numeric| / max(1e-3, |numeric|) of a compiled graph's `grad:<name>`
 * outputs in `base` (its run at `feeds`) against central differences, over the elements `pick` chooses
 * of each named input (the model tests, whose inputs are named parameters).
 */
export async function namedGradientError(
  compiled: CompiledGraph,
  feeds: Record<string, FeedArray>,
  base: Record<string, FeedArray>,
  names: Iterable<string>,
  pick: (name: string, x: Float64Array) => readonly number[],
  h = 1e-6,
): Promise<{ maxError: number; worst: string; checked: number }> {
  let maxError = 0;
  let worst = "";
  let checked = 0;
  for (const name of names) {
    const x = feeds[name] as Float64Array;
    const analytic = base[`grad:${name}`] as Float64Array;
    for (const k of pick(name, x)) {
      const numeric = await centralDifference(compiled, feeds, x, k, h);
      const err = Math.abs(analytic[k] - numeric) / Math.max(1e-3, Math.abs(numeric));
      checked++;
      if (err > maxError)
        [maxError, worst] = [err, `${name}[${k}]: analytic ${analytic[k]}, numeric ${numeric}`];
    }
  }
  return { maxError, worst, checked };
}

function typed(dtype: DType, data: Float64Array): Float32Array | Float64Array {
  return dtype === "float64" ? Float64Array.from(data) : Float32Array.from(data);
}

export async function gradCheck(
  build: (xs: Tensor[]) => Tensor,
  inputs: readonly GradCheckInput[],
  options: GradCheckOptions = {},
): Promise<GradCheckResult> {
  const dtype = options.dtype ?? "float64";
  const h = options.h ?? 1e-6;
  const rng = new Rng(options.seed ?? 1);
  const g = new Graph();
  const xs = inputs.map((inp, i) => g.input(`x${i}`, inp.shape, dtype));
  const y = build(xs);
  const seedT = g.input("seed", y.shape, dtype);
  const loss = sumAll(mul(y, seedT));
  const grads = gradients(loss, xs);
  g.output("loss", loss);
  for (const [i, gr] of grads.entries()) g.output(`grad${i}`, gr);
  const ops = new Set<string>();
  for (const t of g.tensors) if (t.source.kind === "node") ops.add(t.source.node.op);
  const compiled = await CompiledGraph.compile(g);

  const values = inputs.map(
    (inp) => inp.data ?? Float64Array.from({ length: shapeSize(inp.shape) }, () => rng.next() * 2 - 1),
  );
  const feeds: Record<string, FeedArray> = {};
  values.forEach((v, i) => {
    feeds[`x${i}`] = typed(dtype, v);
  });
  feeds.seed = typed(
    dtype,
    Float64Array.from({ length: y.size }, () => rng.next() * 2 - 1),
  );
  const base = await compiled.run(feeds);
  let maxError = 0;
  let worst = "none";
  let checked = 0;
  for (let i = 0; i < inputs.length; i++) {
    const analytic = base[`grad${i}`];
    const x = feeds[`x${i}`] as Float32Array | Float64Array;
    const all = Array.from({ length: x.length }, (_, k) => k);
    const picks =
      options.maxElements && options.maxElements < x.length
        ? rng.shuffle(all).slice(0, options.maxElements)
        : all;
    for (const k of picks) {
      const numeric = await centralDifference(compiled, feeds, x, k, h);
      const a = Number(analytic[k]);
      const err = Math.abs(a - numeric) / Math.max(1, Math.abs(numeric));
      checked++;
      if (err > maxError || Number.isNaN(err)) {
        maxError = Number.isNaN(err) ? Number.POSITIVE_INFINITY : err;
        worst = `x${i}[${k}]: analytic ${a}, numeric ${numeric}`;
      }
    }
  }
  await compiled.release();
  return { maxError, worst, ops, checked };
}
