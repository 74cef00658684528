// Executes exported graphs with onnxruntime (through its C API, ortApi.ts). A CompiledGraph is one
// session; a SessionCache keeps one per shape signature so each shape is traced and compiled once, and
// weights, being graph inputs, are fed on every run. Inputs are read and outputs written in place: no
// array is copied on either side.
import { availableParallelism } from "node:os";
import { type DType, type Graph, shapeSize } from "./graph.js";
import { type ExportOptions, exportOnnx } from "./onnxExport.js";
import { type OrtArray, OrtSession, type TensorSpec } from "./ortApi.js";

export type FeedArray = OrtArray;

export interface RuntimeOptions extends ExportOptions {
  /** Threads inside one op (default: $RLVR_NUM_THREADS, else all cores). */
  intraOpNumThreads?: number;
  /** ORT's CPU memory arena (default false: freed memory goes back to the system). */
  memArena?: boolean;
  /** ORT's memory-pattern preallocation (default true). */
  memPattern?: boolean;
  /**
   * Let idle intra-op threads spin (default false: on a shared or oversubscribed machine spinning
   * threads take the cores the working ones need; measured 1.5–3× slower steps under load).
   */
  allowSpinning?: boolean;
}

/** The default thread count: RLVR_NUM_THREADS when set (a positive integer), else every core. */
export function defaultThreadCount(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.RLVR_NUM_THREADS;
  if (raw === undefined || raw === "") return availableParallelism();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`RLVR_NUM_THREADS must be a positive integer, got "${raw}"`);
  return n;
}

/** The typed array of each dtype: what a feed or output of that dtype must be. */
const ARRAY_OF: Record<DType, new (n: number) => FeedArray> = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  int64: BigInt64Array,
  bool: Uint8Array,
};

export class CompiledGraph {
  private constructor(
    private readonly session: OrtSession,
    private readonly inputSpecs: readonly TensorSpec[],
    private readonly outputSpecs: readonly TensorSpec[],
  ) {}

  static async compile(graph: Graph, options: RuntimeOptions = {}): Promise<CompiledGraph> {
    const bytes = exportOnnx(graph, options);
    const inputs = graph.inputs.map((t) => ({
      name: t.source.kind === "input" ? t.source.name : "",
      shape: t.shape,
      dtype: t.dtype,
    }));
    const outputs = graph.outputs.map((o) => ({
      name: o.name,
      shape: o.tensor.shape,
      dtype: o.tensor.dtype,
    }));
    const session = OrtSession.create(bytes, inputs, outputs, {
      intraOpNumThreads: options.intraOpNumThreads ?? defaultThreadCount(),
      memArena: options.memArena ?? false,
      memPattern: options.memPattern ?? true,
      allowSpinning: options.allowSpinning ?? false,
    });
    return new CompiledGraph(session, inputs, outputs);
  }

  get outputNames(): readonly string[] {
    return this.outputSpecs.map((s) => s.name);
  }

  get inputNames(): readonly string[] {
    return this.inputSpecs.map((s) => s.name);
  }

  /**
   * Runs the graph; every declared input must be fed, with its dtype's typed array and size. Outputs
   * named in `into` are written into the arrays given there (one may also be fed as an input when the
   * output is that input plus something: an accumulation in place); the others into new arrays.
   */
  async run(
    feeds: Readonly<Record<string, FeedArray>>,
    into: Readonly<Record<string, FeedArray>> = {},
  ): Promise<Record<string, FeedArray>> {
    const inputs = this.inputSpecs.map((spec) => {
      const data = feeds[spec.name];
      if (data === undefined) throw new Error(`CompiledGraph.run: missing input "${spec.name}"`);
      checkArray("input", spec, data);
      return data;
    });
    const out: Record<string, FeedArray> = {};
    for (const spec of this.outputSpecs) {
      const target = into[spec.name];
      if (target) checkArray("output", spec, target);
      out[spec.name] = target ?? new ARRAY_OF[spec.dtype](shapeSize(spec.shape));
    }
    this.session.run(
      inputs,
      this.outputSpecs.map((s) => out[s.name]),
    );
    // the run is synchronous: yield to the event loop (timers, I/O, signals) before the caller goes on,
    // or a loop of runs (a decode, a training step) would hold it for its whole length
    await new Promise((resolve) => setImmediate(resolve));
    return out;
  }

  async release(): Promise<void> {
    this.session.release();
  }
}

function checkArray(kind: "input" | "output", spec: TensorSpec, data: FeedArray): void {
  if (data instanceof ARRAY_OF[spec.dtype] && data.length === shapeSize(spec.shape)) return;
  throw new Error(
    `CompiledGraph.run: ${kind} "${spec.name}" needs ${spec.dtype}[${spec.shape.join(",")}] ` +
      `(${shapeSize(spec.shape)} values), got ${data.constructor.name} of length ${data.length}`,
  );
}

/** One compiled graph per key (a shape signature); `build` traces the graph on a miss. */
export class SessionCache {
  private readonly sessions = new Map<string, Promise<CompiledGraph>>();

  constructor(private readonly options: RuntimeOptions = {}) {}

  /** `overrides` change this cache's options for this graph (e.g. memPattern off for a training graph). */
  get(key: string, build: () => Graph, overrides: RuntimeOptions = {}): Promise<CompiledGraph> {
    let s = this.sessions.get(key);
    if (s === undefined) {
      s = CompiledGraph.compile(build(), { ...this.options, ...overrides });
      this.sessions.set(key, s);
      // A failed compile must not poison the cache.
      s.catch(() => this.sessions.delete(key));
    }
    return s;
  }

  get size(): number {
    return this.sessions.size;
  }

  async clear(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of all) await (await s).release();
  }
}
