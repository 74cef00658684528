// Shared by the tests that train through rlvr serve: a short GRPO config, a metric-by-metric comparison,
// and the forwarding of the test proxies that stand between a client and the server.
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import type { ConfigInput } from "../run/config.js";

export function runConfig(out: string, extra: ConfigInput = {}): ConfigInput {
  return {
    model: "default",
    steps: 3,
    seed: 5,
    batch: { promptsPerStep: 2, groupSize: 4 },
    sampling: { maxTokens: 48 },
    optim: { lr: 3e-4 },
    run: { checkpointEvery: 1, samplesPerStep: 2, out },
    ...extra,
  };
}

/** Every metric of every step equal within a relative/absolute tolerance (time/ keys are in timings.jsonl). */
export function assertSameMetrics(
  a: Record<string, unknown>[],
  b: Record<string, unknown>[],
  tol = 2e-3,
): void {
  assert.equal(a.length, b.length, "steps");
  a.forEach((row, s) => {
    assert.deepEqual(Object.keys(b[s]).sort(), Object.keys(row).sort(), `step ${s + 1}: metric keys`);
    for (const [k, v] of Object.entries(row)) {
      const w = b[s][k];
      if (typeof v === "number" && typeof w === "number")
        assert.ok(Math.abs(v - w) <= tol * Math.max(1, Math.abs(v)), `step ${s + 1} ${k}: ${v} vs ${w}`);
      else assert.deepEqual(w, v, `step ${s + 1} ${k}`);
    }
  });
}

/** Sends a request a test proxy received (its method, headers and read body) on to `target`. */
export function forwardUpstream(target: string, req: IncomingMessage, body: Buffer): Promise<Response> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (typeof v === "string" && k !== "host" && k !== "content-length") headers[k] = v;
  return fetch(target + (req.url ?? ""), {
    method: req.method,
    headers,
    body: body.length > 0 ? body : undefined,
  });
}
