import assert from "node:assert/strict";
import { test } from "node:test";
import { openblasCoreType, openblasEnv } from "./openblas.js";

const cpuinfo = (flags: string) =>
  `processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: ${flags}\nbugs\t\t: x\n`;

test("OPENBLAS_CORETYPE from the CPU flags: SkylakeX with avx512f, Haswell with avx2, else none", () => {
  assert.equal(openblasCoreType(cpuinfo("fpu sse3 avx avx2 avx512f avx512bw")), "SkylakeX");
  assert.equal(openblasCoreType(cpuinfo("fpu sse3 avx avx2 fma")), "Haswell");
  assert.equal(openblasCoreType(cpuinfo("fpu sse3 avx")), null);
  // a flag's prefix is not the flag
  assert.equal(openblasCoreType(cpuinfo("fpu avx2x avx512fx")), null);
  assert.equal(openblasCoreType("no flags here"), null);
  assert.deepEqual(openblasEnv({ OPENBLAS_CORETYPE: "Zen" }), { OPENBLAS_CORETYPE: "Zen" });
});
