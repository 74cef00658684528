// The tracing API: each function checks its inputs, infers the output shape and records one
// node. The op names recorded here are the keys of the VJP rules (autodiff.ts) and of the ONNX
// lowering (onnxExport.ts). Shapes are concrete; a mistake is reported at trace time.
import { broadcastShapes, type DType, type Shape, sameShape, shapeSize, type Tensor } from "./graph.js";

type Operand = Tensor | number;

function normAxis(axis: number, rank: number, what: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`${what}: axis ${axis} out of range for rank ${rank}`);
  return a;
}

function requireFloat(t: Tensor, what: string): void {
  if (!t.isFloat) throw new Error(`${what}: expected a float tensor, got ${t}`);
}

/** Turns a number into a scalar constant of the other operand's dtype. */
function operands(a: Operand, b: Operand, what: string): [Tensor, Tensor] {
  if (typeof a === "number" && typeof b === "number") throw new Error(`${what}: two numbers`);
  const ta = typeof a === "number" ? (b as Tensor).graph.scalar(a, (b as Tensor).dtype) : a;
  const tb = typeof b === "number" ? ta.graph.scalar(b, ta.dtype) : b;
  if (ta.dtype !== tb.dtype) throw new Error(`${what}: dtypes differ: ${ta} and ${tb}`);
  return [ta, tb];
}

function binary(op: string, a: Operand, b: Operand): Tensor {
  const [ta, tb] = operands(a, b, op);
  requireFloat(ta, op);
  const shape = broadcastShapes(ta.shape, tb.shape, op);
  return ta.graph.addNode(op, [ta, tb], {}, shape, ta.dtype);
}

function unary(op: string, x: Tensor): Tensor {
  requireFloat(x, op);
  return x.graph.addNode(op, [x], {}, x.shape, x.dtype);
}

// ---- elementwise (numpy broadcasting) ----

/** a + b */
export const add = (a: Operand, b: Operand) => binary("Add", a, b);
/** a − b */
export const sub = (a: Operand, b: Operand) => binary("Sub", a, b);
/** a · b */
export const mul = (a: Operand, b: Operand) => binary("Mul", a, b);
/** a / b */
export const div = (a: Operand, b: Operand) => binary("Div", a, b);
/** min(a, b) elementwise */
export const minimum = (a: Operand, b: Operand) => binary("Min", a, b);
/** max(a, b) elementwise */
export const maximum = (a: Operand, b: Operand) => binary("Max", a, b);
/** −x */
export const neg = (x: Tensor) => unary("Neg", x);
/** eˣ */
export const exp = (x: Tensor) => unary("Exp", x);
/** ln x */
export const log = (x: Tensor) => unary("Log", x);
/** √x */
export const sqrt = (x: Tensor) => unary("Sqrt", x);
/** 1/x */
export const reciprocal = (x: Tensor) => unary("Reciprocal", x);
/** σ(x) = 1/(1+e^−x) */
export const sigmoid = (x: Tensor) => unary("Sigmoid", x);

/** min(max(x, lo), hi) with constant bounds. */
export function clip(x: Tensor, lo: number, hi: number): Tensor {
  requireFloat(x, "Clip");
  if (!(lo <= hi)) throw new Error(`Clip: lo ${lo} > hi ${hi}`);
  return x.graph.addNode("Clip", [x], { lo, hi }, x.shape, x.dtype);
}

/** Identity forward, zero gradient backward (torch's detach). */
export function stopGradient(x: Tensor): Tensor {
  return x.graph.addNode("StopGradient", [x], {}, x.shape, x.dtype);
}

/**
 * x, computed only after `deps` (an ordering edge, no data). onnxruntime orders nodes by a depth-first walk
 * back from the outputs, which runs two consumers of one tensor far apart when they lie on different paths;
 * a node that needs both keeps them together, so that the tensor is freed early.
 */
export function after(x: Tensor, deps: readonly Tensor[]): Tensor {
  if (deps.length === 0) return x;
  if (x.rank === 0 || deps.some((d) => d.rank === 0))
    throw new Error(`After: ${x} and its dependencies ${deps.join(", ")} need rank ≥ 1`);
  return x.graph.addNode("After", [x, ...deps], {}, x.shape, x.dtype);
}

/** a < b as bool (not differentiable). */
export function less(a: Operand, b: Operand): Tensor {
  const [ta, tb] = operands(a, b, "Less");
  return ta.graph.addNode("Less", [ta, tb], {}, broadcastShapes(ta.shape, tb.shape, "Less"), "bool");
}

/** Converts dtype (not differentiable except float→float). */
export function cast(x: Tensor, dtype: DType): Tensor {
  return x.graph.addNode("Cast", [x], { to: dtype }, x.shape, dtype);
}

/** cond ? a : b, elementwise with broadcasting. */
export function where(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  if (cond.dtype !== "bool") throw new Error(`Where: condition must be bool, got ${cond}`);
  if (a.dtype !== b.dtype) throw new Error(`Where: dtypes differ: ${a} and ${b}`);
  const shape = broadcastShapes(broadcastShapes(cond.shape, a.shape, "Where"), b.shape, "Where");
  return a.graph.addNode("Where", [cond, a, b], {}, shape, a.dtype);
}

// ---- linear algebra ----

export interface MatMulOptions {
  /** Use the transpose of the last two axes of a. */
  transA?: boolean;
  /** Use the transpose of the last two axes of b. */
  transB?: boolean;
}

/** op(a) @ op(b) over the last two axes; leading (batch) axes broadcast. Both ranks ≥ 2. */
export function matmul(a: Tensor, b: Tensor, opts: MatMulOptions = {}): Tensor {
  const transA = opts.transA ?? false;
  const transB = opts.transB ?? false;
  requireFloat(a, "MatMul");
  if (a.dtype !== b.dtype) throw new Error(`MatMul: dtypes differ: ${a} and ${b}`);
  if (a.rank < 2 || b.rank < 2) throw new Error(`MatMul: ranks must be ≥ 2, got ${a} and ${b}`);
  const [m, ka] = transA ? [a.shape[a.rank - 1], a.shape[a.rank - 2]] : a.shape.slice(-2);
  const [kb, n] = transB ? [b.shape[b.rank - 1], b.shape[b.rank - 2]] : b.shape.slice(-2);
  if (ka !== kb) {
    throw new Error(
      `MatMul: inner dimensions differ (${ka} vs ${kb}): ${a} transA=${transA}, ${b} transB=${transB}`,
    );
  }
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), "MatMul batch");
  return a.graph.addNode("MatMul", [a, b], { transA, transB }, [...batch, m, n], a.dtype);
}

// ---- shape ----

/** Reshape to `shape` (one entry may be −1). */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const known = shape.filter((d) => d !== -1);
  const fill = shape.length - known.length;
  if (fill > 1) throw new Error(`Reshape: more than one -1 in [${shape}]`);
  const out = shape.map((d) => (d === -1 ? x.size / shapeSize(known) : d));
  if (shapeSize(out) !== x.size || out.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`Reshape: cannot reshape ${x} to [${shape.join(",")}]`);
  }
  if (sameShape(out, x.shape)) return x;
  return x.graph.addNode("Reshape", [x], { shape: out }, out, x.dtype);
}

/** Permute axes: output axis i is input axis perm[i]. */
export function transpose(x: Tensor, perm: readonly number[]): Tensor {
  if (perm.length !== x.rank || [...perm].sort((p, q) => p - q).some((p, i) => p !== i)) {
    throw new Error(`Transpose: bad permutation [${perm}] for ${x}`);
  }
  if (perm.every((p, i) => p === i)) return x;
  return x.graph.addNode(
    "Transpose",
    [x],
    { perm: [...perm] },
    perm.map((p) => x.shape[p]),
    x.dtype,
  );
}

/** Broadcast x to `shape` (numpy rules; rank may grow). */
export function expand(x: Tensor, shape: Shape): Tensor {
  const out = broadcastShapes(x.shape, shape, "Expand");
  if (!sameShape(out, shape)) throw new Error(`Expand: ${x} does not broadcast to [${shape.join(",")}]`);
  if (sameShape(out, x.shape)) return x;
  return x.graph.addNode("Expand", [x], { shape: out }, out, x.dtype);
}

/** Concatenate along `axis`; all other dimensions equal. */
export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new Error("Concat: no inputs");
  const first = xs[0];
  const ax = normAxis(axis, first.rank, "Concat");
  let total = 0;
  for (const x of xs) {
    if (x.dtype !== first.dtype || x.rank !== first.rank)
      throw new Error(`Concat: ${x} differs from ${first}`);
    x.shape.forEach((d, i) => {
      if (i !== ax && d !== first.shape[i])
        throw new Error(`Concat: ${x} differs from ${first} off axis ${ax}`);
    });
    total += x.shape[ax];
  }
  if (xs.length === 1) return first;
  const shape = first.shape.map((d, i) => (i === ax ? total : d));
  return first.graph.addNode("Concat", xs, { axis: ax }, shape, first.dtype);
}

/** x[..., start:end, ...] along one axis. */
export function slice(x: Tensor, axis: number, start: number, end: number): Tensor {
  const ax = normAxis(axis, x.rank, "Slice");
  if (!(0 <= start && start <= end && end <= x.shape[ax])) {
    throw new Error(`Slice: [${start}, ${end}) out of range for axis ${ax} of ${x}`);
  }
  if (start === 0 && end === x.shape[ax]) return x;
  const shape = x.shape.map((d, i) => (i === ax ? end - start : d));
  return x.graph.addNode("Slice", [x], { axis: ax, start, end }, shape, x.dtype);
}

/** Zero-pads one axis: `before` zeros, x, `after` zeros. */
export function pad(x: Tensor, axis: number, before: number, after: number): Tensor {
  const ax = normAxis(axis, x.rank, "Pad");
  if (before === 0 && after === 0) return x;
  const shape = x.shape.map((d, i) => (i === ax ? d + before + after : d));
  return x.graph.addNode("Pad", [x], { axis: ax, before, after }, shape, x.dtype);
}

// ---- reductions ----

function reduce(op: string, x: Tensor, axes: readonly number[], keepdims: boolean): Tensor {
  requireFloat(x, op);
  const ax = [...new Set(axes.map((a) => normAxis(a, x.rank, op)))].sort((p, q) => p - q);
  if (ax.length === 0) return x;
  const shape = keepdims
    ? x.shape.map((d, i) => (ax.includes(i) ? 1 : d))
    : x.shape.filter((_, i) => !ax.includes(i));
  return x.graph.addNode(op, [x], { axes: ax, keepdims }, shape, x.dtype);
}

/** Σ over `axes`. */
export const reduceSum = (x: Tensor, axes: readonly number[], keepdims = false) =>
  reduce("ReduceSum", x, axes, keepdims);
/** mean over `axes`. */
export const reduceMean = (x: Tensor, axes: readonly number[], keepdims = false) =>
  reduce("ReduceMean", x, axes, keepdims);
/** max over `axes` (no gradient rule: used where no gradient flows). */
export const reduceMax = (x: Tensor, axes: readonly number[], keepdims = false) =>
  reduce("ReduceMax", x, axes, keepdims);
/** Σ of all elements, shape []. */
export const sumAll = (x: Tensor) =>
  reduceSum(
    x,
    x.shape.map((_, i) => i),
    false,
  );

/** softmax over the last axis: e^x / Σ e^x */
export function softmax(x: Tensor): Tensor {
  requireFloat(x, "Softmax");
  return x.graph.addNode("Softmax", [x], {}, x.shape, x.dtype);
}

/** log-softmax over the last axis: x − log Σ e^x */
export function logSoftmax(x: Tensor): Tensor {
  requireFloat(x, "LogSoftmax");
  return x.graph.addNode("LogSoftmax", [x], {}, x.shape, x.dtype);
}

/**
 * SwiGLU's gating, silu(a)·b with silu(a) = a·σ(a) (Shazeer 2020), a and b of one shape. One op, so that its
 * gradient (autodiff.ts) recomputes σ(a) rather than keep σ(a) and a·σ(a) for the backward pass.
 */
export function swiglu(a: Tensor, b: Tensor): Tensor {
  requireFloat(a, "SwiGLU");
  if (!sameShape(a.shape, b.shape) || a.dtype !== b.dtype)
    throw new Error(`SwiGLU: gate and up differ: ${a} and ${b}`);
  return a.graph.addNode("SwiGLU", [a, b], {}, a.shape, a.dtype);
}

/**
 * Per row of logits z [N, V]: the log-probability of the target (targets [N, 1]) and the entropy of
 * softmax(z), as [N, 2] = [log softmax(z)[target], −Σ_v p_v log p_v]. One op, so that its gradient
 * (autodiff.ts) is the closed form and keeps a single [N, V] tensor (the log-softmax) for the backward pass.
 */
export function targetLogprobEntropy(z: Tensor, targets: Tensor): Tensor {
  requireFloat(z, "TargetLogprobEntropy");
  requireIndex(targets, "TargetLogprobEntropy");
  if (z.rank !== 2 || !sameShape(targets.shape, [z.shape[0], 1]))
    throw new Error(`TargetLogprobEntropy: need z [N, V] and targets [N, 1], got ${z} and ${targets}`);
  return z.graph.addNode("TargetLogprobEntropy", [z, targets], {}, [z.shape[0], 2], z.dtype);
}

/**
 * RMS normalisation over the last axis with a per-feature scale: x / √(mean(x²) + ε) · w
 * (Zhang & Sennrich 2019; one fused ORT kernel, SimplifiedLayerNormalization).
 */
export function rmsNorm(x: Tensor, w: Tensor, eps: number): Tensor {
  requireFloat(x, "RMSNorm");
  if (w.rank !== 1 || w.shape[0] !== x.shape[x.rank - 1] || w.dtype !== x.dtype) {
    throw new Error(`RMSNorm: scale ${w} does not match the last axis of ${x}`);
  }
  return x.graph.addNode("RMSNorm", [x, w], { eps }, x.shape, x.dtype);
}

// ---- indexing ----

function requireIndex(idx: Tensor, what: string): void {
  if (idx.dtype !== "int32" && idx.dtype !== "int64")
    throw new Error(`${what}: indices must be int32/int64, got ${idx}`);
}

/** Rows of a table: out[i..., :] = table[idx[i...], :] (embedding lookup, axis 0). */
export function gather(table: Tensor, idx: Tensor): Tensor {
  requireIndex(idx, "Gather");
  if (table.rank < 1) throw new Error(`Gather: table must have rank ≥ 1, got ${table}`);
  return table.graph.addNode(
    "Gather",
    [table, idx],
    {},
    [...idx.shape, ...table.shape.slice(1)],
    table.dtype,
  );
}

/** out[..., j] = x[..., idx[..., j]] along the last axis (e.g. the target's logprob). */
export function gatherLast(x: Tensor, idx: Tensor): Tensor {
  requireIndex(idx, "GatherElements");
  if (idx.rank !== x.rank || !sameShape(idx.shape.slice(0, -1), x.shape.slice(0, -1))) {
    throw new Error(`GatherElements: indices ${idx} do not match ${x} on the leading axes`);
  }
  return x.graph.addNode("GatherElements", [x, idx], {}, idx.shape, x.dtype);
}

/** Zeros of `shape` with `updates` added at rows `idx` (the adjoint of gather). */
export function scatterAddRows(updates: Tensor, idx: Tensor, rows: number): Tensor {
  requireIndex(idx, "ScatterAddRows");
  const rowShape = updates.shape.slice(idx.rank);
  if (!sameShape(updates.shape.slice(0, idx.rank), idx.shape)) {
    throw new Error(`ScatterAddRows: updates ${updates} do not start with the index shape ${idx}`);
  }
  return updates.graph.addNode("ScatterAddRows", [updates, idx], {}, [rows, ...rowShape], updates.dtype);
}

/** Zeros of x's shape with `updates` placed at idx along the last axis (the adjoint of gatherLast). */
export function scatterLast(updates: Tensor, idx: Tensor, lastDim: number): Tensor {
  requireIndex(idx, "ScatterLast");
  if (!sameShape(updates.shape, idx.shape)) throw new Error(`ScatterLast: ${updates} and ${idx} differ`);
  const shape = [...idx.shape.slice(0, -1), lastDim];
  return updates.graph.addNode("ScatterLast", [updates, idx], {}, shape, updates.dtype);
}
