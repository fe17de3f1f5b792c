import { AsyncLocalStorage } from "node:async_hooks";
import { format } from "node:util";
import type { LogLevel, StepLogger } from "../core/index.js";

/** The step whose async body is running in the current async context, if any. */
const currentStep = new AsyncLocalStorage<() => StepLogger>();
/** The step whose synchronous body is running right now, if any. */
let syncStep: (() => StepLogger) | undefined;
let installed = false;

const METHODS: Array<[keyof Console, LogLevel]> = [
  ["log", "info"],
  ["info", "info"],
  ["debug", "debug"],
  ["warn", "warn"],
  ["error", "error"],
];

/**
 * Routes console output made inside a step body to that step's log, so that concurrent steps' output
 * is attributed to the right step; output outside any step goes to the console as usual. Async bodies
 * (`async` functions) are followed through their awaits and callbacks with AsyncLocalStorage; plain
 * functions only while they run, because on Node 20 AsyncLocalStorage slows every promise in the
 * process once it is in use (a plain function that returns a promise should log through ctx.log).
 */
function install(): void {
  if (installed) return;
  installed = true;
  for (const [method, level] of METHODS) {
    const original = console[method] as (...args: unknown[]) => void;
    (console as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      const logger = syncStep ?? currentStep.getStore();
      if (logger) logger()[level](format(...args));
      else original.apply(console, args);
    };
  }
}

/** Runs `fn` with console output attributed to the step logger `logger()` gives (made only if used). */
export function withStepConsole<T>(logger: () => StepLogger, fn: () => T, isAsync: boolean): T {
  install();
  if (isAsync) return currentStep.run(logger, fn);
  const previous = syncStep;
  syncStep = logger;
  try {
    return fn();
  } finally {
    syncStep = previous;
  }
}
