import type { LogLevel, PlanStatus, SerializedError } from "../core/index.js";
import type { RunResult, StepResult } from "./result.js";

/** Every event a run emits, by name: one map that the CLI, logging and (later) the server consume. */
export interface SluiceEventMap {
  "run:start": {
    runId: string;
    pipeline: string;
    steps: Array<{ name: string; status: PlanStatus; reason: string; deps: string[] }>;
  };
  "step:start": { runId: string; step: string; attempt: number };
  /** A step waits for a concurrency limit's slot (`waitingOn`: `limit gpu 2/2`). */
  "step:waiting": { runId: string; step: string; waitingOn: string };
  /** A run waits for a run limit's slot before it starts (it is `queued`). */
  "run:waiting": { runId: string; pipeline: string; waitingOn: string };
  "step:retry": {
    runId: string;
    step: string;
    attempt: number;
    delayMs: number;
    error: SerializedError;
  };
  "step:log": {
    runId: string;
    step: string;
    level: LogLevel;
    message: string;
    time: number;
    data?: unknown;
  };
  "step:end": { runId: string; step: string; result: StepResult };
  "run:end": { runId: string; result: RunResult };
}

export type SluiceEventName = keyof SluiceEventMap;

/** One event: its `type` and the fields of SluiceEventMap[type]. */
export type SluiceEvent = {
  [K in SluiceEventName]: { type: K } & SluiceEventMap[K];
}[SluiceEventName];

export type SluiceEventListener = (event: SluiceEvent) => void;
