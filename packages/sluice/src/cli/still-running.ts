/**
 * A run that waits on a long step says so: every `everyMs`, the steps still running (and for how
 * long) go to stderr, so a step whose promise never settles is visible rather than a silent hang.
 */
import type { SluiceEvent } from "../engine/index.js";

export function stillRunningNotices(
  write: (line: string) => void,
  everyMs = 30_000,
): { onEvent(event: SluiceEvent): void; dispose(): void } {
  const running = new Map<string, number>();
  const timer = setInterval(() => {
    if (running.size === 0) return;
    const now = Date.now();
    const steps = [...running].map(
      ([step, since]) => `"${step}" (${Math.round((now - since) / 1000)} s)`,
    );
    write(`still running: ${steps.join(", ")}; Ctrl-C cancels the run\n`);
  }, everyMs);
  timer.unref();
  return {
    onEvent(event) {
      if (event.type === "step:start") running.set(event.step, Date.now());
      else if (event.type === "step:end") running.delete(event.step);
    },
    dispose: () => clearInterval(timer),
  };
}
