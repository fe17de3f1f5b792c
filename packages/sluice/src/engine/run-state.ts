import {
  SluiceError,
  maskText,
  serializeError,
  type MaybePromise,
  type Reason,
  type SerializedError,
  type StepLogger,
  type StepStatus,
} from "../core/index.js";
import {
  AttemptControl,
  InProcessExecutor,
  type Executor,
  type ThreadExecutor,
} from "../executors/index.js";
import type { SluiceEventListener, SluiceEventMap, SluiceEventName } from "./events.js";
import type { ExecuteOptions } from "./execute-options.js";
import type { RunServices } from "./step-context.js";
import type { FirstFailure } from "./result.js";
import { Slots } from "./slots.js";
import { limitStoreOr } from "./limits.js";
import { RunSlots } from "./run-slots.js";
import { makeLogger } from "./step-context.js";
import { recordOf, resultOf, type StepState } from "./step-state.js";
import type { OutputLoader } from "./step-inputs.js";
import { RunRecording } from "./run-recording.js";
import { newRunId } from "./run-id.js";
import { RunLogs } from "./run-logs.js";

/** After a cancel, how long step bodies get to end before the run ends without them (a body may ignore its signal). */
export const CANCEL_GRACE_MS = 3_000;

/**
 * What one run knows while it goes on, and what every part of it does with that: cancel, follow a
 * write, settle a step, emit an event. The scheduler (engine.ts) is this state with a ready queue; a
 * step's way to its end (step-run.ts, step-attempt.ts, store-output.ts) and the run's end
 * (run-finish.ts) are plain functions of it.
 */
export class RunState {
  readonly runId: string;
  /** Offered to bodies sluice provides (runFlow): see RunServices. */
  services: RunServices;
  readonly states: Array<StepState | undefined>;
  readonly ordered: StepState[] = [];
  /** Body slots: at most `concurrency` bodies at once. */
  readonly slots: Slots;
  readonly executor: Executor;
  readonly running = new Set<AttemptControl>();
  /** The run's own record: opened, heartbeat, writes not waited for, its end. */
  readonly recording: RunRecording;
  /** Aborted on cancel: retry waits and fallbacks listen to it. */
  readonly runControl = new AttemptControl();
  cancelled = false;
  /** Set when the store refused a write: the run ends as failed. */
  storeError: unknown;
  firstFailure?: FirstFailure;
  threads?: ThreadExecutor;
  readonly logs: RunLogs;
  resolveDone!: () => void;
  graceTimer?: NodeJS.Timeout;
  /** Set once the run is being finished: a body that ends after that (it ignored its cancel) records nothing. */
  closed = false;
  startedAt = 0;
  /** How outputs of steps that did not run in this process are read back. */
  readonly loader: OutputLoader;
  /** The run's slots under run limits (see RunSlots). */
  readonly runSlots: RunSlots;

  constructor(readonly options: ExecuteOptions) {
    this.runId = options.runId ?? newRunId();
    this.recording = new RunRecording(options.stores.runs, this.runId);
    this.executor = options.executor ?? new InProcessExecutor();
    this.states = new Array(options.graph.nodes.length);
    this.slots = new Slots(options.concurrency);
    this.loader = {
      runId: this.runId,
      artifacts: options.stores.artifacts,
      completions: options.stores.completions,
    };
    this.logs = new RunLogs(options.stores.runs, this.runId, (flush) => {
      if (!this.closed) this.track(flush());
    });
    this.runSlots = new RunSlots(
      limitStoreOr(options.stores.limits),
      options.runLimits ?? [],
      this.runId,
    );
    this.services = {
      runId: this.runId,
      stores: options.stores,
      project: options.project,
      trigger: options.trigger,
      withoutRunSlots: (wait) => this.runSlots.without(wait, this.runControl.signal),
      setWaiting: (step, waitingOn) => this.setWaiting(step, waitingOn),
      // The run's cancel, or its caller's (a CLI's Ctrl-C while it waits for children started without waiting).
      signal: options.signal
        ? AbortSignal.any([this.runControl.signal, options.signal])
        : this.runControl.signal,
      ...(options.childRuns === undefined ? {} : { childRuns: options.childRuns }),
    };
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    const reason = new SluiceError("cancelled", "The run was cancelled.", { runId: this.runId });
    this.runControl.abort(reason);
    for (const controller of this.running) controller.abort(reason);
    // Attempts waiting for a slot go on, see the cancel and end.
    this.slots.releaseAll();
    // Bodies that ignore their signal are not waited for beyond the grace time: the run ends cancelled.
    this.graceTimer = setTimeout(() => this.resolveDone(), CANCEL_GRACE_MS);
  }

  /** A running step waits on something (a child run), or runs again: recorded and announced. */
  setWaiting(step: string, waitingOn: string | undefined): void {
    const state = this.ordered.find((candidate) => candidate.node.name === step);
    if (!state || state.finished || this.closed) return;
    state.status = waitingOn === undefined ? "running" : "waiting";
    state.waitingOn = waitingOn;
    if (waitingOn !== undefined) this.emit("step:waiting", { runId: this.runId, step, waitingOn });
    this.track(this.options.stores.runs.putSteps([recordOf(this.runId, state)]), state);
  }

  /** Follows a write that is not waited for: a failure stops the run, and the run's end waits for it. */
  track(write: MaybePromise<void>, state?: StepState): void {
    this.recording.track(write, (error) => {
      this.storeError ??= error;
      this.firstFailure ??= { step: state?.node.name, error: serializeError(error) };
      this.cancel();
    });
  }

  /** Records the step's final state (queued; see `storeOutput`) and announces it. */
  settle(state: StepState, status: StepStatus, reason: Reason, error?: unknown): void {
    if (this.closed) return;
    state.status = status;
    state.reason = reason;
    state.finished = true;
    state.finishedAt = Date.now();
    if (error !== undefined) {
      state.error = this.serialized(error);
      if (status === "failed") {
        this.firstFailure ??= { step: state.node.name, error: state.error };
        this.logs.failure(state.node.name, state.error, state.attempts);
      }
    }
    this.track(this.logs.flush(), state);
    this.recordSettled(state);
    if (this.options.onEvent)
      this.emit("step:end", { runId: this.runId, step: state.node.name, result: resultOf(state) });
  }

  /** Writes a settled step's record (a worker's step job keeps it, to commit it fenced: step-job.ts). */
  protected recordSettled(state: StepState): void {
    this.track(this.options.stores.runs.putSteps([recordOf(this.runId, state)]), state);
  }

  /** An error as it may be recorded and shown: secret values masked in its message and stack (then cut to size). */
  serialized(error: unknown): SerializedError {
    const secrets = this.options.secretValues ?? [];
    return serializeError(
      error,
      secrets.length === 0 ? undefined : (text) => maskText(text, secrets),
    );
  }

  loggerFor(step: string): StepLogger {
    return makeLogger(this.runId, step, this.options.secretValues ?? [], (record) => {
      this.logs.log(record);
      this.emit("step:log", {
        runId: this.runId,
        step,
        level: record.level,
        message: record.message,
        time: record.time,
        ...(record.data === undefined ? {} : { data: record.data }),
      });
    });
  }

  emit<K extends SluiceEventName>(type: K, payload: SluiceEventMap[K]): void {
    const listener = this.options.onEvent;
    if (!listener) return;
    try {
      listener({ type, ...payload } as Parameters<SluiceEventListener>[0]);
    } catch {
      // A listener's bug must not break the run.
    }
  }
}
