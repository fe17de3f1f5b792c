import type { MaybePromise, StepContext } from "../core/index.js";
import type { AttemptControl } from "./attempt-control.js";

/** One attempt of one step body, as the engine hands it to an executor. */
export interface StepCall {
  readonly step: string;
  readonly body: (args: never, ctx: StepContext) => unknown;
  readonly args: unknown;
  readonly ctx: StepContext;
  /** Aborting it stops the attempt: the engine aborts it on cancel, the executor on timeout. */
  readonly control: AttemptControl;
  readonly timeoutMs?: number;
}

/**
 * Where a step body runs. Gives the body's return value, or what it threw; a synchronous body's
 * outcome may come back synchronously (returned or thrown), an asynchronous one as a promise.
 */
export interface Executor {
  execute(call: StepCall): MaybePromise<unknown>;
}
