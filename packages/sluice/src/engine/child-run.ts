import {
  isPromise,
  SluiceError,
  type MaybePromise,
  type NormalizedRetry,
  type StepContext,
  type StepLogger,
} from "../core/index.js";
import { AttemptControl, type Executor } from "../executors/index.js";
import type { Stores } from "./execute-options.js";
import { withStepConsole } from "./console-capture.js";
import { retryDelay, sleep } from "./retry.js";
import type { FanOut } from "./fan-out.js";

/** What the instances a step runs inside itself (a map's items, a dynamic step's children) need of the run. */
export interface ChildRun {
  runId: string;
  pipeline: string;
  /** The step that runs them. */
  step: string;
  stores: Stores;
  executor: Executor;
  /** The step's own attempt: aborting it cancels every child. */
  control: AttemptControl;
  /** A child's context: its log lines are filed under the child's own name (`score[3]`), its metrics under the step's. */
  contextOf(name: string, attempt: number, control: AttemptControl): StepContext;
  /** A child's logger (the same lines as its context's). */
  loggerOf(name: string): StepLogger;
  /** Whether console output in a child's body is recorded as the child's log (the run's `captureConsole`). */
  captureConsole: boolean;
  /** On a stack's workers: where the step shares its items or children with the other workers. */
  fanOut?: FanOut;
}

/** One child body to run, with its retry policy and per-attempt timeout. */
export interface ChildCall {
  name: string;
  body: (args: never, ctx: StepContext) => unknown;
  args: unknown;
  retry: NormalizedRetry;
  timeoutMs?: number;
  /** An `async` body, whose console output is followed through its awaits (see console-capture.ts). */
  isAsync: boolean;
}

export type ChildOutcome =
  | { ok: true; value: unknown; attempts: number }
  | { ok: false; error: SluiceError; attempts: number };

/**
 * Runs children's bodies for a step: each attempt with its own control, all aborted together with the
 * step's; a retryable failure is tried again after the policy's delay. A synchronous body's outcome
 * comes back synchronously, so thousands of trivial children cost no promises.
 */
export class ChildAttempts {
  private readonly live = new Set<AttemptControl>();

  constructor(private readonly run: ChildRun) {
    if (!run.control.aborted)
      run.control.signal.addEventListener(
        "abort",
        () => this.live.forEach((c) => c.abort(run.control.reason)),
        { once: true },
      );
  }

  attempt(call: ChildCall, attempt = 1): MaybePromise<ChildOutcome> {
    const { run } = this;
    const control = new AttemptControl();
    if (run.control.aborted) control.abort(run.control.reason);
    this.live.add(control);
    let pending: unknown;
    try {
      const ctx = run.contextOf(call.name, attempt, control);
      const execute = () =>
        run.executor.execute({
          step: call.name,
          body: call.body,
          args: call.args,
          ctx,
          control,
          timeoutMs: call.timeoutMs,
        });
      pending = run.captureConsole
        ? withStepConsole(() => ctx.log, execute, call.isAsync)
        : execute();
    } catch (error) {
      this.live.delete(control);
      return this.failed(call, attempt, error);
    }
    if (!isPromise(pending)) {
      this.live.delete(control);
      return { ok: true, value: pending, attempts: attempt };
    }
    return pending.then(
      (value): ChildOutcome => {
        this.live.delete(control);
        return { ok: true, value, attempts: attempt };
      },
      (error: unknown) => {
        this.live.delete(control);
        return this.failed(call, attempt, error);
      },
    );
  }

  private failed(call: ChildCall, attempt: number, thrown: unknown): MaybePromise<ChildOutcome> {
    const { run } = this;
    const error = SluiceError.is(thrown)
      ? thrown
      : new SluiceError("step-failed", thrown instanceof Error ? thrown.message : String(thrown), {
          step: call.name,
          cause: thrown,
        });
    if (!run.control.aborted && attempt < call.retry.attempts && error.retryable) {
      const delayMs = retryDelay(call.retry, attempt);
      run
        .loggerOf(call.name)
        .warn(`attempt ${attempt} failed: ${error.message}; retrying in ${Math.round(delayMs)} ms`);
      return sleep(delayMs, run.control.signal).then(
        () => this.attempt(call, attempt + 1),
        (): ChildOutcome => ({ ok: false, error, attempts: attempt }),
      );
    }
    return { ok: false, error, attempts: attempt };
  }
}
