// The public surface of the `rlvr` package.
export { Rng } from "./core/rng.js";
export type * from "./engine/types.js";
