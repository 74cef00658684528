// The traced graph: tensors with concrete shapes and dtypes, and the nodes (one output each)
// that produce them. Ops (ops.ts) append nodes; autodiff.ts appends backward nodes to the same
// graph; onnxExport.ts turns the part reachable from the outputs into an ONNX model.

export type DType = "float32" | "float64" | "int32" | "int64" | "bool";

export type Shape = readonly number[];

/** One recorded operation: `op` names a rule in ops.ts / autodiff.ts / onnxExport.ts. */
export interface Node {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly attrs: Readonly<Record<string, unknown>>;
  readonly output: Tensor;
}

/** What a tensor is when no node produces it. */
export type TensorSource =
  | { kind: "input"; name: string }
  | { kind: "constant"; data: Float32Array | Float64Array | Int32Array }
  | { kind: "node"; node: Node };

export class Tensor {
  constructor(
    readonly graph: Graph,
    readonly id: number,
    readonly shape: Shape,
    readonly dtype: DType,
    public source: TensorSource,
  ) {}

  get size(): number {
    return shapeSize(this.shape);
  }

  get rank(): number {
    return this.shape.length;
  }

  get isFloat(): boolean {
    return this.dtype === "float32" || this.dtype === "float64";
  }

  toString(): string {
    const what = this.source.kind === "node" ? this.source.node.op : this.source.kind;
    const name = this.source.kind === "input" ? ` "${this.source.name}"` : "";
    return `t${this.id}(${what}${name} ${this.dtype}[${this.shape.join(",")}])`;
  }
}

export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Numpy broadcasting of two shapes (right-aligned; a dimension of 1 stretches). */
export function broadcastShapes(a: Shape, b: Shape, what: string): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${what}: shapes [${a.join(",")}] and [${b.join(",")}] do not broadcast`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

export class Graph {
  readonly tensors: Tensor[] = [];
  readonly inputs: Tensor[] = [];
  readonly outputs: { name: string; tensor: Tensor }[] = [];
  private readonly inputNames = new Set<string>();

  /** A named runtime input (weights are inputs too, so updates need no re-export). */
  input(name: string, shape: Shape, dtype: DType = "float32"): Tensor {
    if (this.inputNames.has(name)) throw new Error(`Graph.input: duplicate input name "${name}"`);
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new Error(`Graph.input "${name}": bad shape [${shape}]`);
    }
    this.inputNames.add(name);
    const t = this.newTensor(shape, dtype, { kind: "input", name });
    this.inputs.push(t);
    return t;
  }

  /** A constant baked into the exported model. */
  constant(data: Float32Array | Float64Array | Int32Array, shape: Shape): Tensor {
    if (data.length !== shapeSize(shape)) {
      throw new Error(`Graph.constant: ${data.length} values for shape [${shape.join(",")}]`);
    }
    const dtype: DType =
      data instanceof Float64Array ? "float64" : data instanceof Int32Array ? "int32" : "float32";
    return this.newTensor(shape, dtype, { kind: "constant", data });
  }

  /** A scalar (shape []) constant of a float dtype. */
  scalar(value: number, dtype: DType): Tensor {
    if (dtype === "float64") return this.constant(new Float64Array([value]), []);
    if (dtype === "float32") return this.constant(new Float32Array([value]), []);
    throw new Error(`Graph.scalar: dtype ${dtype} is not a float type`);
  }

  /** Marks `tensor` as a graph output called `name`. */
  output(name: string, tensor: Tensor): void {
    if (tensor.graph !== this) throw new Error(`Graph.output "${name}": tensor belongs to another graph`);
    if (this.outputs.some((o) => o.name === name)) throw new Error(`Graph.output: duplicate "${name}"`);
    this.outputs.push({ name, tensor });
  }

  /** Appends a node; used by ops.ts, which has checked the inputs and inferred the shape. */
  addNode(op: string, inputs: readonly Tensor[], attrs: Record<string, unknown>, shape: Shape, dtype: DType) {
    for (const t of inputs) {
      if (t.graph !== this) throw new Error(`${op}: input ${t} belongs to another graph`);
    }
    const out = this.newTensor(shape, dtype, { kind: "input", name: "" });
    const node: Node = { op, inputs, attrs, output: out };
    out.source = { kind: "node", node };
    return out;
  }

  private newTensor(shape: Shape, dtype: DType, source: TensorSource): Tensor {
    const t = new Tensor(this, this.tensors.length, Object.freeze([...shape]), dtype, source);
    this.tensors.push(t);
    return t;
  }
}

/** Nodes needed to compute `roots`, in an order where every node follows its inputs' nodes. */
export function topologicalNodes(roots: readonly Tensor[]): Node[] {
  const order: Node[] = [];
  const seen = new Set<number>();
  // Iterative post-order DFS (graphs of big models are deep enough to overflow recursion).
  const stack: { t: Tensor; expanded: boolean }[] = roots.map((t) => ({ t, expanded: false }));
  while (stack.length > 0) {
    const top = stack.pop()!;
    const src = top.t.source;
    if (src.kind !== "node") continue;
    if (top.expanded) {
      order.push(src.node);
      continue;
    }
    if (seen.has(top.t.id)) continue;
    seen.add(top.t.id);
    stack.push({ t: top.t, expanded: true });
    for (let i = src.node.inputs.length - 1; i >= 0; i--) {
      const inp = src.node.inputs[i];
      if (!seen.has(inp.id)) stack.push({ t: inp, expanded: false });
    }
  }
  return order;
}
