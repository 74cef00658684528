// The slice of the ONNX protobuf schema (onnx 1.10, via onnx-proto) that the exporter writes,
// typed here so the rest of the compiler does not touch `any`.
import onnxProto from "onnx-proto";

export interface AttributeProto {
  name: string;
  type: number;
  i?: number;
  f?: number;
  s?: Uint8Array;
  t?: TensorProto;
  ints?: number[];
  floats?: number[];
}

export interface TensorProto {
  name?: string;
  dims: number[];
  dataType: number;
  rawData?: Uint8Array;
}

export interface NodeProto {
  name?: string;
  opType: string;
  domain?: string;
  input: string[];
  output: string[];
  attribute: AttributeProto[];
}

export interface ValueInfoProto {
  name: string;
  type: { tensorType: { elemType: number; shape: { dim: { dimValue: number }[] } } };
}

export interface GraphProto {
  name: string;
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
}

export interface ModelProto {
  irVersion: number;
  producerName: string;
  opsetImport: { domain: string; version: number }[];
  graph: GraphProto;
}

interface OnnxNamespace {
  ModelProto: { encode(m: ModelProto): { finish(): Uint8Array } };
}

const { onnx } = onnxProto as unknown as { onnx: OnnxNamespace };

/** Serialises a model to ONNX bytes. */
export function encodeModel(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** TensorProto.DataType values. */
export const ELEM_TYPE = { float32: 1, int32: 6, int64: 7, bool: 9, float64: 11 } as const;

/** AttributeProto.AttributeType values. */
export const ATTR_TYPE = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

/** IR version 8 goes with opset 17 (onnx 1.12+; ORT reads it). */
export const IR_VERSION = 8;
export const OPSET = 17;
