// Reverse-mode automatic differentiation over a traced graph: one vector-Jacobian product rule
// per op, applied in reverse topological order; the backward nodes are appended to the same
// graph, so forward and backward export as one ONNX model. Broadcasting is undone by summing
// the incoming gradient over the broadcast axes (unbroadcast).
import { type Node, type Shape, sameShape, type Tensor, topologicalNodes } from "./graph.js";
import * as op from "./ops.js";

/** Returns the input gradients of one node given its output gradient g (null = not needed). */
type VjpRule = (node: Node, g: Tensor, needs: (i: number) => boolean) => (Tensor | null)[];

/** Sums g over the axes that broadcasting stretched, so that the result has `shape`. */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  return op.reshape(op.reduceSum(g, axes, false), shape);
}

/** Keeps g where mask (bool) is true, 0 elsewhere. */
function keepWhere(mask: Tensor, g: Tensor): Tensor {
  return op.where(mask, g, g.graph.scalar(0, g.dtype));
}

/** The broadcast-back of a reduction's gradient: reinsert the reduced axes and expand. */
function expandReduced(node: Node, g: Tensor): Tensor {
  const x = node.inputs[0];
  const axes = node.attrs.axes as number[];
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return op.expand(op.reshape(g, kept), x.shape);
}

/**
 * A forward tensor as a rule reads it: SwiGLU's output ([tokens, intermediate], the largest a layer keeps)
 * recomputed from its inputs, which SwiGLU's own rule keeps anyway, so that it is freed after the forward
 * pass. Written a·σ(a)·b, the same floats as the forward pass's QuickGelu(a)·b, in a form onnxruntime does not
 * merge with it (its σ(a) and a·σ(a) are merged with SwiGLU's rule's instead).
 */
function forwardValue(t: Tensor): Tensor {
  if (t.source.kind !== "node" || t.source.node.op !== "SwiGLU") return t;
  const [a, b] = t.source.node.inputs;
  return op.mul(op.mul(a, op.sigmoid(a)), b);
}

const rules: Record<string, VjpRule> = {
  // d(a+b) = da + db
  Add: ({ inputs: [a, b] }, g) => [unbroadcast(g, a.shape), unbroadcast(g, b.shape)],
  // d(a−b) = da − db
  Sub: ({ inputs: [a, b] }, g, needs) => [
    unbroadcast(g, a.shape),
    needs(1) ? unbroadcast(op.neg(g), b.shape) : null,
  ],
  // d(ab) = b·da + a·db
  Mul: ({ inputs: [a, b] }, g, needs) => [
    needs(0) ? unbroadcast(op.mul(g, b), a.shape) : null,
    needs(1) ? unbroadcast(op.mul(g, a), b.shape) : null,
  ],
  // d(a/b) = da/b − (a/b)·db/b
  Div: ({ inputs: [a, b], output }, g, needs) => [
    needs(0) ? unbroadcast(op.div(g, b), a.shape) : null,
    needs(1) ? unbroadcast(op.neg(op.div(op.mul(g, output), b)), b.shape) : null,
  ],
  // min(a,b): the gradient goes to a where a ≤ b, else to b
  Min: ({ inputs: [a, b] }, g) => {
    const bLess = op.less(b, a);
    return [
      unbroadcast(op.where(bLess, g.graph.scalar(0, g.dtype), g), a.shape),
      unbroadcast(keepWhere(bLess, g), b.shape),
    ];
  },
  // max(a,b): the gradient goes to a where a ≥ b, else to b
  Max: ({ inputs: [a, b] }, g) => {
    const aLess = op.less(a, b);
    return [
      unbroadcast(op.where(aLess, g.graph.scalar(0, g.dtype), g), a.shape),
      unbroadcast(keepWhere(aLess, g), b.shape),
    ];
  },
  // d(−x) = −dx
  Neg: (_, g) => [op.neg(g)],
  // d(eˣ) = eˣ·dx
  Exp: ({ output }, g) => [op.mul(g, output)],
  // d(ln x) = dx/x
  Log: ({ inputs: [x] }, g) => [op.div(g, x)],
  // d√x = dx / (2√x)
  Sqrt: ({ output }, g) => [op.div(op.mul(g, 0.5), output)],
  // d(1/x) = −dx/x² = −(1/x)²·dx
  Reciprocal: ({ output }, g) => [op.neg(op.mul(g, op.mul(output, output)))],
  // dσ = σ(1−σ)·dx
  Sigmoid: ({ output }, g) => [op.mul(g, op.mul(output, op.sub(1, output)))],
  // clip passes the gradient where lo ≤ x ≤ hi (torch.clamp's convention at the bounds)
  Clip: ({ inputs: [x], attrs }, g) => {
    const zero = g.graph.scalar(0, g.dtype);
    const outside = op.where(op.less(x, attrs.lo as number), zero, g);
    return [op.where(op.less(attrs.hi as number, x), zero, outside)];
  },
  StopGradient: () => [null],
  // x passes through; the tensors it waits for get no gradient
  After: ({ inputs }, g) => [g, ...inputs.slice(1).map(() => null)],
  // float→float casts pass the gradient back in the source dtype
  Cast: ({ inputs: [x] }, g) => [x.isFloat ? op.cast(g, x.dtype) : null],
  Less: () => [null, null],
  // where(c, a, b): the gradient goes to a where c, to b elsewhere
  Where: ({ inputs: [c, a, b] }, g, needs) => {
    const zero = g.graph.scalar(0, g.dtype);
    return [
      null,
      needs(1) ? unbroadcast(op.where(c, g, zero), a.shape) : null,
      needs(2) ? unbroadcast(op.where(c, zero, g), b.shape) : null,
    ];
  },
  // C = op(A)·op(B): dA = g·op(B)ᵀ (transposed back if transA), dB = op(A)ᵀ·g (transposed back if transB)
  MatMul: ({ inputs: [a, b], attrs }, g, needs) => {
    const tA = attrs.transA as boolean;
    const tB = attrs.transB as boolean;
    let ga: Tensor | null = null;
    let gb: Tensor | null = null;
    if (needs(0)) {
      const B = forwardValue(b);
      ga = tA ? op.matmul(B, g, { transA: tB, transB: true }) : op.matmul(g, B, { transB: !tB });
      ga = unbroadcast(ga, a.shape);
    }
    if (needs(1)) {
      const A = forwardValue(a);
      gb = tB ? op.matmul(g, A, { transA: true, transB: tA }) : op.matmul(A, g, { transA: !tA });
      gb = unbroadcast(gb, b.shape);
    }
    return [ga, gb];
  },
  Reshape: ({ inputs: [x] }, g) => [op.reshape(g, x.shape)],
  // the inverse permutation
  Transpose: ({ attrs }, g) => {
    const perm = attrs.perm as number[];
    const inv = perm.map((_, i) => perm.indexOf(i));
    return [op.transpose(g, inv)];
  },
  Expand: ({ inputs: [x] }, g) => [unbroadcast(g, x.shape)],
  // each input gets its slice of g
  Concat: ({ inputs, attrs }, g) => {
    const axis = attrs.axis as number;
    let start = 0;
    return inputs.map((x) => {
      const part = op.slice(g, axis, start, start + x.shape[axis]);
      start += x.shape[axis];
      return part;
    });
  },
  // g padded with zeros where the slice cut
  Slice: ({ inputs: [x], attrs }, g) => {
    const axis = attrs.axis as number;
    return [op.pad(g, axis, attrs.start as number, x.shape[axis] - (attrs.end as number))];
  },
  // the unpadded part of g
  Pad: ({ inputs: [x], attrs }, g) => {
    const axis = attrs.axis as number;
    const before = attrs.before as number;
    return [op.slice(g, axis, before, before + x.shape[axis])];
  },
  // every summed element receives g
  ReduceSum: (node, g) => [expandReduced(node, g)],
  // every averaged element receives g/count
  ReduceMean: (node, g) => {
    const x = node.inputs[0];
    const count = (node.attrs.axes as number[]).reduce((n, a) => n * x.shape[a], 1);
    return [op.div(expandReduced(node, g), count)];
  },
  // y = softmax(x): dx = y ⊙ (g − Σ g⊙y)
  Softmax: ({ output: y }, g) => [op.mul(y, op.sub(g, op.reduceSum(op.mul(g, y), [-1], true)))],
  // y = log-softmax(x): dx = g − softmax(x)·Σg = g − eʸ·Σg
  LogSoftmax: ({ output: y }, g) => [op.sub(g, op.mul(op.exp(y), op.reduceSum(g, [-1], true)))],
  // y = m·b, m = a·σ(a): db = g·m, da = (g·b)·σ + ((g·b)·a)·(σ·(1 − σ)), σ recomputed from a: the unfused
  // Mul, Mul and Sigmoid rules' expressions (the same floats to the bit), operands in the order that
  // measured the lowest peak (bench/memoryProbe.ts 6 lora 1: 1,372 MiB; in the order written here, 1,425)
  SwiGLU: ({ inputs: [a, b] }, g, needs) => {
    const s = op.sigmoid(a);
    const gm = op.mul(b, g);
    return [
      needs(0) ? op.add(op.mul(op.mul(s, op.sub(1, s)), op.mul(a, gm)), op.mul(s, gm)) : null,
      needs(1) ? op.mul(op.mul(a, s), g) : null,
    ];
  },
  // y = [lp, H] with lp = logp[target], H = −Σ p·logp, logp = log-softmax(z), p = e^logp:
  // dz = g_lp·(onehot − p) − g_H·p⊙(logp + H) = g_lp·onehot − p⊙(g_lp + g_H·(logp + H))
  TargetLogprobEntropy: ({ inputs: [z, targets], output }, g) => {
    const gLp = op.slice(g, 1, 0, 1);
    const gH = op.slice(g, 1, 1, 2);
    const logp = op.logSoftmax(z);
    const inner = op.add(op.mul(op.add(logp, op.slice(output, 1, 1, 2)), gH), gLp);
    return [op.sub(op.scatterLast(gLp, targets, z.shape[1]), op.mul(op.exp(logp), inner)), null];
  },
  // y = x·r·w, r = (mean(x²) + ε)^−½ over the last axis (D features):
  // dx = r·(g⊙w) − x·r³·mean((g⊙w)⊙x), dw = Σ_rows g⊙x·r
  RMSNorm: ({ inputs: [x, w], attrs }, g, needs) => {
    const r = op.reciprocal(op.sqrt(op.add(op.reduceMean(op.mul(x, x), [-1], true), attrs.eps as number)));
    let gx: Tensor | null = null;
    if (needs(0)) {
      const gw = op.mul(g, w);
      const r3 = op.mul(op.mul(r, r), r);
      gx = op.sub(op.mul(gw, r), op.mul(x, op.mul(r3, op.reduceMean(op.mul(gw, x), [-1], true))));
    }
    return [gx, needs(1) ? unbroadcast(op.mul(op.mul(g, x), r), w.shape) : null];
  },
  // rows gathered from the table receive their gradients, summed over repeats
  Gather: ({ inputs: [table, idx] }, g) => [op.scatterAddRows(g, idx, table.shape[0]), null],
  GatherElements: ({ inputs: [x, idx] }, g) => [op.scatterLast(g, idx, x.shape[x.rank - 1]), null],
  // adjoint of a scatter is the gather at the same indices
  ScatterAddRows: ({ inputs: [, idx] }, g) => [op.gather(g, idx), null],
  ScatterLast: ({ inputs: [, idx] }, g) => [op.gatherLast(g, idx), null],
};

/** The ops that have a VJP rule (for tests that check every op is covered). */
export const differentiableOps: readonly string[] = Object.keys(rules);

/**
 * Appends the backward pass of `y` to its graph and returns d(seed·y)/d(x) for each x in `wrt`.
 * Without `seed`, y must be a scalar (shape [] or one element) and the seed is 1.
 */
export function gradients(y: Tensor, wrt: readonly Tensor[], seed?: Tensor): Tensor[] {
  const graph = y.graph;
  if (seed === undefined) {
    if (y.size !== 1) throw new Error(`gradients: ${y} is not a scalar; pass a seed of its shape`);
    seed = op.expand(graph.scalar(1, y.dtype), y.shape);
  } else if (!sameShape(seed.shape, y.shape) || seed.dtype !== y.dtype) {
    throw new Error(`gradients: seed ${seed} does not match ${y}`);
  }
  const nodes = topologicalNodes([y]);
  // Forward sweep: which tensors depend on a wrt tensor (only those need gradients); nothing past a
  // StopGradient does, so no backward node is made for what is computed from its output.
  const live = new Set<number>(wrt.map((t) => t.id));
  for (const n of nodes) {
    if (n.op !== "StopGradient" && n.inputs.some((t) => live.has(t.id)) && n.output.isFloat)
      live.add(n.output.id);
  }
  const pending = new Map<number, Tensor[]>();
  const accumulate = (t: Tensor, g: Tensor) => {
    if (!sameShape(g.shape, t.shape)) throw new Error(`gradients: rule produced ${g} for ${t}`);
    const list = pending.get(t.id);
    if (list) list.push(g);
    else pending.set(t.id, [g]);
  };
  const total = (t: Tensor): Tensor | undefined => {
    const list = pending.get(t.id);
    if (!list) return undefined;
    const sum = list.reduce((acc, g) => op.add(acc, g));
    pending.set(t.id, [sum]);
    return sum;
  };
  accumulate(y, seed);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i];
    if (!live.has(node.output.id)) continue;
    const g = total(node.output);
    if (g === undefined) continue;
    const rule = rules[node.op];
    if (!rule) throw new Error(`gradients: no VJP rule for op ${node.op} (producing ${node.output})`);
    const needs = (k: number) => live.has(node.inputs[k].id);
    const grads = rule(node, g, needs);
    grads.forEach((gi, k) => {
      if (gi !== null && needs(k)) accumulate(node.inputs[k], gi);
    });
  }
  return wrt.map((x) => total(x) ?? op.expand(graph.scalar(0, x.dtype), x.shape));
}
