/**
 * `sluice ... | head`: when the reader of stdout or stderr goes away, writing to it fails with EPIPE,
 * which Node raises as an unhandled 'error' event and so kills the process: a run would be left
 * `crashed`. Instead the output ends quietly and the command goes on to its end (a run finishes and
 * is recorded as it ends) and exits with its own code.
 */
export function endOutputQuietlyWhenClosed(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
      // Later writes are dropped, their callbacks still called (exitWhenFlushed waits on one).
      stream.write = ((...args: unknown[]) => {
        const callback = args.find((arg): arg is () => void => typeof arg === "function");
        if (callback) queueMicrotask(callback);
        return true;
      }) as typeof stream.write;
    });
  }
}
