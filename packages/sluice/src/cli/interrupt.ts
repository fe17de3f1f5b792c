import pc from "picocolors";
import { EXIT } from "./exit.js";

/**
 * Ctrl-C while a run goes on: the first cancels it through the returned signal (the run ends
 * `cancelled`, exit 130), a second quits at once. Call `dispose` when the run is over.
 */
export function cancelOnInterrupt(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT.interrupted);
    process.stderr.write(pc.yellow("\nCancelling the run (Ctrl-C again to quit at once)...\n"));
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  return { signal: controller.signal, dispose: () => process.off("SIGINT", onSigint) };
}
