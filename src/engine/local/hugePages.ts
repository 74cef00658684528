// Large float32 arrays backed by transparent huge pages where Linux offers them on request (THP mode
// "madvise", the default of Debian and Ubuntu). A fresh array's memory is mapped page by page as it is first
// written; on the 2-core development VM a 4 KiB page fault cost about 9 µs, so first writing 512 MiB took
// 1.2 s, and 60 ms with 2 MiB pages (madvise MADV_HUGEPAGE before the first write). An optimizer's moments,
// a gradient buffer and loaded weights of a 0.5B model are 2 GB each. Elsewhere this is a plain array.
import koffi from "koffi";
import { loadLibrary } from "./nativeLibrary.js";

const MADV_HUGEPAGE = 14;
const HUGE_PAGE = 2n ** 21n;
/** Below this size an array's first writes cost too little to matter. */
const MIN_BYTES = 8 * 2 ** 20;

let madvise: ((address: bigint, length: bigint, advice: number) => number) | null | undefined;

function hugePageAdvice() {
  if (madvise !== undefined) return madvise;
  madvise = null;
  if (process.platform !== "linux") return madvise;
  try {
    madvise = loadLibrary("libc.so.6").func("int madvise(void *addr, size_t length, int advice)");
  } catch {
    // no glibc (e.g. musl): plain arrays
  }
  return madvise;
}

/** A zeroed Float32Array of n values whose whole 2 MiB-aligned interior is advised to use huge pages. */
export function largeFloat32Array(n: number): Float32Array {
  const a = new Float32Array(n);
  const advise = a.byteLength >= MIN_BYTES ? hugePageAdvice() : null;
  if (advise) {
    const start = (koffi.address(a) + HUGE_PAGE - 1n) & ~(HUGE_PAGE - 1n);
    const end = (koffi.address(a) + BigInt(a.byteLength)) & ~(HUGE_PAGE - 1n);
    // advice only: a kernel without THP answers EINVAL and the array stays as it is
    if (end > start) advise(start, end - start, MADV_HUGEPAGE);
  }
  return a;
}
