// A worker thread of AdamWThreads: runs adamwKernel.ts on float32 ranges given by address.
import { parentPort } from "node:worker_threads";
import koffi from "koffi";
import { adamwUpdate, sumOfSquares } from "./adamwKernel.js";
import type { WorkerReply, WorkerRequest } from "./adamwThreads.js";

/** One view per array, kept across requests (the optimizer's arrays live as long as it does). */
const views = new Map<string, Float32Array>();
function view(address: bigint, n: number): Float32Array {
  const key = `${address}:${n}`;
  let v = views.get(key);
  if (!v) {
    if (views.size >= 4096) views.clear();
    v = new Float32Array(koffi.view(address, n * Float32Array.BYTES_PER_ELEMENT));
    views.set(key, v);
  }
  return v;
}

parentPort?.on("message", (request: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    if (request.kind === "squares") {
      reply = { sums: request.ranges.map(([g, n, start, end]) => sumOfSquares(view(g, n), start, end)) };
    } else {
      for (const [w, g, m, v, n, start, end] of request.ranges)
        adamwUpdate(view(w, n), view(g, n), view(m, n), view(v, n), request.c, start, end);
      reply = { done: true };
    }
  } catch (e) {
    reply = { error: e instanceof Error ? e.message : String(e) };
  }
  parentPort?.postMessage(reply);
});
