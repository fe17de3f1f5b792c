import { AsyncLocalStorage } from "node:async_hooks";
import { format } from "node:util";
import type { LogLevel, StepLogger } from "../core/index.js";

/** The step whose body is running in the current async context, if any. */
const currentStep = new AsyncLocalStorage<() => StepLogger>();
let installed = false;

const METHODS: Array<[keyof Console, LogLevel]> = [
  ["log", "info"],
  ["info", "info"],
  ["debug", "debug"],
  ["warn", "warn"],
  ["error", "error"],
];

/**
 * Routes console output made inside a step body (also in its callbacks and awaits, through
 * AsyncLocalStorage) to that step's log, so that concurrent steps' output is attributed to the right
 * step. Output outside any step goes to the console as usual.
 */
function install(): void {
  if (installed) return;
  installed = true;
  for (const [method, level] of METHODS) {
    const original = console[method] as (...args: unknown[]) => void;
    (console as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      const logger = currentStep.getStore();
      if (logger) logger()[level](format(...args));
      else original.apply(console, args);
    };
  }
}

/** Runs `fn` with console output attributed to the step logger `logger()` gives (made only if used). */
export function withStepConsole<T>(logger: () => StepLogger, fn: () => T): T {
  install();
  return currentStep.run(logger, fn);
}
