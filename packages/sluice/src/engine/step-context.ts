import {
  capText,
  maskText,
  SluiceError,
  type LogLevel,
  type StepContext,
  type StepLogger,
} from "../core/index.js";
import type { AttemptControl } from "../executors/index.js";
import type { LogRecord, RunTrigger } from "../store/index.js";
import type { Stores } from "./execute-options.js";

/** Longest log line that is recorded; longer ones keep their head and tail. */
const MAX_LOG_TEXT = 64 * 1024;

const NO_FILES: Readonly<Record<string, string>> = Object.freeze({});

/**
 * What the run offers the steps that start runs of their own (`runFlow`, flows/run-flow.ts): its
 * stores, id and project. Not part of StepContext: user code never sees it.
 */
export interface RunServices {
  readonly runId: string;
  readonly stores: Stores;
  readonly project?: string;
  readonly trigger?: RunTrigger;
  /** Runs `wait` with the run's limit slots given up (a parent waiting on a child run holds none). */
  withoutRunSlots<T>(wait: () => Promise<T>): Promise<T>;
  /** Where runFlow steps trigger their children: undefined for the workspace's choice. */
  readonly childRuns?: ChildRunsTarget;
  /** Aborted when the run is cancelled (a step's own signal ends with its attempt). */
  readonly signal: AbortSignal;
  /** Shows a running step as `waiting` on something (`child run R`), or, with undefined, running again. */
  setWaiting(step: string, waitingOn: string | undefined): void;
}

/** Where a run's `runFlow` children are triggered: in this process, or on a sluice server. */
export type ChildRunsTarget = "local" | { url: string; apiKey?: string; project?: string };

/** A step's context. Its signal and logger are made only if the body reads them. */
export class Context implements StepContext {
  #logger?: StepLogger;
  #services?: RunServices;

  /** The run's services, for a body sluice itself provides (see RunServices). */
  static servicesOf(ctx: StepContext): RunServices | undefined {
    return ctx instanceof Context ? ctx.#services : undefined;
  }

  constructor(
    readonly runId: string,
    readonly step: string,
    readonly attempt: number,
    private readonly control: AttemptControl,
    private readonly makeLogger: () => StepLogger,
    private readonly onMetric?: (name: string, value: number) => void,
    readonly files: Readonly<Record<string, string>> = NO_FILES,
    services?: RunServices,
  ) {
    this.#services = services;
  }

  metric(name: string, value: number): void {
    if (!this.onMetric)
      throw new SluiceError(
        "invalid-usage",
        `step "${this.step}": ctx.metric() can be called from the step's run body only.`,
        { step: this.step },
      );
    this.onMetric(name, value);
  }

  get scheduledAt(): Date | undefined {
    const tickAt = this.#services?.trigger?.tickAt;
    return tickAt === undefined ? undefined : new Date(tickAt);
  }

  get signal(): AbortSignal {
    return this.control.signal;
  }

  get log(): StepLogger {
    this.#logger ??= this.makeLogger();
    return this.#logger;
  }
}

/** A step's logger: `log(message)` at info, `log.debug/info/warn/error`; secret values are masked. */
export function makeLogger(
  runId: string,
  step: string,
  secrets: readonly string[],
  sink: (record: LogRecord) => void,
): StepLogger {
  const write = (level: LogLevel) => (message: string, data?: unknown) => {
    const text = capText(
      secrets.length > 0 ? maskText(String(message), secrets) : String(message),
      MAX_LOG_TEXT,
    );
    const record: LogRecord = { runId, step, time: Date.now(), level, message: text };
    if (data !== undefined)
      record.data =
        secrets.length > 0 ? JSON.parse(maskText(JSON.stringify(data) ?? "null", secrets)) : data;
    sink(record);
  };
  const logger = write("info") as StepLogger;
  logger.debug = write("debug");
  logger.info = write("info");
  logger.warn = write("warn");
  logger.error = write("error");
  return logger;
}
