// Native libraries called through koffi (onnxruntime's C API, libc's madvise). koffi takes its settings only
// before the first library is loaded, so every load goes through here.
import koffi from "koffi";

let configured = false;

/** Loads a shared library; the first call sets koffi's stack for calls to that of a Linux thread (8 MiB). */
export function loadLibrary(path: string): ReturnType<typeof koffi.load> {
  if (!configured) {
    // onnxruntime runs on the stack koffi gives a synchronous call (2 MiB by default)
    koffi.config({ ...koffi.config(), sync_stack_size: 8 * 2 ** 20 });
    configured = true;
  }
  return koffi.load(path);
}
