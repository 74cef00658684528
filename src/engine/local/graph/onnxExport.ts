// Lowers the part of a traced graph reachable from its outputs to an ONNX ModelProto (opset 17):
// one or a few ONNX nodes per traced op; shape arguments become int64 initializers, since every
// shape is concrete at trace time.
import { type DType, type Graph, type Node, sameShape, type Tensor, topologicalNodes } from "./graph.js";
import {
  ATTR_TYPE,
  type AttributeProto,
  ELEM_TYPE,
  encodeModel,
  IR_VERSION,
  type NodeProto,
  OPSET,
  type TensorProto,
  type ValueInfoProto,
} from "./onnxProto.js";

export interface ExportOptions {
  /**
   * Lower transposed batched float32 matmuls to com.microsoft FusedMatMul (ORT's CPU kernel has
   * transpose flags) instead of Transpose + MatMul. Default true. 2-D ones always become Gemm.
   */
  fusedMatMul?: boolean;
}

type AttrValue = number | number[] | string | { float: number } | TensorProto;

function attribute(name: string, v: AttrValue): AttributeProto {
  if (typeof v === "string") return { name, type: ATTR_TYPE.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: ATTR_TYPE.INTS, ints: v };
  if (typeof v === "number") return { name, type: ATTR_TYPE.INT, i: v };
  if ("float" in v) return { name, type: ATTR_TYPE.FLOAT, f: v.float };
  return { name, type: ATTR_TYPE.TENSOR, t: v };
}

function rawBytes(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

function valueInfo(name: string, t: Tensor): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: { elemType: ELEM_TYPE[t.dtype], shape: { dim: t.shape.map((d) => ({ dimValue: d })) } },
    },
  };
}

function typedScalar(value: number, dtype: DType): ArrayBufferView {
  if (dtype === "float64") return new Float64Array([value]);
  if (dtype === "float32") return new Float32Array([value]);
  if (dtype === "int32") return new Int32Array([value]);
  if (dtype === "int64") return new BigInt64Array([BigInt(value)]);
  return new Uint8Array([value ? 1 : 0]);
}

/** Collects ONNX nodes and initializers while lowering. */
class Lowering {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly int64Consts = new Map<string, string>();
  private counter = 0;

  constructor(readonly fusedMatMul: boolean) {}

  fresh(hint: string): string {
    return `_${hint}${this.counter++}`;
  }

  node(opType: string, input: string[], output: string, attrs: Record<string, AttrValue> = {}, domain = "") {
    this.nodes.push({
      opType,
      domain,
      input,
      output: [output],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return output;
  }

  /** A deduplicated int64 vector initializer (shapes, axes, pads). */
  int64(values: readonly number[]): string {
    const key = values.join(",");
    let name = this.int64Consts.get(key);
    if (name === undefined) {
      name = this.fresh("i64_");
      this.initializers.push({
        name,
        dims: [values.length],
        dataType: ELEM_TYPE.int64,
        rawData: rawBytes(new BigInt64Array(values.map((v) => BigInt(v)))),
      });
      this.int64Consts.set(key, name);
    }
    return name;
  }

  scalar(value: number, dtype: DType): string {
    const name = this.fresh("s");
    this.initializers.push({
      name,
      dims: [],
      dataType: ELEM_TYPE[dtype],
      rawData: rawBytes(typedScalar(value, dtype)),
    });
    return name;
  }

  zeros(shape: readonly number[], dtype: DType): string {
    const value: TensorProto = {
      dims: [1],
      dataType: ELEM_TYPE[dtype],
      rawData: rawBytes(typedScalar(0, dtype)),
    };
    return this.node("ConstantOfShape", [this.int64(shape)], this.fresh("zeros"), { value });
  }
}

/** Largest rows × updates for which ScatterAddRows lowers to a one-hot GEMM (deterministic) rather than ScatterND. */
const ONE_HOT_SCATTER_LIMIT = 64 * 1024 * 1024;

const SIMPLE_OPS: Record<string, string> = {
  Add: "Add",
  Sub: "Sub",
  Mul: "Mul",
  Div: "Div",
  Min: "Min",
  Max: "Max",
  Neg: "Neg",
  Exp: "Exp",
  Log: "Log",
  Sqrt: "Sqrt",
  Reciprocal: "Reciprocal",
  Sigmoid: "Sigmoid",
  Less: "Less",
  Where: "Where",
  StopGradient: "Identity",
};

/** Emits the ONNX nodes of one traced node; `ins` are the ONNX names of its inputs. */
function lowerNode(L: Lowering, node: Node, ins: string[], out: string): void {
  const { attrs } = node;
  const x = node.inputs[0];
  const simple = SIMPLE_OPS[node.op];
  if (simple !== undefined) {
    L.node(simple, ins, out);
    return;
  }
  switch (node.op) {
    case "Clip":
      L.node(
        "Clip",
        [ins[0], L.scalar(attrs.lo as number, x.dtype), L.scalar(attrs.hi as number, x.dtype)],
        out,
      );
      return;
    case "Cast":
      L.node("Cast", ins, out, { to: ELEM_TYPE[attrs.to as DType] });
      return;
    case "MatMul": {
      const transA = attrs.transA as boolean;
      const transB = attrs.transB as boolean;
      if (!transA && !transB) {
        L.node("MatMul", ins, out);
      } else if (node.inputs[0].rank === 2 && node.inputs[1].rank === 2) {
        // MLAS GEMM reads transposed operands in place (FusedMatMul copies them first)
        L.node("Gemm", ins, out, { transA: transA ? 1 : 0, transB: transB ? 1 : 0 });
      } else if (L.fusedMatMul && x.dtype === "float32") {
        L.node("FusedMatMul", ins, out, { transA: transA ? 1 : 0, transB: transB ? 1 : 0 }, "com.microsoft");
      } else {
        const swapLast = (t: Tensor, name: string) => {
          const perm = t.shape.map((_, i) => i);
          [perm[t.rank - 2], perm[t.rank - 1]] = [perm[t.rank - 1], perm[t.rank - 2]];
          return L.node("Transpose", [name], L.fresh("T"), { perm });
        };
        const a = transA ? swapLast(node.inputs[0], ins[0]) : ins[0];
        const b = transB ? swapLast(node.inputs[1], ins[1]) : ins[1];
        L.node("MatMul", [a, b], out);
      }
      return;
    }
    case "Reshape":
      L.node("Reshape", [ins[0], L.int64(attrs.shape as number[])], out);
      return;
    case "Transpose":
      L.node("Transpose", ins, out, { perm: attrs.perm as number[] });
      return;
    case "Expand":
      L.node("Expand", [ins[0], L.int64(attrs.shape as number[])], out);
      return;
    case "Concat":
      L.node("Concat", ins, out, { axis: attrs.axis as number });
      return;
    case "Slice":
      L.node(
        "Slice",
        [
          ins[0],
          L.int64([attrs.start as number]),
          L.int64([attrs.end as number]),
          L.int64([attrs.axis as number]),
        ],
        out,
      );
      return;
    case "Pad": {
      const pads = new Array<number>(2 * x.rank).fill(0);
      pads[attrs.axis as number] = attrs.before as number;
      pads[x.rank + (attrs.axis as number)] = attrs.after as number;
      L.node("Pad", [ins[0], L.int64(pads)], out);
      return;
    }
    case "ReduceSum":
      // opset 13+: axes is an input
      L.node("ReduceSum", [ins[0], L.int64(attrs.axes as number[])], out, {
        keepdims: attrs.keepdims ? 1 : 0,
      });
      return;
    case "ReduceMean":
    case "ReduceMax":
      // opset < 18: axes is an attribute
      L.node(node.op, ins, out, { axes: attrs.axes as number[], keepdims: attrs.keepdims ? 1 : 0 });
      return;
    case "After": {
      // ONNX has no ordering edge: x is concatenated with an empty slice of each dependency (no values move
      // but x's; a copy, so the op belongs on small tensors)
      const rest = x.shape.slice(1);
      const empties = node.inputs.slice(1).map((_, i) => {
        const none = L.node("Slice", [ins[i + 1], L.int64([0]), L.int64([0]), L.int64([0])], L.fresh("none"));
        // allowzero: the 0 is a length, not "copy this dimension"
        return L.node("Reshape", [none, L.int64([0, ...rest])], L.fresh("none"), { allowzero: 1 });
      });
      L.node("Concat", [ins[0], ...empties], out, { axis: 0 });
      return;
    }
    case "RMSNorm":
      // ORT's contrib kernel, registered in the ONNX domain
      L.node("SimplifiedLayerNormalization", ins, out, { axis: -1, epsilon: { float: attrs.eps as number } });
      return;
    case "Softmax":
    case "LogSoftmax":
      L.node(node.op, ins, out, { axis: -1 });
      return;
    case "Gather":
      L.node("Gather", ins, out, { axis: 0 });
      return;
    case "GatherElements":
      L.node("GatherElements", ins, out, { axis: x.rank - 1 });
      return;
    case "SwiGLU": {
      // float32: onnxruntime's QuickGelu(a, α = 1) = a·σ(a) in one kernel, which the backward pass's
      // recomputed σ(a) is not merged with (so σ(a) is not kept from the forward pass); float64 has none
      const silu =
        x.dtype === "float32"
          ? L.node("QuickGelu", [ins[0]], L.fresh("silu"), { alpha: { float: 1 } }, "com.microsoft")
          : L.node("Mul", [ins[0], L.node("Sigmoid", [ins[0]], L.fresh("sigmoid"))], L.fresh("silu"));
      L.node("Mul", [silu, ins[1]], out);
      return;
    }
    case "TargetLogprobEntropy": {
      // the same LogSoftmax as the backward pass's (merged by onnxruntime: one [N, V] tensor is kept);
      // the entropy's p from Softmax, not e^logp, so that no second [N, V] tensor is kept for the backward pass
      const logp = L.node("LogSoftmax", [ins[0]], L.fresh("logp"), { axis: -1 });
      const lp = L.node("GatherElements", [logp, ins[1]], L.fresh("lp"), { axis: 1 });
      const p = L.node("Softmax", [ins[0]], L.fresh("p"), { axis: -1 });
      const negH = L.node(
        "ReduceSum",
        [L.node("Mul", [p, logp], L.fresh("plogp")), L.int64([1])],
        L.fresh("negH"),
        {
          keepdims: 1,
        },
      );
      L.node("Concat", [lp, L.node("Neg", [negH], L.fresh("H"))], out, { axis: 1 });
      return;
    }
    case "ScatterAddRows": {
      const idx = node.inputs[1];
      const idx64 =
        idx.dtype === "int64" ? ins[1] : L.node("Cast", [ins[1]], L.fresh("idx"), { to: ELEM_TYPE.int64 });
      const [V, ...rowShape] = node.output.shape;
      const N = idx.shape.reduce((a, b) => a * b, 1);
      const D = rowShape.reduce((a, b) => a * b, 1);
      if (V * N <= ONE_HOT_SCATTER_LIMIT) {
        // out = onehot(idx)ᵀ · updates, a GEMM: its sums run in a fixed order, so gradients are bitwise
        // reproducible across runs (ScatterND's multithreaded add reduction was measured not to be).
        const flat = L.node("Reshape", [idx64, L.int64([N, 1])], L.fresh("idx"));
        const rows = L.int64(Array.from({ length: V }, (_, v) => v));
        const hit = L.node("Equal", [flat, rows], L.fresh("onehot"));
        const oneHot = L.node("Cast", [hit], L.fresh("onehot"), { to: ELEM_TYPE[node.output.dtype] });
        const upd = L.node("Reshape", [ins[0], L.int64([N, D])], L.fresh("upd"));
        const summed = L.node("Gemm", [oneHot, upd], L.fresh("rows"), { transA: 1 });
        L.node("Reshape", [summed, L.int64(node.output.shape)], out);
        return;
      }
      // ScatterND wants int64 indices with a trailing axis of index components (here one: the row)
      const idxND = L.node("Reshape", [idx64, L.int64([...idx.shape, 1])], L.fresh("idx"));
      const zeros = L.zeros(node.output.shape, node.output.dtype);
      L.node("ScatterND", [zeros, idxND, ins[0]], out, { reduction: "add" });
      return;
    }
    case "ScatterLast": {
      const zeros = L.zeros(node.output.shape, node.output.dtype);
      L.node("ScatterElements", [zeros, ins[1], ins[0]], out, { axis: x.rank - 1, reduction: "add" });
      return;
    }
    default:
      throw new Error(`onnxExport: no lowering for op ${node.op} (producing ${node.output})`);
  }
}

/**
 * The graph outputs `acc + op(a)·op(b)` with `acc` a graph input of the output's shape and the 2-D product
 * used nowhere else (a gradient accumulated in place, localEngine.ts): each becomes one Gemm with C = acc
 * instead of a Gemm whose [rows, cols] product is then added (for a 151,936-row embedding, 544 MB saved).
 */
export function accumulatingGemms(
  nodes: readonly Node[],
  outputNameOf: ReadonlyMap<number, string>,
): { matmuls: Set<number>; adds: Map<number, { matmul: Node; acc: Tensor }> } {
  // keyed by the id of the tensor each node produces
  const uses = new Map<number, number>();
  for (const n of nodes) for (const t of n.inputs) uses.set(t.id, (uses.get(t.id) ?? 0) + 1);
  const producer = new Map(nodes.map((n) => [n.output.id, n]));
  const matmuls = new Set<number>();
  const adds = new Map<number, { matmul: Node; acc: Tensor }>();
  for (const n of nodes) {
    if (n.op !== "Add" || !outputNameOf.has(n.output.id)) continue;
    for (const [k, other] of [
      [0, 1],
      [1, 0],
    ]) {
      const acc = n.inputs[other];
      const matmul = producer.get(n.inputs[k].id);
      if (
        acc.source.kind === "input" &&
        sameShape(acc.shape, n.output.shape) &&
        matmul?.op === "MatMul" &&
        matmul.inputs.every((t) => t.rank === 2) &&
        uses.get(matmul.output.id) === 1 &&
        !outputNameOf.has(matmul.output.id)
      ) {
        matmuls.add(matmul.output.id);
        adds.set(n.output.id, { matmul, acc });
        break;
      }
    }
  }
  return { matmuls, adds };
}

/** The ONNX model of `graph`: its declared inputs (all of them, in order) and outputs. */
export function exportOnnx(graph: Graph, options: ExportOptions = {}): Uint8Array {
  const L = new Lowering(options.fusedMatMul ?? true);
  const names = new Map<number, string>();
  for (const t of graph.inputs) {
    if (t.source.kind === "input") names.set(t.id, t.source.name);
  }
  const nameOf = (t: Tensor): string => {
    const known = names.get(t.id);
    if (known !== undefined) return known;
    if (t.source.kind !== "constant") throw new Error(`onnxExport: ${t} has no value`);
    const name = `c${t.id}`;
    L.initializers.push({
      name,
      dims: [...t.shape],
      dataType: ELEM_TYPE[t.dtype],
      rawData: rawBytes(t.source.data),
    });
    names.set(t.id, name);
    return name;
  };
  const outputs = graph.outputs;
  if (outputs.length === 0) throw new Error("onnxExport: the graph has no outputs");
  // A node's result is named after the first graph output it is; other outputs get an Identity.
  const outputNameOf = new Map<number, string>();
  for (const o of outputs) {
    if (o.tensor.source.kind === "node" && !outputNameOf.has(o.tensor.id))
      outputNameOf.set(o.tensor.id, o.name);
  }
  const nodes = topologicalNodes(outputs.map((o) => o.tensor));
  const fused = accumulatingGemms(nodes, outputNameOf);
  for (const n of nodes) {
    if (fused.matmuls.has(n.output.id)) continue;
    const out = outputNameOf.get(n.output.id) ?? `t${n.output.id}`;
    const gemm = fused.adds.get(n.output.id);
    if (gemm) {
      // out = acc + op(a)·op(b) as one Gemm with C = acc: no product tensor, written straight into the output
      const { matmul, acc } = gemm;
      L.node("Gemm", [...matmul.inputs.map(nameOf), nameOf(acc)], out, {
        transA: matmul.attrs.transA ? 1 : 0,
        transB: matmul.attrs.transB ? 1 : 0,
      });
    } else lowerNode(L, n, n.inputs.map(nameOf), out);
    names.set(n.output.id, out);
  }
  for (const o of outputs) {
    if (outputNameOf.get(o.tensor.id) !== o.name) L.node("Identity", [nameOf(o.tensor)], o.name);
  }
  const model = {
    irVersion: IR_VERSION,
    producerName: "rlvr",
    opsetImport: [
      { domain: "", version: OPSET },
      { domain: "com.microsoft", version: 1 },
    ],
    graph: {
      name: "rlvr",
      node: L.nodes,
      initializer: L.initializers,
      input: graph.inputs.map((t) => valueInfo(t.source.kind === "input" ? t.source.name : "", t)),
      output: outputs.map((o) => valueInfo(o.name, o.tensor)),
    },
  };
  return encodeModel(model);
}
