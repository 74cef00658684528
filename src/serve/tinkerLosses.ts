// Tinker's built-in losses as the engine's LossSpec, and Tinker datums as engine datums. Inputs by
// name (the Tinker docs): target_tokens (int64), weights, logprobs (the sampler's, q), advantages.
// `weights` defaults to 1 on every token for cross_entropy, and for the RL losses (the hosted service has
// no weights input for them; SkyRL multiplies every loss by them when given) to 1 where the advantage is
// not 0: a token of advantage 0 adds nothing to these losses or their gradients, and weight 0 on the
// prompt lets the engine pack a group's datums on their shared prompt (engine/local/prefixPacking.ts).
import type { Datum, LossSpec } from "../engine/types.js";
import type { WireDatum, WireTensor } from "../engine/tinker/wire.js";
import { UserError } from "./futureStore.js";

export const TINKER_LOSSES = ["cross_entropy", "importance_sampling", "ppo", "cispo"] as const;

/** Clip thresholds (absolute ratios) when loss_fn_config leaves them out: ppo as PPO, cispo the hosted service's. */
const CLIP_DEFAULTS = { ppo: [0.8, 1.2], cispo: [0, 4] } as const;

export function lossSpecOf(lossFn: string, config: Record<string, number>): LossSpec {
  const keys = Object.keys(config);
  const only = (allowed: string[]) => {
    const bad = keys.filter((k) => !allowed.includes(k));
    if (bad.length > 0)
      throw new UserError(
        `loss_fn_config: ${lossFn} takes ${allowed.join(", ") || "no keys"}, got ${bad.join(", ")}`,
      );
  };
  switch (lossFn) {
    case "cross_entropy":
    case "importance_sampling":
      only([]);
      return { kind: lossFn };
    case "ppo":
    case "cispo": {
      only(["clip_low_threshold", "clip_high_threshold"]);
      const [lo, hi] = CLIP_DEFAULTS[lossFn];
      const clipLow = config.clip_low_threshold ?? lo;
      const clipHigh = config.clip_high_threshold ?? hi;
      if (!(clipLow >= 0 && clipLow <= clipHigh))
        throw new UserError(
          `loss_fn_config: need 0 ≤ clip_low_threshold ≤ clip_high_threshold, got ${clipLow}, ${clipHigh}`,
        );
      return { kind: lossFn, clipLow, clipHigh };
    }
    default:
      throw new UserError(`loss_fn "${lossFn}" is not supported; rlvr serve has ${TINKER_LOSSES.join(", ")}`);
  }
}

function vector(d: WireDatum, i: number, name: string, n: number, required: boolean): number[] | undefined {
  const t: WireTensor | undefined = d.lossFnInputs[name];
  if (!t) {
    if (required) throw new UserError(`data[${i}]: loss_fn_inputs.${name} is missing`);
    return undefined;
  }
  if (t.data.length !== n)
    throw new UserError(
      `data[${i}]: loss_fn_inputs.${name} has ${t.data.length} values, model_input has ${n} tokens`,
    );
  return t.data;
}

/** Engine datums of Tinker datums for `spec` (names the datum and input at fault). */
export function engineDatums(data: readonly WireDatum[], spec: LossSpec): Datum[] {
  if (data.length === 0) throw new UserError("forward_backward: no datums");
  const rl = spec.kind !== "cross_entropy";
  const known = new Set(["target_tokens", "weights", "logprobs", "advantages"]);
  return data.map((d, i) => {
    for (const k of Object.keys(d.lossFnInputs))
      if (!known.has(k))
        throw new UserError(`data[${i}]: unknown loss_fn_inputs.${k} (known: ${[...known].join(", ")})`);
    const n = d.modelInput.length;
    if (n === 0) throw new UserError(`data[${i}]: model_input is empty`);
    const advantages = vector(d, i, "advantages", n, rl);
    return {
      inputTokens: d.modelInput,
      targetTokens: vector(d, i, "target_tokens", n, true)!,
      weights:
        vector(d, i, "weights", n, false) ??
        (advantages ? advantages.map((a) => (a !== 0 ? 1 : 0)) : new Array(n).fill(1)),
      samplingLogprobs: vector(d, i, "logprobs", n, rl),
      advantages,
    };
  });
}
