// OpenBLAS picks its kernels from the CPU it detects; on some virtual machines it detects "Prescott"
// (SSE3 only) and PyTorch's matmuls run about 3× slower than the CPU allows. OPENBLAS_CORETYPE
// overrides the detection: SkylakeX where the CPU has AVX-512 (avx512f), Haswell where it has AVX2.
import { readFileSync } from "node:fs";

/** The OPENBLAS_CORETYPE for the flags of /proc/cpuinfo's text, or null (leave OpenBLAS's own detection). */
export function openblasCoreType(cpuinfo: string): "SkylakeX" | "Haswell" | null {
  const line = cpuinfo.split("\n").find((l) => /^flags\s*:/.test(l));
  if (!line) return null;
  const flags = new Set(
    line
      .slice(line.indexOf(":") + 1)
      .trim()
      .split(/\s+/),
  );
  if (flags.has("avx512f")) return "SkylakeX";
  if (flags.has("avx2")) return "Haswell";
  return null;
}

/** OPENBLAS_CORETYPE for this machine: the environment's when set, else from /proc/cpuinfo (Linux). */
export function openblasEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (env.OPENBLAS_CORETYPE) return { OPENBLAS_CORETYPE: env.OPENBLAS_CORETYPE };
  let text = "";
  try {
    text = readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return {};
  }
  const core = openblasCoreType(text);
  return core ? { OPENBLAS_CORETYPE: core } : {};
}
