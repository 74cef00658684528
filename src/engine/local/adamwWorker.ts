// A worker thread of AdamWThreads: runs adamwKernel.ts on float32 ranges given by address.
import { parentPort } from "node:worker_threads";
import koffi from "koffi";
import { adamwUpdate, sumOfSquares } from "./adamwKernel.js";
import type { WorkerReply, WorkerRequest } from "./adamwThreads.js";

const view = (address: bigint, n: number) => new Float32Array(koffi.view(address, n * 4));

parentPort?.on("message", (request: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    if (request.kind === "squares") {
      reply = { sums: request.ranges.map(([g, n]) => sumOfSquares(view(g, n))) };
    } else {
      for (const [w, g, m, v, n] of request.ranges)
        adamwUpdate(view(w, n), view(g, n), view(m, n), view(v, n), request.c);
      reply = { done: true };
    }
  } catch (e) {
    reply = { error: e instanceof Error ? e.message : String(e) };
  }
  parentPort?.postMessage(reply);
});
