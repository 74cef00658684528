// Feeds of a float64 graph, for the gradient checks against finite differences (model, LoRA and value
// head tests): float32 rounding would swamp the differences.
import type { FeedArray } from "./graph/runtime.js";
import type { Parameters } from "./model.js";
import type { PackedFeeds } from "./prefixPacking.js";

/** The packed batch: token ids as they are, weights, loss fields, mask and rotary tables in float64. */
export function float64BatchFeeds(packed: PackedFeeds): Record<string, FeedArray> {
  const f64 = (x: Float32Array) => Float64Array.from(x);
  return {
    tokens: packed.tokens,
    targets: packed.targets,
    weights: f64(packed.weights),
    ...Object.fromEntries(Object.entries(packed.fields).map(([k, v]) => [k, f64(v)])),
    mask: f64(packed.mask),
    cos: f64(packed.cos),
    sin: f64(packed.sin),
  };
}

/** The parameters in float64, norm weights moved off 1 (1 + 0.1·sin i) so that their gradients are generic. */
export function float64Parameters(params: Parameters): Record<string, Float64Array> {
  return Object.fromEntries(
    [...params].map(([k, v]) => [
      k,
      Float64Array.from(v, (x, i) => (k.includes("norm") ? 1 + 0.1 * Math.sin(i) : x)),
    ]),
  );
}
