// What the commands that serve until stopped (`rlvr serve`, `rlvr dashboard`) share: the --port check,
// and waiting for Ctrl-C or SIGTERM before closing the server.

/** A --port value: an integer from 0 (any free port) to 65535; the error names the command. */
export function parsePort(command: string, value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`${command}: --port must be an integer from 0 to 65535, got ${value}`);
  return port;
}

/** Resolves once SIGINT or SIGTERM arrived and `close` finished. */
export function closeOnStopSignal(close: () => Promise<void>): Promise<void> {
  return new Promise<void>((done) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      void close().then(done);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
