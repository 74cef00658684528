// Executes exported graphs with onnxruntime-node. A CompiledGraph is one InferenceSession; a
// SessionCache keeps one per shape signature so each shape is traced and compiled once, and
// weights, being graph inputs, are fed on every run (ORT-node reads input arrays without copying).
import { availableParallelism } from "node:os";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import * as ort from "onnxruntime-node";
import { type DType, type Graph, shapeSize, type Tensor } from "./graph.js";
import { type ExportOptions, exportOnnx } from "./onnxExport.js";

export type FeedArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

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

function arrayMatches(dtype: DType, data: FeedArray): boolean {
  switch (dtype) {
    case "float32":
      return data instanceof Float32Array;
    case "float64":
      return data instanceof Float64Array;
    case "int32":
      return data instanceof Int32Array;
    case "int64":
      return data instanceof BigInt64Array;
    case "bool":
      return data instanceof Uint8Array;
  }
}

const ORT_TYPE: Record<DType, "float32" | "float64" | "int32" | "int64" | "bool"> = {
  float32: "float32",
  float64: "float64",
  int32: "int32",
  int64: "int64",
  bool: "bool",
};

let environmentCreated = false;

/**
 * Bytes of `into` outputs above which a run ends with a full garbage collection. onnxruntime-node writes an
 * output into the array given for it and then returns a copy of it in a new ArrayBuffer (measured with 1.30:
 * `results[name].data` is not the array given); V8 collects those copies late (after a 0.5B model's
 * micro-batches, several copies of its gradients were still alive), so a run whose copies are this large
 * collects them at once. 8 MiB: a LoRA r16 0.5B model's gradients are 35 MB.
 */
const COLLECT_AFTER_BYTES = 8 * 2 ** 20;

let fullGc: (() => void) | null = null;

/** V8's full collection (node's --expose-gc gc, made available at run time: no flag is needed to start node). */
function collectGarbage(): void {
  if (fullGc === null) {
    setFlagsFromString("--expose-gc");
    fullGc = runInNewContext("gc") as () => void;
  }
  fullGc();
}

/**
 * Creates a session; the first one also creates onnxruntime's environment, whose embedded telemetry SDK
 * (1DS, "MATSDK") opens an empty trace log `$TMPDIR/mat-debug-<pid>.log` (default /tmp) that nothing
 * removes, and no API turns it off. With TMPDIR pointing at /dev/null while that first session is created
 * the log cannot be created; TMPDIR is restored as soon as the session exists (the environment is
 * created asynchronously inside the call, so it is not restored earlier).
 */
async function createSession(bytes: Uint8Array, options: ort.InferenceSession.SessionOptions) {
  if (environmentCreated) return ort.InferenceSession.create(bytes, options);
  environmentCreated = true;
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = "/dev/null";
  try {
    return await ort.InferenceSession.create(bytes, options);
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
}

export class CompiledGraph {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly inputSpecs: { name: string; shape: readonly number[]; dtype: DType }[],
    readonly outputNames: readonly string[],
    private readonly outputShapes: ReadonlyMap<string, number[]>,
  ) {}

  static async compile(graph: Graph, options: RuntimeOptions = {}): Promise<CompiledGraph> {
    const bytes = exportOnnx(graph, options);
    const session = await createSession(bytes, {
      intraOpNumThreads: options.intraOpNumThreads ?? defaultThreadCount(),
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "all",
      enableCpuMemArena: options.memArena ?? false,
      enableMemPattern: options.memPattern ?? true,
      extra: { session: { intra_op: { allow_spinning: options.allowSpinning ? "1" : "0" } } },
    });
    const specs = graph.inputs.map((t: Tensor) => ({
      name: t.source.kind === "input" ? t.source.name : "",
      shape: t.shape,
      dtype: t.dtype,
    }));
    return new CompiledGraph(
      session,
      specs,
      graph.outputs.map((o) => o.name),
      new Map(graph.outputs.map((o) => [o.name, [...o.tensor.shape]])),
    );
  }

  /** Whether the graph has an input of this name. */
  hasInput(name: string): boolean {
    return this.inputSpecs.some((s) => s.name === name);
  }

  /**
   * Runs the graph; every declared input must be fed, with its dtype's typed array and size. Outputs
   * named in `into` are written into the arrays given there (one may also be fed as an input when the
   * output is that input plus something: an accumulation in place); onnxruntime-node also returns a copy
   * of each, which a large run collects before it returns.
   */
  async run(
    feeds: Readonly<Record<string, FeedArray>>,
    into: Readonly<Record<string, Float32Array>> = {},
  ): Promise<Record<string, FeedArray>> {
    const out = await this.runSession(feeds, into);
    // the copies are unreachable only once runSession has returned (measured: a collection inside it frees nothing)
    let copied = 0;
    for (const name of Object.keys(into)) copied += into[name].byteLength;
    if (copied > COLLECT_AFTER_BYTES) {
      collectGarbage();
      // Node-API finalizers (which free the copies' memory) run from the event loop, after the collection
      await new Promise((resolve) => setImmediate(resolve));
    }
    return out;
  }

  private async runSession(
    feeds: Readonly<Record<string, FeedArray>>,
    into: Readonly<Record<string, Float32Array>>,
  ): Promise<Record<string, FeedArray>> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const spec of this.inputSpecs) {
      const data = feeds[spec.name];
      if (data === undefined) throw new Error(`CompiledGraph.run: missing input "${spec.name}"`);
      if (!arrayMatches(spec.dtype, data) || data.length !== shapeSize(spec.shape)) {
        throw new Error(
          `CompiledGraph.run: input "${spec.name}" needs ${spec.dtype}[${spec.shape.join(",")}] ` +
            `(${shapeSize(spec.shape)} values), got ${data.constructor.name} of length ${data.length}`,
        );
      }
      ortFeeds[spec.name] = new ort.Tensor(ORT_TYPE[spec.dtype], data, [...spec.shape]);
    }
    const fetches: Record<string, ort.Tensor | null> = {};
    for (const name of this.outputNames) {
      const target = into[name];
      fetches[name] = target ? new ort.Tensor("float32", target, this.outputShapes.get(name)) : null;
    }
    const results = await this.session.run(ortFeeds, fetches);
    const out: Record<string, FeedArray> = {};
    for (const name of this.outputNames) out[name] = into[name] ?? (results[name].data as FeedArray);
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
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
