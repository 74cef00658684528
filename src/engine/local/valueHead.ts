// The PPO critic on the policy trunk (docs/algorithms.md#ppo): a scalar value per position read from the
// decoder's final hidden state, v_t = w·h_t + b, trained with PPO's clipped value loss. Its parameters
// are not part of the Hugging Face checkpoint: the engine keeps them beside the model's (saveState writes
// them to value_head.safetensors) and only the "value" loss reads them.
import type { LossSpec } from "../types.js";
import { type DType, Graph, type Tensor } from "./graph/graph.js";
import { gradients } from "./graph/autodiff.js";
import * as op from "./graph/ops.js";
import { declareAdapters, type LoraSpec } from "./lora.js";
import { declareParameters, decoderHidden, maskedAttention, type Parameters } from "./model.js";
import type { ModelConfig } from "./modelConfig.js";

export const VALUE_HEAD_WEIGHT = "value_head.weight";
export const VALUE_HEAD_BIAS = "value_head.bias";
/** The file saveState writes the value head and its Adam moments to. */
export const VALUE_HEAD_FILE = "value_head.safetensors";

/** The value head's parameters and shapes: w [D], b [1]. */
export function valueHeadShapes(cfg: ModelConfig): Map<string, number[]> {
  return new Map([
    [VALUE_HEAD_WEIGHT, [cfg.hiddenSize]],
    [VALUE_HEAD_BIAS, [1]],
  ]);
}

/** A fresh value head: w = 0, b = 0 (every value starts at 0, the mean of nothing learned yet). */
export function initValueHead(cfg: ModelConfig): Parameters {
  return new Map([...valueHeadShapes(cfg)].map(([name, shape]) => [name, new Float32Array(shape[0])]));
}

/**
 * v = s·(h·w + b) for hidden states h [N, D]: values [N]. The constant s (default 1) is the head's
 * learning-rate multiplier: Adam's steps do not depend on the gradient's scale, so V moves s times faster
 * than with s = 1 at the same lr, while the function V(h) and its gradient to the trunk are unchanged.
 */
export function headValues(hidden: Tensor, w: Tensor, b: Tensor, scale = 1): Tensor {
  const [N, D] = hidden.shape;
  const v = op.reshape(op.add(op.matmul(hidden, op.reshape(w, [D, 1])), b), [N]);
  return scale === 1 ? v : op.mul(v, scale);
}

/**
 * Per-token clipped value loss: ℓ = ½·max((V − R)², (V_old + clip(V − V_old, −ε, ε) − R)²)
 * (PPO, Schulman et al. 2017, as OpenAI baselines' ppo2 clips the value; ε = 0 turns the clip off).
 */
export function clippedValueLoss(V: Tensor, R: Tensor, Vold: Tensor, clipRange: number): Tensor {
  const d = op.sub(V, R);
  const unclipped = op.mul(d, d);
  if (clipRange <= 0) return op.mul(unclipped, 0.5);
  const Vclipped = op.add(Vold, op.clip(op.sub(V, Vold), -clipRange, clipRange));
  const dc = op.sub(Vclipped, R);
  return op.mul(op.maximum(unclipped, op.mul(dc, dc)), 0.5);
}

/**
 * The critic term of a policy loss with valueCoef (one pass for both): the value head on `hidden`
 * [B·T, D], valueCoef·Σ w·ℓ_v, and the values [B, T]. Declares the head's parameters in `g`.
 */
export function criticTerm(
  g: Graph,
  cfg: ModelConfig,
  hidden: Tensor,
  spec: Extract<LossSpec, { kind: "policy" }>,
  weights: Tensor,
  inputs: Partial<Record<string, Tensor>>,
  B: number,
  T: number,
  dtype: DType,
): { params: Map<string, Tensor>; loss: Tensor; values: Tensor } {
  const params = new Map<string, Tensor>();
  for (const [name, shape] of valueHeadShapes(cfg)) params.set(name, g.input(name, shape, dtype));
  const { returns, oldValues } = inputs;
  if (!returns || !oldValues) throw new Error("criticTerm: returns and oldValues are missing");
  const values = op.reshape(
    headValues(hidden, params.get(VALUE_HEAD_WEIGHT)!, params.get(VALUE_HEAD_BIAS)!, spec.valueScale ?? 1),
    [B, T],
  );
  // L_v = valueCoef · Σ_t w_t · ℓ_t
  const perToken = clippedValueLoss(values, returns, oldValues, spec.valueClip ?? 0);
  const loss = op.mul(op.sumAll(op.mul(perToken, weights)), spec.valueCoef ?? 0);
  return { params, loss, values };
}

/**
 * The graph of the "value" loss for B packed rows of T tokens: values [B, T], the loss
 * coef·Σ w·ℓ and (when `withGrad`) the gradient for every trunk parameter and for the value head; with
 * `lora`, the trunk's weights are frozen and the gradients are the adapters' and the head's.
 */
export function valueTrainingGraph(
  cfg: ModelConfig,
  spec: Extract<LossSpec, { kind: "value" }>,
  B: number,
  T: number,
  withGrad: boolean,
  dtype: DType = "float32",
  lora?: LoraSpec,
): Graph {
  const g = new Graph();
  const params = declareParameters(g, cfg, dtype);
  const adapters = lora ? declareAdapters(g, cfg, lora, dtype) : new Map<string, Tensor>();
  const head = new Map<string, Tensor>();
  for (const [name, shape] of valueHeadShapes(cfg)) head.set(name, g.input(name, shape, dtype));
  const tokens = g.input("tokens", [B, T], "int32");
  const weights = g.input("weights", [B, T], dtype);
  const returns = g.input("returns", [B, T], dtype);
  const oldValues = g.input("oldValues", [B, T], dtype);
  const mask = g.input("mask", [B, 1, 1, T, T], dtype);
  const cos = g.input("cos", [B, T, 1, cfg.headDim], dtype);
  const sin = g.input("sin", [B, T, 1, cfg.headDim], dtype);
  const hidden = decoderHidden(cfg, new Map([...params, ...adapters]), {
    tokens,
    cos,
    sin,
    attention: maskedAttention(cfg, mask),
    lora,
  });
  const values = op.reshape(
    headValues(hidden, head.get(VALUE_HEAD_WEIGHT)!, head.get(VALUE_HEAD_BIAS)!, spec.scale ?? 1),
    [B, T],
  );
  // L = coef · Σ_t w_t · ℓ_t
  const loss = op.mul(
    op.sumAll(op.mul(clippedValueLoss(values, returns, oldValues, spec.clipRange), weights)),
    spec.coef,
  );
  g.output("loss", loss);
  g.output("values", values);
  if (withGrad) {
    // an untied LM head is not on the value's path; under LoRA the weights are frozen
    const trained = new Map([...(lora ? adapters : params), ...head]);
    const names = [...trained.keys()].filter((n) => n !== "lm_head.weight");
    const grads = gradients(
      loss,
      names.map((n) => trained.get(n)!),
    );
    names.forEach((n, i) => {
      g.output(`grad:${n}`, grads[i]);
    });
  }
  return g;
}
