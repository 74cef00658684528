import assert from "node:assert/strict";
import { test } from "node:test";
import {
  decodeForwardBackwardOutput,
  decodeForwardBackwardRequest,
  decodeSampleResponse,
  encodeForwardBackwardOutput,
  encodeForwardBackwardRequest,
  encodeSampleResponse,
} from "./wire.js";

// Bytes the official Tinker SDK 0.25.0 produces (tinker.proto.request_conv.forward_backward_request_to_proto)
// for model "m1", seq_id 3, loss "ppo" {clip_low_threshold: 0.8}, forward_only, one datum with tokens
// [5, 7, 9], target_tokens int64 [7, 9, 11], weights float32 [0, 0.5, 1.25].
const SDK_REQUEST_HEX =
  "0a026d3110031a640a100a0e0a0c050000000700000009000000121e0a077765696768747312130a0c000000000000003f0000a03f18012201" +
  "0312300a0d7461726765745f746f6b656e73121f0a18070000000000000009000000000000000b000000000000001802220103220370706f2a" +
  "1d0a12636c69705f6c6f775f7468726573686f6c64119a9999999999e93f3001";

test("decodes a forward_backward request as the official SDK encodes it", () => {
  const m = decodeForwardBackwardRequest(Buffer.from(SDK_REQUEST_HEX, "hex"));
  assert.equal(m.modelId, "m1");
  assert.equal(m.seqId, 3);
  assert.equal(m.lossFn, "ppo");
  assert.equal(m.forwardOnly, true);
  assert.deepEqual(m.lossFnConfig, { clip_low_threshold: 0.8 });
  assert.deepEqual(m.data, [
    {
      modelInput: [5, 7, 9],
      lossFnInputs: {
        target_tokens: { dtype: "int64", data: [7, 9, 11], shape: [3] },
        weights: { dtype: "float32", data: [0, 0.5, 1.25], shape: [3] },
      },
    },
  ]);
});

test("a forward_backward request survives encode → decode", () => {
  const msg = {
    modelId: "model-1",
    seqId: 12,
    lossFn: "cross_entropy",
    lossFnConfig: {},
    forwardOnly: false,
    data: [
      {
        modelInput: [1, 2, 3, 4],
        lossFnInputs: {
          target_tokens: { dtype: "int64" as const, data: [2, 3, 4, 5], shape: [4] },
          weights: { dtype: "float32" as const, data: [0, 0, 1, -2.5], shape: [4] },
        },
      },
    ],
  };
  assert.deepEqual(decodeForwardBackwardRequest(encodeForwardBackwardRequest(msg)), msg);
});

test("forward/backward outputs: per-datum arrays of different lengths come back apart", () => {
  const msg = {
    lossFnOutputType: "ArrayRecord",
    outputs: [{ logprobs: [-1, -0.5] }, { logprobs: [-0.25, -2, -4] }],
    metrics: { "loss:sum": 1.5 },
  };
  assert.deepEqual(decodeForwardBackwardOutput(encodeForwardBackwardOutput(msg)), msg);
});

test("sample responses: stop reasons, logprobs, prompt logprobs with a missing first entry", () => {
  const msg = {
    sequences: [
      { tokens: [4, 5], logprobs: [-0.5, -1], stopReason: "stop" as const },
      { tokens: [6], logprobs: [-2], stopReason: "length" as const },
    ],
    promptLogprobs: [null, -0.75, -3],
  };
  assert.deepEqual(decodeSampleResponse(encodeSampleResponse(msg)), msg);
});
