// A clean stop on SIGINT/SIGTERM: the first signal lets the current step finish, after which the loop
// writes a checkpoint of it and returns; a second signal exits at once (checkpoints are written
// atomically, so the last one written stays valid).
const SIGNALS = ["SIGINT", "SIGTERM"] as const;
const EXIT_CODES: Record<(typeof SIGNALS)[number], number> = { SIGINT: 130, SIGTERM: 143 };

export interface StopSignals {
  /** The signal received so far, if any. */
  readonly received: NodeJS.Signals | null;
  /** Removes the handlers (the process's default behaviour returns). */
  dispose(): void;
}

/** Installs the handlers; `log` tells the user what happens. */
export function catchStopSignals(log: (message: string) => void): StopSignals {
  let received: NodeJS.Signals | null = null;
  const handler = (signal: (typeof SIGNALS)[number]) => {
    if (received) {
      log(`${signal} again: exiting now; the last checkpoint written is intact`);
      process.exit(EXIT_CODES[signal]);
    }
    received = signal;
    log(`${signal}: finishing the current step, then writing a checkpoint (send it again to exit at once)`);
  };
  for (const s of SIGNALS) process.on(s, handler);
  return {
    get received() {
      return received;
    },
    dispose: () => {
      for (const s of SIGNALS) process.off(s, handler);
    },
  };
}
