// The order in which onnxruntime runs an exported graph, and the bytes its tensors hold at the peak,
// predicted from the traced graph. onnxruntime's default order (GraphViewer) walks back depth-first from the
// nodes nobody reads, the last-numbered first, visiting each node's inputs last-numbered first, and runs each
// node when its walk leaves it; nodes are numbered as exportOnnx writes them (topologicalNodes of the outputs,
// which walks the last-declared output first).
// So which of two readers of a tensor runs first, and how long the tensor lives, depends on the order of the
// graph's outputs: localEngine.ts declares a training graph's outputs so that its backward pass frees early,
// and its tests check that here. Not modelled: onnxruntime's rewrites of the graph and its in-place reuse of
// buffers. A tensor lives from its node to its last reader; graph outputs and inputs are the caller's arrays, a
// reshape or stopGradient is a view, and an accumulating Gemm (onnxExport.ts) allocates nothing.
import { type DType, type Graph, type Node, type Tensor, topologicalNodes } from "./graph.js";
import { accumulatingGemms } from "./onnxExport.js";

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, int64: 8, bool: 1 };

/** The graph's nodes in the order onnxruntime runs them. */
export function onnxruntimeOrder(graph: Graph): Node[] {
  const nodes = topologicalNodes(graph.outputs.map((o) => o.tensor));
  const number = new Map(nodes.map((n, i) => [n, i]));
  const producer = new Map(nodes.map((n) => [n.output.id, n]));
  const read = new Set(nodes.flatMap((n) => n.inputs.map((t) => producer.get(t.id))));
  const stack: [Node, boolean][] = nodes.filter((n) => !read.has(n)).map((n) => [n, false]);
  const visited = new Set<Node>();
  const order: Node[] = [];
  while (stack.length > 0) {
    const [n, leaving] = stack.pop()!;
    if (leaving) {
      order.push(n);
      continue;
    }
    if (visited.has(n)) continue;
    visited.add(n);
    stack.push([n, true]);
    const inputs = [...new Set(n.inputs.map((t) => producer.get(t.id)))].filter((p) => p !== undefined);
    inputs.sort((p, q) => number.get(p)! - number.get(q)!);
    for (const p of inputs) if (!visited.has(p)) stack.push([p, false]);
  }
  return order;
}

/** The most bytes that the graph's own tensors hold at once in that order, and the node where it happens. */
export function peakLiveBytes(graph: Graph): { bytes: number; node: Node } {
  const order = onnxruntimeOrder(graph);
  const outputs = new Map(graph.outputs.map((o) => [o.tensor.id, o.name]));
  const producer = new Map(order.map((n) => [n.output.id, n]));
  const fused = accumulatingGemms(order, outputs).matmuls;
  // the tensor whose buffer a tensor uses
  const owner = (t: Tensor): number => {
    const p = producer.get(t.id);
    return p && (p.op === "Reshape" || p.op === "StopGradient") ? owner(p.inputs[0]) : t.id;
  };
  const lastRead = new Map<number, number>();
  order.forEach((n, i) => {
    for (const t of n.inputs) lastRead.set(owner(t), i);
  });
  let live = 0;
  let peak = { bytes: 0, node: order[0] };
  const alive = new Map<number, number>();
  order.forEach((n, i) => {
    const id = n.output.id;
    if (owner(n.output) === id && !outputs.has(id) && !fused.has(id)) {
      const bytes = n.output.size * BYTES[n.output.dtype];
      alive.set(id, bytes);
      live += bytes;
      if (live > peak.bytes) peak = { bytes: live, node: n };
    }
    for (const t of [...n.inputs, n.output]) {
      const o = owner(t);
      if (alive.has(o) && (lastRead.get(o) ?? -1) <= i) {
        live -= alive.get(o)!;
        alive.delete(o);
      }
    }
  });
  return peak;
}
