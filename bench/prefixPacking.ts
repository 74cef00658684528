// Benchmark of shared-prefix packing (src/engine/local/prefixPacking.ts) on the reference model: an
// MGRPO layer-2 batch, 8 correction queries of 96 tokens × H = 8 corrections of 32 tokens, the loss
// on the corrections only; forward + backward with packing (the default) and with every datum its
// own row (maxPackTokens 0), side by side in one process, medians after a warm-up.
// Usage: npx tsx bench/prefixPacking.ts [--json] [--threads N]
import { availableParallelism } from "node:os";
import { pathToFileURL } from "node:url";
import { Rng } from "../src/core/rng.js";
import { LocalEngine } from "../src/engine/local/localEngine.js";
import type { Datum } from "../src/engine/types.js";
import { median, REFERENCE_MODEL } from "./localEngine.js";

export interface PrefixPackingBench {
  datums: number;
  prompt_tokens: number;
  completion_tokens: number;
  packed_ms: number;
  unpacked_ms: number;
  speedup: number;
  threads: number;
}

export async function benchPrefixPacking(threads = availableParallelism()): Promise<PrefixPackingBench> {
  const [queries, H, promptLen, completionLen] = [8, 8, 96, 32];
  const rng = new Rng(5);
  const tokens = (n: number) => Array.from({ length: n }, () => rng.int(0, REFERENCE_MODEL.vocabSize - 1));
  const datums: Datum[] = Array.from({ length: queries }, () => tokens(promptLen)).flatMap((prompt) =>
    Array.from({ length: H }, () => {
      const seq = [...prompt, ...tokens(completionLen)];
      return {
        inputTokens: seq.slice(0, -1),
        targetTokens: seq.slice(1),
        weights: seq.slice(1).map((_, t) => (t < promptLen - 1 ? 0 : 1 / (queries * H * completionLen))),
      };
    }),
  );
  const time = async (maxPackTokens: number) => {
    const engine = LocalEngine.fromConfig(REFERENCE_MODEL, 1, { intraOpNumThreads: threads, maxPackTokens });
    const ms: number[] = [];
    for (let i = 0; i < 4; i++) {
      const t0 = performance.now();
      await engine.forwardBackward(datums, { kind: "cross_entropy" });
      if (i >= 1) ms.push(performance.now() - t0); // the first compiles
    }
    await engine.close();
    return median(ms);
  };
  const packed = await time(1024);
  const unpacked = await time(0);
  return {
    datums: datums.length,
    prompt_tokens: promptLen,
    completion_tokens: completionLen,
    packed_ms: Math.round(packed),
    unpacked_ms: Math.round(unpacked),
    speedup: Math.round((unpacked / packed) * 100) / 100,
    threads,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const i = process.argv.indexOf("--threads");
  const r = await benchPrefixPacking(i >= 0 ? Number(process.argv[i + 1]) : undefined);
  if (process.argv.includes("--json")) console.log(JSON.stringify(r));
  else
    console.log(
      `forward+backward of ${r.datums} datums (${r.prompt_tokens}-token prompts shared by 8, ${r.completion_tokens}-token completions): ` +
        `packed ${r.packed_ms} ms, unpacked ${r.unpacked_ms} ms (${r.speedup}×, ${r.threads} threads)`,
    );
}
