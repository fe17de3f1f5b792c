import type { LogLevel } from "../core/index.js";
import type { SluiceEventListener } from "../engine/index.js";

const LEVEL_RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** The run's listener, with steps' log lines at `level` and above also written to stderr. */
export function withLogEcho(
  listener: SluiceEventListener | undefined,
  level: LogLevel | "silent",
): SluiceEventListener | undefined {
  if (level === "silent") return listener;
  const min = LEVEL_RANK[level];
  return (event) => {
    if (event.type === "step:log" && LEVEL_RANK[event.level] >= min) {
      process.stderr.write(`[${event.step}] ${event.level}: ${event.message}\n`);
    }
    listener?.(event);
  };
}
