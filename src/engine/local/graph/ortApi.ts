// onnxruntime's C API, called through koffi on the library that the onnxruntime-node package ships.
//
// Why not onnxruntime-node's own binding: it returns a copy of every output, also of one written into a
// preallocated tensor (1.30: its Run converts each output with OrtValueToNapiValue). A full fine-tuning
// pass of a 0.5B model outputs its gradients, so that copy is one more model's worth of memory at the end
// of every forward-backward run. Here every input and output is an OrtValue over a JavaScript typed
// array: onnxruntime reads the inputs and writes the outputs in place, and nothing is copied.
//
// The function table is OrtApi from onnxruntime_c_api.h; it only grows at its end, so the indices below
// hold for every version that has them (all are in API version 13, the one requested).
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import koffi from "koffi";
import { loadLibrary } from "../nativeLibrary.js";

export type OrtDType = "float32" | "float64" | "int32" | "int64" | "bool";
export type OrtArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

/** ONNXTensorElementDataType. */
const ELEMENT_TYPE: Record<OrtDType, number> = { float32: 1, int32: 6, int64: 7, bool: 9, float64: 11 };

const API_VERSION = 13;
const ORT_LOGGING_LEVEL_WARNING = 2;
const ORT_SEQUENTIAL = 0;
const ORT_ENABLE_ALL = 99;
const ORT_DEVICE_ALLOCATOR = 0;
const ORT_MEM_TYPE_DEFAULT = 0;

type Ptr = bigint;

/** The shared library inside onnxruntime-node's package, for this platform. */
function libraryPath(): string {
  const pkg = dirname(createRequire(import.meta.url).resolve("onnxruntime-node/package.json"));
  const file =
    process.platform === "win32"
      ? "onnxruntime.dll"
      : process.platform === "darwin"
        ? "libonnxruntime.1.dylib"
        : "libonnxruntime.so.1";
  return join(pkg, "bin", "napi-v6", process.platform, process.arch, file);
}

function loadApi() {
  const lib = loadLibrary(libraryPath());
  const base = lib.func("void *OrtGetApiBase()")() as Ptr;
  const getApi = koffi.decode(
    koffi.decode(base, 0, "void *"),
    koffi.proto("void *OrtGetApi(uint32_t version)"),
  );
  const api = getApi(API_VERSION) as Ptr | null;
  if (!api) throw new Error(`onnxruntime at ${libraryPath()} does not offer C API version ${API_VERSION}`);
  const fn = (index: number, signature: string) =>
    koffi.decode(koffi.decode(api, index * 8, "void *"), koffi.proto(signature));
  return {
    // held as long as the functions are (for the life of the process): koffi unloads a library once
    // nothing references it, and functions decoded from its table do not
    library: lib,
    GetErrorMessage: fn(2, "const char *GetErrorMessage(void *status)"),
    CreateEnv: fn(3, "void *CreateEnv(int level, const char *logid, _Out_ void **env)"),
    CreateSessionFromArray: fn(
      8,
      "void *CreateSessionFromArray(void *env, void *data, size_t length, void *options, _Out_ void **session)",
    ),
    Run: fn(
      9,
      "void *Run(void *session, void *runOptions, void *inputNames, void *inputs, size_t inputCount, void *outputNames, size_t outputCount, void *outputs)",
    ),
    CreateSessionOptions: fn(10, "void *CreateSessionOptions(_Out_ void **options)"),
    SetSessionExecutionMode: fn(13, "void *SetSessionExecutionMode(void *options, int mode)"),
    EnableMemPattern: fn(16, "void *EnableMemPattern(void *options)"),
    DisableMemPattern: fn(17, "void *DisableMemPattern(void *options)"),
    EnableCpuMemArena: fn(18, "void *EnableCpuMemArena(void *options)"),
    DisableCpuMemArena: fn(19, "void *DisableCpuMemArena(void *options)"),
    SetSessionGraphOptimizationLevel: fn(
      23,
      "void *SetSessionGraphOptimizationLevel(void *options, int level)",
    ),
    SetIntraOpNumThreads: fn(24, "void *SetIntraOpNumThreads(void *options, int threads)"),
    SetInterOpNumThreads: fn(25, "void *SetInterOpNumThreads(void *options, int threads)"),
    CreateTensorWithDataAsOrtValue: fn(
      49,
      "void *CreateTensorWithDataAsOrtValue(void *info, void *data, size_t bytes, void *shape, size_t rank, int type, _Out_ void **value)",
    ),
    CreateCpuMemoryInfo: fn(69, "void *CreateCpuMemoryInfo(int allocator, int memType, _Out_ void **info)"),
    ReleaseStatus: fn(93, "void ReleaseStatus(void *status)"),
    ReleaseSession: fn(95, "void ReleaseSession(void *session)"),
    ReleaseValue: fn(96, "void ReleaseValue(void *value)"),
    ReleaseSessionOptions: fn(100, "void ReleaseSessionOptions(void *options)"),
    AddSessionConfigEntry: fn(
      130,
      "void *AddSessionConfigEntry(void *options, const char *key, const char *value)",
    ),
  };
}

type Api = ReturnType<typeof loadApi>;
let loaded: { api: Api; env: Ptr; cpu: Ptr } | null = null;

/** Throws onnxruntime's message when `status` is an error (a null status is success). */
function check(api: Api, status: Ptr | null, what: string): void {
  if (!status) return;
  const message = api.GetErrorMessage(status) as string;
  api.ReleaseStatus(status);
  throw new Error(`onnxruntime ${what}: ${message}`);
}

function out(api: Api, what: string, call: (out: [Ptr | null]) => Ptr | null): Ptr {
  const slot: [Ptr | null] = [null];
  check(api, call(slot), what);
  return slot[0] as Ptr;
}

/**
 * The API, its environment and a CPU memory description, made once per process. onnxruntime's embedded
 * telemetry SDK (1DS, "MATSDK") opens an empty trace log `$TMPDIR/mat-debug-<pid>.log` (default /tmp) when
 * the environment is created, which nothing removes and no API turns off; with TMPDIR at /dev/null it
 * cannot be created.
 */
function ort() {
  if (loaded) return loaded;
  const api = loadApi();
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = "/dev/null";
  try {
    const env = out(api, "CreateEnv", (o) => api.CreateEnv(ORT_LOGGING_LEVEL_WARNING, "rlvr", o));
    const cpu = out(api, "CreateCpuMemoryInfo", (o) =>
      api.CreateCpuMemoryInfo(ORT_DEVICE_ALLOCATOR, ORT_MEM_TYPE_DEFAULT, o),
    );
    loaded = { api, env, cpu };
    return loaded;
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
}

export interface OrtSessionOptions {
  intraOpNumThreads: number;
  memArena: boolean;
  memPattern: boolean;
  allowSpinning: boolean;
}

export interface TensorSpec {
  name: string;
  dtype: OrtDType;
  shape: readonly number[];
}

/** NUL-terminated names and an array of pointers to them, kept alive together. */
class CStrings {
  readonly bytes: Buffer;
  readonly pointers: BigUint64Array;
  constructor(names: readonly string[]) {
    this.bytes = Buffer.concat(names.map((n) => Buffer.from(`${n}\0`, "utf8")));
    this.pointers = new BigUint64Array(Math.max(1, names.length));
    const start = koffi.address(this.bytes);
    let offset = 0;
    names.forEach((n, i) => {
      this.pointers[i] = start + BigInt(offset);
      offset += Buffer.byteLength(n, "utf8") + 1;
    });
  }
}

/**
 * One onnxruntime session over a serialized model, with fixed input and output names, dtypes and shapes.
 * A run reads the given input arrays and writes into the given output arrays; neither is copied.
 */
export class OrtSession {
  private readonly inputNames: CStrings;
  private readonly outputNames: CStrings;
  private readonly shapes: Map<TensorSpec, BigInt64Array>;
  private released = false;

  private constructor(
    private readonly session: Ptr,
    private readonly inputs: readonly TensorSpec[],
    private readonly outputs: readonly TensorSpec[],
  ) {
    this.inputNames = new CStrings(inputs.map((s) => s.name));
    this.outputNames = new CStrings(outputs.map((s) => s.name));
    this.shapes = new Map(
      [...inputs, ...outputs].map((s) => [s, BigInt64Array.from(s.shape.length ? s.shape : [1], BigInt)]),
    );
  }

  static create(
    model: Uint8Array,
    inputs: readonly TensorSpec[],
    outputs: readonly TensorSpec[],
    options: OrtSessionOptions,
  ): OrtSession {
    const { api, env } = ort();
    const opts = out(api, "CreateSessionOptions", (o) => api.CreateSessionOptions(o));
    try {
      check(api, api.SetIntraOpNumThreads(opts, options.intraOpNumThreads), "SetIntraOpNumThreads");
      check(api, api.SetInterOpNumThreads(opts, 1), "SetInterOpNumThreads");
      check(api, api.SetSessionExecutionMode(opts, ORT_SEQUENTIAL), "SetSessionExecutionMode");
      check(
        api,
        api.SetSessionGraphOptimizationLevel(opts, ORT_ENABLE_ALL),
        "SetSessionGraphOptimizationLevel",
      );
      check(api, (options.memArena ? api.EnableCpuMemArena : api.DisableCpuMemArena)(opts), "memory arena");
      check(api, (options.memPattern ? api.EnableMemPattern : api.DisableMemPattern)(opts), "memory pattern");
      const spinning = options.allowSpinning ? "1" : "0";
      check(
        api,
        api.AddSessionConfigEntry(opts, "session.intra_op.allow_spinning", spinning),
        "AddSessionConfigEntry",
      );
      const session = out(api, "CreateSessionFromArray", (o) =>
        api.CreateSessionFromArray(env, koffi.address(model), model.byteLength, opts, o),
      );
      return new OrtSession(session, inputs, outputs);
    } finally {
      api.ReleaseSessionOptions(opts);
    }
  }

  /**
   * Runs the model on this thread, as onnxruntime-node did: `inputs` and `outputs` in the order of the
   * specs given at creation, each array of its spec's dtype and size (the caller checks); an output may be
   * an input's own array (an accumulation in place). koffi's asynchronous calls would run it on libuv's
   * workers, where glibc's per-thread malloc arenas kept onnxruntime's freed buffers (the small bench's peak
   * RSS measured 2.8×).
   */
  run(inputs: readonly OrtArray[], outputs: readonly OrtArray[]): void {
    if (this.released) throw new Error("OrtSession.run: the session was released");
    if (inputs.length !== this.inputs.length || outputs.length !== this.outputs.length)
      throw new Error(
        `OrtSession.run: ${inputs.length} inputs and ${outputs.length} outputs given, the model has ` +
          `${this.inputs.length} and ${this.outputs.length}`,
      );
    const { api } = ort();
    const values: Ptr[] = [];
    try {
      const inputValues = new BigUint64Array(Math.max(1, inputs.length));
      const outputValues = new BigUint64Array(Math.max(1, outputs.length));
      this.inputs.forEach((spec, i) => {
        inputValues[i] = this.tensor(spec, inputs[i]);
        values.push(inputValues[i]);
      });
      this.outputs.forEach((spec, i) => {
        outputValues[i] = this.tensor(spec, outputs[i]);
        values.push(outputValues[i]);
      });
      const status = api.Run(
        this.session,
        null,
        koffi.address(this.inputNames.pointers),
        koffi.address(inputValues),
        inputs.length,
        koffi.address(this.outputNames.pointers),
        outputs.length,
        koffi.address(outputValues),
      );
      check(api, status, "Run");
    } finally {
      for (const v of values) api.ReleaseValue(v);
    }
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    ort().api.ReleaseSession(this.session);
  }

  /** An OrtValue over the array's memory (released by the caller after the run). */
  private tensor(spec: TensorSpec, data: OrtArray): Ptr {
    const { api, cpu } = ort();
    const shape = this.shapes.get(spec) as BigInt64Array;
    return out(api, "CreateTensorWithDataAsOrtValue", (o) =>
      api.CreateTensorWithDataAsOrtValue(
        cpu,
        koffi.address(data),
        data.byteLength,
        koffi.address(shape),
        spec.shape.length,
        ELEMENT_TYPE[spec.dtype],
        o,
      ),
    );
  }
}
