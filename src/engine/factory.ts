// The one place that turns an engine config into engines: the policy that samples and trains, and the
// frozen reference policy the KL term needs. Everything above this layer sees only TrainingEngine.
// A new engine kind (Tinker, OpenAI-compatible) is a case here and a schema in run/config.ts.
import type { EngineKind } from "../core/choices.js";
import { LocalEngine } from "./local/localEngine.js";
import { scriptedEngine } from "./scriptedEngine.js";
import type { Tokenizer } from "./tokenizer/types.js";
import type { TrainingEngine } from "./types.js";

/** An engine config (the config's `engine` section). */
export type EngineSpec =
  | { kind: "local"; threads?: number }
  | { kind: "scripted"; completions: readonly string[]; logprob: number };

// A kind in core/choices.ts without a spec here (or the reverse) does not compile.
const KINDS_MATCH: [EngineSpec["kind"]] extends [EngineKind]
  ? [EngineKind] extends [EngineSpec["kind"]]
    ? true
    : never
  : never = true;
void KINDS_MATCH;

export interface Engines {
  policy: TrainingEngine;
  /** The frozen reference policy (the model's own weights), when asked for. */
  reference?: TrainingEngine;
  close(): Promise<void>;
}

export interface OpenEnginesOptions {
  /** The model directory: the reference weights, and the policy's unless `weightsDir` is given. */
  modelDir: string;
  tokenizer: Tokenizer;
  /** Where the policy's weights come from instead (a checkpoint). */
  weightsDir?: string;
  /** Open a frozen reference policy too. */
  reference: boolean;
  /** Give the policy a value head (PPO's critic). Default false. */
  valueHead?: boolean;
}

export function openEngines(spec: EngineSpec, o: OpenEnginesOptions): Engines {
  switch (spec.kind) {
    case "local": {
      const options = spec.threads !== undefined ? { intraOpNumThreads: spec.threads } : {};
      const policy = LocalEngine.fromDirectory(o.weightsDir ?? o.modelDir, {
        ...options,
        valueHead: o.valueHead,
      });
      const reference = o.reference ? LocalEngine.fromDirectory(o.modelDir, options) : undefined;
      return {
        policy,
        reference,
        close: async () => {
          await policy.close();
          await reference?.close();
        },
      };
    }
    case "scripted": {
      // Completion j of every prompt is completions[j mod length]: independent of batching and order.
      const script = (_prompt: string, n: number) =>
        Array.from({ length: n }, (_, j) => spec.completions[j % spec.completions.length]);
      const make = () =>
        scriptedEngine(o.tokenizer, script, {
          referenceLogprob: spec.logprob,
          samplingLogprob: spec.logprob,
        }).engine;
      return { policy: make(), reference: o.reference ? make() : undefined, close: async () => {} };
    }
  }
}
