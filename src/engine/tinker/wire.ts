// The Tinker API's protobuf messages (tinker_public.proto, read with protobufjs) and their byte
// layouts: tokens are int32 little-endian bytes, tensors dense bytes of their dtype, a forward/backward
// result one ArrayRecord whose BatchedTensor holds every datum's values with byte offsets. Used by both
// sides: the client engine (engine/tinker) and `rlvr serve` (serve/).
import protobuf from "protobufjs";

/** tinker_public.proto sits beside this file in src/; dist/engine/tinker is as deep as src/engine/tinker. */
const PROTO_FILE = new URL("../../../src/engine/tinker/tinker_public.proto", import.meta.url);

let root: protobuf.Root | undefined;
function type(name: string): protobuf.Type {
  // keepCase: the proto's snake_case field names, as the schema spells them
  root ??= new protobuf.Root().loadSync(decodeURIComponent(PROTO_FILE.pathname), { keepCase: true });
  return root.lookupType(`tinker_public.${name}`);
}

export const PROTO_CONTENT_TYPE = "application/x-protobuf";

/** DType enum of tinker_public.proto. */
const DTYPE = { float32: 1, int64: 2, int32: 3, bfloat16: 4 } as const;

export type TensorDtype = "float32" | "int64";

/** A loss_fn_inputs tensor (Tinker TensorData), flattened. */
export interface WireTensor {
  dtype: TensorDtype;
  data: number[];
  shape?: number[];
}

/** A Tinker Datum with text input only. */
export interface WireDatum {
  /** The model_input chunks' tokens, concatenated. */
  modelInput: number[];
  lossFnInputs: Record<string, WireTensor>;
}

export interface ForwardBackwardRequestMsg {
  modelId: string;
  seqId: number;
  data: WireDatum[];
  lossFn: string;
  lossFnConfig: Record<string, number>;
  forwardOnly: boolean;
}

export interface ForwardBackwardOutputMsg {
  lossFnOutputType: string;
  /** Per datum: named float32 outputs (`logprobs`, and `entropy` from rlvr serve). */
  outputs: Record<string, number[]>[];
  metrics: Record<string, number>;
}

export interface WireSequence {
  tokens: number[];
  logprobs?: number[];
  stopReason: "stop" | "length";
}

export interface SampleResponseMsg {
  sequences: WireSequence[];
  /** One per prompt token; null where there is none (the first). */
  promptLogprobs?: (number | null)[];
}

/** A copy at offset 0, so typed-array views are aligned (protobufjs may hand out unaligned views). */
function aligned(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy.buffer;
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

export const int32Bytes = (xs: readonly number[]) => bytesOf(Int32Array.from(xs));
export const float32Bytes = (xs: readonly number[]) => bytesOf(Float32Array.from(xs));

function checkLength(bytes: Uint8Array, size: number, what: string): void {
  if (bytes.length % size !== 0)
    throw new Error(`${what}: ${bytes.length} bytes is not a whole number of ${size}-byte values`);
}

export function int32sOf(bytes: Uint8Array | undefined, what: string): number[] {
  if (!bytes || bytes.length === 0) return [];
  checkLength(bytes, 4, what);
  return Array.from(new Int32Array(aligned(bytes)));
}

export function float32sOf(bytes: Uint8Array | undefined, what: string): number[] {
  if (!bytes || bytes.length === 0) return [];
  checkLength(bytes, 4, what);
  return Array.from(new Float32Array(aligned(bytes)));
}

function int64sOf(bytes: Uint8Array, what: string): number[] {
  if (bytes.length === 0) return [];
  checkLength(bytes, 8, what);
  return Array.from(new BigInt64Array(aligned(bytes)), (b) => Number(b));
}

function tensorBytes(t: WireTensor): Uint8Array {
  if (t.dtype === "float32") return float32Bytes(t.data);
  return bytesOf(BigInt64Array.from(t.data, (x) => BigInt(x)));
}

/** The elements of a dense proto Tensor in its dtype (sparse tensors are refused). */
function tensorValues(t: protobuf.Message & Record<string, unknown>, what: string): WireTensor {
  if (t.sparse_csr) throw new Error(`${what}: sparse tensors are not supported (send dense data)`);
  const dense = (t.dense as Uint8Array | undefined) ?? new Uint8Array(0);
  const shape = ((t.shape as (number | protobuf.Long)[] | undefined) ?? []).map(Number);
  switch (t.dtype as number) {
    case DTYPE.float32:
      return { dtype: "float32", data: float32sOf(dense, what), shape };
    case DTYPE.int64:
      return { dtype: "int64", data: int64sOf(dense, what), shape };
    case DTYPE.int32:
      return { dtype: "int64", data: int32sOf(dense, what), shape };
    default:
      throw new Error(`${what}: unsupported dtype ${String(t.dtype)}`);
  }
}

export function encodeForwardBackwardRequest(m: ForwardBackwardRequestMsg): Uint8Array {
  const T = type("ForwardBackwardRequest");
  const msg = T.fromObject({
    model_id: m.modelId,
    seq_id: m.seqId,
    loss_fn: m.lossFn,
    loss_fn_config: m.lossFnConfig,
    forward_only: m.forwardOnly,
    data: m.data.map((d) => ({
      model_input: [{ encoded_text: { tokens: int32Bytes(d.modelInput) } }],
      loss_fn_inputs: Object.fromEntries(
        Object.entries(d.lossFnInputs).map(([k, t]) => [
          k,
          { dense: tensorBytes(t), dtype: DTYPE[t.dtype], shape: t.shape ?? [t.data.length] },
        ]),
      ),
    })),
  });
  return T.encode(msg).finish();
}

export function decodeForwardBackwardRequest(bytes: Uint8Array): ForwardBackwardRequestMsg {
  const raw = type("ForwardBackwardRequest").decode(bytes) as unknown as {
    model_id: string;
    seq_id: number;
    loss_fn: string;
    loss_fn_config?: Record<string, number>;
    forward_only?: boolean;
    data?: {
      model_input?: { encoded_text?: { tokens?: Uint8Array }; image?: unknown; dmel?: unknown }[];
      loss_fn_inputs?: Record<string, protobuf.Message & Record<string, unknown>>;
    }[];
  };
  const data = (raw.data ?? []).map((d, i) => {
    const modelInput: number[] = [];
    (d.model_input ?? []).forEach((c, j) => {
      if (!c.encoded_text)
        throw new Error(`data[${i}].model_input[${j}]: only encoded_text chunks are supported`);
      modelInput.push(...int32sOf(c.encoded_text.tokens, `data[${i}].model_input[${j}].tokens`));
    });
    const lossFnInputs: Record<string, WireTensor> = {};
    for (const [k, t] of Object.entries(d.loss_fn_inputs ?? {}))
      lossFnInputs[k] = tensorValues(t, `data[${i}].loss_fn_inputs.${k}`);
    return { modelInput, lossFnInputs };
  });
  return {
    modelId: raw.model_id,
    seqId: raw.seq_id,
    lossFn: raw.loss_fn,
    lossFnConfig: { ...(raw.loss_fn_config ?? {}) },
    forwardOnly: raw.forward_only ?? false,
    data,
  };
}

export function encodeForwardBackwardOutput(m: ForwardBackwardOutputMsg): Uint8Array {
  const names = m.outputs.length > 0 ? Object.keys(m.outputs[0]) : [];
  const fields: Record<string, unknown> = {};
  for (const name of names) {
    const all = m.outputs.map((o) => o[name]);
    const offsets = [0];
    for (const a of all) offsets.push(offsets[offsets.length - 1] + 4 * a.length);
    fields[name] = {
      data: float32Bytes(all.flat()),
      offsets: bytesOf(BigInt64Array.from(offsets, (x) => BigInt(x))),
      dtype: DTYPE.float32,
      trailing_shape: [],
    };
  }
  const T = type("ForwardBackwardOutput");
  return T.encode(
    T.fromObject({
      loss_fn_output_type: m.lossFnOutputType,
      loss_fn_outputs: [{ type_tag: m.lossFnOutputType, fields, num_datums: m.outputs.length }],
      metrics: m.metrics,
    }),
  ).finish();
}

export function decodeForwardBackwardOutput(bytes: Uint8Array): ForwardBackwardOutputMsg {
  const raw = type("ForwardBackwardOutput").decode(bytes) as unknown as {
    loss_fn_output_type?: string;
    loss_fn_outputs?: {
      num_datums?: number | protobuf.Long;
      fields?: Record<string, { data?: Uint8Array; offsets?: Uint8Array; dtype?: number }>;
    }[];
    metrics?: Record<string, number>;
  };
  const outputs: Record<string, number[]>[] = [];
  for (const rec of raw.loss_fn_outputs ?? []) {
    const start = outputs.length;
    const n = Number(rec.num_datums ?? 0);
    for (let i = 0; i < n; i++) outputs.push({});
    for (const [name, bt] of Object.entries(rec.fields ?? {})) {
      if (bt.dtype !== DTYPE.float32)
        throw new Error(`loss_fn_outputs.${name}: expected float32, got dtype ${bt.dtype}`);
      const values = float32sOf(bt.data, `loss_fn_outputs.${name}`);
      const offsets = int64sOf(bt.offsets ?? new Uint8Array(0), `loss_fn_outputs.${name}.offsets`);
      for (let i = 0; i + 1 < offsets.length; i++) {
        outputs[start + i] ??= {};
        outputs[start + i][name] = values.slice(offsets[i] / 4, offsets[i + 1] / 4);
      }
    }
  }
  return {
    lossFnOutputType: raw.loss_fn_output_type ?? "",
    outputs,
    metrics: { ...(raw.metrics ?? {}) },
  };
}

export function encodeSampleResponse(m: SampleResponseMsg): Uint8Array {
  const T = type("SampleResponse");
  const obj: Record<string, unknown> = {
    sequences: m.sequences.map((s) => ({
      stop_reason: s.stopReason === "stop" ? 0 : 1,
      tokens: int32Bytes(s.tokens),
      ...(s.logprobs ? { logprobs: float32Bytes(s.logprobs) } : {}),
    })),
  };
  if (m.promptLogprobs) obj.prompt_logprobs = float32Bytes(m.promptLogprobs.map((x) => x ?? Number.NaN));
  return T.encode(T.fromObject(obj)).finish();
}

export function decodeSampleResponse(bytes: Uint8Array): SampleResponseMsg {
  const raw = type("SampleResponse").decode(bytes) as unknown as {
    sequences?: { stop_reason?: number; tokens?: Uint8Array; logprobs?: Uint8Array }[];
    prompt_logprobs?: Uint8Array;
  };
  const out: SampleResponseMsg = {
    sequences: (raw.sequences ?? []).map((s, i) => ({
      stopReason: (s.stop_reason ?? 0) === 0 ? "stop" : "length",
      tokens: int32sOf(s.tokens, `sequences[${i}].tokens`),
      ...(s.logprobs && s.logprobs.length > 0
        ? { logprobs: float32sOf(s.logprobs, `sequences[${i}].logprobs`) }
        : {}),
    })),
  };
  if (raw.prompt_logprobs && raw.prompt_logprobs.length > 0)
    out.promptLogprobs = float32sOf(raw.prompt_logprobs, "prompt_logprobs").map((x) =>
      Number.isNaN(x) ? null : x,
    );
  return out;
}
