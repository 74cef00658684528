/**
 * Worker-thread entry of the algebra path: receives pairs of normalised answers, answers with a
 * decision. Runs in its own thread so that the caller can enforce a time budget by terminating it
 * (a synchronous computer-algebra evaluation cannot be interrupted from inside).
 */

import { parentPort } from "node:worker_threads";
import { compareWithAlgebra } from "./mathEquivalence.js";
import type { NormalizedAnswer } from "./normalize.js";
import type { TolerancePolicy } from "./tolerance.js";

export interface EquivalenceRequest {
  id: number;
  gold: NormalizedAnswer;
  pred: NormalizedAnswer;
  policy: TolerancePolicy;
}

export type EquivalenceResponse = { ready: true } | { id: number; equivalent: boolean; reason: string };

const port = parentPort;
if (port !== null) {
  // Warm the engine up before declaring readiness, so that its start-up does not eat into the
  // time budget of the first request.
  compareWithAlgebra(
    { latex: "\\frac{1}{2}x", percent: false, degrees: false },
    { latex: "x/2", percent: false, degrees: false },
  );
  port.on("message", (request: EquivalenceRequest) => {
    let response: EquivalenceResponse;
    try {
      const decision = compareWithAlgebra(request.gold, request.pred, request.policy);
      response = { id: request.id, equivalent: decision.equivalent, reason: decision.reason };
    } catch (error) {
      response = {
        id: request.id,
        equivalent: false,
        reason: `evaluation error: ${(error as Error).message}`,
      };
    }
    port.postMessage(response);
  });
  port.postMessage({ ready: true } satisfies EquivalenceResponse);
}
