import {
  SluiceError,
  isPromise,
  maskText,
  serializeError,
  type MaybePromise,
  type PipelineGraph,
  type MapResult,
  type Reason,
  type RunStatus,
  type SerializedError,
  type StepLogger,
  type StepStatus,
} from "../core/index.js";
import {
  encodeValue,
  refOf,
  tagOf,
  type ArtifactStore,
  type EncodedValue,
} from "../artifacts/index.js";
import {
  AttemptControl,
  InProcessExecutor,
  type Executor,
  type ThreadExecutor,
} from "../executors/index.js";
import { threadExecutorFor } from "./isolation.js";
import { cacheKeyOf, type Plan } from "../planner/index.js";
import type { CompletionStore, DatasetCatalog, RunStore, StepRunRecord } from "../store/index.js";
import type { SluiceEventListener, SluiceEventMap, SluiceEventName } from "./events.js";
import { RunResult, type FirstFailure, type StepResult } from "./result.js";
import { retryDelay, sleep } from "./retry.js";
import { withStepConsole } from "./console-capture.js";
import { checkOutput, fieldHashesOf, warnIfOverran, wrapError } from "./output-check.js";
import { Slots } from "./slots.js";
import type { ChildRun } from "./child-run.js";
import { runDynamic } from "./dynamic-step.js";
import { runMap } from "./map-step.js";
import { metricRecord, metricsOfOutput } from "./metrics.js";
import { Context, makeLogger } from "./step-context.js";
import { recordOf, resultOf, type StepState } from "./step-state.js";
import {
  argsOf,
  blockedBy,
  inputHashesOf,
  inputKeysOf,
  readOutputs,
  type OutputLoader,
} from "./step-inputs.js";
import { ownerFields } from "./owner.js";
import { RunRecording } from "./run-recording.js";
import { newRunId } from "./run-id.js";
import { RunLogs } from "./run-logs.js";

/** The stores a run records into. */
export interface Stores {
  runs: RunStore;
  completions: CompletionStore;
  artifacts: ArtifactStore;
  /** Where datasets, models and metrics are catalogued, if anywhere. */
  catalog?: DatasetCatalog;
}

export interface ExecuteOptions {
  graph: PipelineGraph;
  plan: Plan;
  /** Parsed params per graph node index (what each step declares). */
  paramsByNode: ReadonlyArray<Record<string, unknown>>;
  /** The params as given (secrets masked), for the run record. */
  params: Record<string, unknown>;
  /** Every param as the steps see it, defaults applied (secrets masked), for the run record. */
  effectiveParams?: Record<string, unknown>;
  /** Values of secret params, masked wherever logs or errors would show them. */
  secretValues?: readonly string[];
  targets?: readonly string[];
  stores: Stores;
  executor?: Executor;
  /** How many step bodies may run at once. */
  concurrency: number;
  signal?: AbortSignal;
  onEvent?: SluiceEventListener;
  runId?: string;
  /** Continue the existing run `runId` (after a crash or failure) instead of creating a new one. */
  resume?: boolean;
  /** Start the queued run `runId` that this process created under `claim` (a trigger) instead of creating one. */
  adopt?: { claim: string };
  /** Which outputs the result holds: all (reading complete steps' outputs back), or only those computed in this run. @defaultValue "all" */
  loadOutputs?: "all" | "ran";
  /** Attribute console output made inside step bodies to the step's log. @defaultValue true */
  captureConsole?: boolean;
  /** Where the pipeline came from, recorded so that `sluice resume` can load it again. */
  source?: { file: string; exportName?: string };
  /** The project the run belongs to, and the registered flow version it was triggered from. */
  project?: string;
  flow?: { version: string; hash: string };
}

/** Runs a plan: the run state machine (ready set, concurrency, retries, timeouts, cancellation, records). */
export function executeRun(options: ExecuteOptions): Promise<RunResult> {
  return new RunExecution(options).start();
}

/** How many ready steps may be between "ready" and "finished" at once (waiting for the store or a slot). */
const MAX_IN_FLIGHT = 1000;
/** After a cancel, how long step bodies get to end before the run ends without them (a body may ignore its signal). */
export const CANCEL_GRACE_MS = 3_000;

/**
 * One run. Steps wait in a ready queue until their dependencies are finished; up to `concurrency`
 * bodies run at once (a step holds a slot only while its body runs, not while its records are being
 * committed, so many steps' records share one group commit). No recursion: finishing a step
 * decrements its dependents' counters and queues the ones that reach zero, so a step added while the
 * run goes on only needs a counter and a place in `states` to join in.
 */
class RunExecution {
  private readonly runId: string;
  private readonly states: Array<StepState | undefined>;
  private readonly ordered: StepState[] = [];
  private readonly ready: StepState[] = [];
  private head = 0;
  /** Steps launched and not finished. */
  private active = 0;
  /** Body slots: at most `concurrency` bodies at once. */
  private readonly slots: Slots;
  private readonly executor: Executor;
  private readonly running = new Set<AttemptControl>();
  /** The run's own record: opened, heartbeat, writes not waited for, its end. */
  private readonly recording: RunRecording;
  /** Aborted on cancel: retry waits and fallbacks listen to it. */
  private readonly runControl = new AttemptControl();
  private cancelled = false;
  /** Set when the store refused a write: the run ends as failed. */
  private storeError: unknown;
  private firstFailure?: FirstFailure;
  private threads?: ThreadExecutor;
  private readonly logs: RunLogs;
  private resolveDone!: () => void;
  private graceTimer?: NodeJS.Timeout;
  /** Set once the run is being finished: a body that ends after that (it ignored its cancel) records nothing. */
  private closed = false;
  private startedAt = 0;
  /** How outputs of steps that did not run in this process are read back. */
  private readonly loader: OutputLoader;

  constructor(private readonly options: ExecuteOptions) {
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
  }

  async start(): Promise<RunResult> {
    const { graph, plan, stores } = this.options;
    this.startedAt = Date.now();
    for (const planned of plan.steps) {
      const node = graph.nodes[planned.index]!;
      const complete = planned.status === "complete";
      const state: StepState = {
        node,
        planned,
        status: complete ? "succeeded" : "pending",
        reason: planned.reason,
        cached: complete,
        attempts: 0,
        remaining: 0,
        finished: complete,
        cacheKey: planned.cacheKey,
        completionKey: planned.completion?.cacheKey,
        ref: planned.completion?.output,
        fieldHashes: planned.completion?.fieldHashes,
        hasValue: false,
      };
      this.states[node.index] = state;
      this.ordered.push(state);
    }
    for (const state of this.ordered) {
      if (state.finished) continue;
      for (const dep of state.node.deps) if (!this.states[dep]!.finished) state.remaining++;
      if (state.remaining === 0) this.ready.push(state);
    }
    const record = {
      pipeline: graph.pipeline,
      status: "running" as const,
      params: this.options.params,
      ...(this.options.effectiveParams === undefined
        ? {}
        : { effectiveParams: this.options.effectiveParams }),
      targets: this.options.targets ? [...this.options.targets] : undefined,
      source: this.options.source,
      ...ownerFields(),
      heartbeatAt: this.startedAt,
      ...(this.options.project === undefined ? {} : { project: this.options.project }),
      ...(this.options.flow === undefined ? {} : { flow: this.options.flow }),
    };
    const resumed =
      this.options.resume && !this.options.adopt
        ? await stores.runs.findRun(this.runId)
        : undefined;
    if (this.options.resume && !this.options.adopt && !resumed)
      throw new SluiceError(
        "not-found",
        `No run ${this.runId} to resume. List runs with: sluice runs`,
      );
    // Exactly one claimant continues a resumed (or adopted) run; the claim also fences it against any former owner.
    await this.recording.open(
      { ...record, startedAt: this.startedAt },
      { resume: resumed, adopt: this.options.adopt },
    );
    try {
      await stores.runs.putSteps(this.ordered.map((state) => recordOf(this.runId, state)));
    } catch (error) {
      // The run exists but its steps could not be recorded (a full disk): it ends failed, with a result.
      this.storeError = error;
      this.firstFailure = { error: serializeError(error) };
      return this.finish();
    }
    this.emit("run:start", {
      runId: this.runId,
      pipeline: graph.pipeline,
      steps: plan.steps.map((step) => ({
        name: step.name,
        status: step.status,
        reason: step.reason,
        deps: [...step.deps],
      })),
    });
    if (this.options.onEvent) {
      for (const state of this.ordered)
        if (state.finished)
          this.emit("step:end", {
            runId: this.runId,
            step: state.node.name,
            result: resultOf(state),
          });
    }

    const signal = this.options.signal;
    const onAbort = () => this.cancel();
    if (signal?.aborted) this.cancel();
    else signal?.addEventListener("abort", onAbort, { once: true });

    const done = new Promise<void>((resolve) => (this.resolveDone = resolve));
    this.pump();
    await done;
    signal?.removeEventListener("abort", onAbort);
    return this.finish();
  }

  private cancel(): void {
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

  private pump(): void {
    while (
      !this.cancelled &&
      this.active < Math.max(MAX_IN_FLIGHT, this.options.concurrency) &&
      this.head < this.ready.length
    ) {
      this.launch(this.ready[this.head++]!);
    }
    if (this.active === 0 && (this.cancelled || this.head === this.ready.length))
      this.resolveDone();
  }

  private launch(state: StepState): void {
    this.active++;
    this.runStep(state).then(
      () => this.afterStep(state),
      (error: unknown) => {
        try {
          this.settle(state, "failed", state.reason, error);
        } catch (storeError) {
          return this.storeFailed(state, storeError);
        }
        this.afterStep(state);
      },
    );
  }

  /** A step is over: queue the dependents it was the last dependency of, and start what can start. */
  private afterStep(state: StepState): void {
    this.active--;
    if (state.finished) {
      for (const dependent of state.node.dependents) {
        const next = this.states[dependent];
        if (next !== undefined && !next.finished && --next.remaining === 0) this.ready.push(next);
      }
    }
    this.pump();
  }

  /** The store refused a write: nothing more can be recorded, so the run stops (and ends failed). */
  private storeFailed(state: StepState, error: unknown): void {
    this.storeError ??= error;
    this.firstFailure ??= { step: state.node.name, error: serializeError(error) };
    this.cancel();
    this.afterStep(state);
  }

  private async runStep(state: StepState): Promise<void> {
    const blocked = blockedBy(state, this.states);
    if (blocked) return this.settle(state, "skipped", blocked);
    const { node } = state;
    const def = node.def;
    const pendingArgs = argsOf(
      state,
      this.states,
      this.options.paramsByNode[state.node.index]!,
      this.loader,
    );
    const args = isPromise(pendingArgs) ? await pendingArgs : pendingArgs;
    if (
      state.planned.status === "pending" &&
      state.planned.reason !== "forced" &&
      def.cache &&
      state.planned.cacheKey === undefined
    ) {
      // The plan could not know this key (an upstream had to run first): check it now.
      const inputHashes = inputHashesOf(state, this.states);
      state.cacheKey = cacheKeyOf(
        this.options.graph.pipeline,
        node,
        state.planned.paramsHash,
        inputHashes,
      );
      const found = this.options.plan.completionAt
        ? this.options.plan.completionAt(state.cacheKey)
        : this.options.stores.completions.findCompletion(state.cacheKey);
      const completion = isPromise(found) ? await found : found;
      if (completion && completion.invalidatedAt === undefined && !completion.itemsFailed) {
        state.cached = true;
        state.completionKey = completion.cacheKey;
        state.ref = completion.output;
        state.fieldHashes = completion.fieldHashes;
        return this.settle(state, "succeeded", state.reason);
      }
    } else if (state.cacheKey === undefined) {
      state.cacheKey = cacheKeyOf(
        this.options.graph.pipeline,
        node,
        state.planned.paramsHash,
        inputHashesOf(state, this.states),
      );
    }

    let logger: StepLogger | undefined;
    const log = () => (logger ??= this.loggerFor(node.name));
    if (def.when) {
      const ctx = new Context(
        this.runId,
        node.name,
        0,
        new AttemptControl(),
        log,
        undefined,
        def.filePaths,
      );
      let go: boolean;
      try {
        const answer = def.when(args as never, ctx);
        go = isPromise(answer) ? await answer : answer;
      } catch (error) {
        return this.settle(
          state,
          "failed",
          state.reason,
          wrapError(error, node.name, this.runId, "its `when` condition threw"),
        );
      }
      if (!go) return this.settle(state, "skipped", "condition-false");
    }

    state.status = "running";
    state.startedAt = Date.now();
    const recorded = this.options.stores.runs.putSteps([recordOf(this.runId, state)]);
    if (isPromise(recorded)) await recorded;
    let lastError: SluiceError | undefined;
    for (let attempt = 1; attempt <= def.retry.attempts; attempt++) {
      const slot = this.slots.acquire();
      if (isPromise(slot)) await slot;
      if (this.cancelled) {
        this.slots.release();
        return this.settle(state, "cancelled", "cancelled");
      }
      state.attempts = attempt;
      const pending = this.attempt(state, args, attempt, log);
      const outcome = isPromise(pending) ? await pending : pending;
      this.slots.release();
      if (outcome === undefined) return this.settle(state, "succeeded", state.reason);
      if (this.cancelled) return this.settle(state, "cancelled", "cancelled");
      lastError = outcome;
      if (attempt < def.retry.attempts && lastError.retryable) {
        const delayMs = retryDelay(def.retry, attempt);
        log().warn(
          `attempt ${attempt} failed: ${lastError.message}; retrying in ${Math.round(delayMs)} ms`,
        );
        this.emit("step:retry", {
          runId: this.runId,
          step: node.name,
          attempt,
          delayMs,
          error: this.serialized(lastError),
        });
        try {
          await sleep(delayMs, this.runControl.signal);
        } catch {
          return this.settle(state, "cancelled", "cancelled");
        }
        continue;
      }
      break;
    }
    const error = lastError!;
    if (def.onFailure) {
      const ctx = new Context(
        this.runId,
        node.name,
        state.attempts,
        this.runControl,
        log,
        undefined,
        def.filePaths,
      );
      try {
        const value = await def.onFailure(args as never, error, ctx);
        checkOutput(state.node.def, value, this.runId);
        // A fallback value is returned but not recorded as this step's completed output: the next run retries the step.
        const stored = this.store(state, value, false);
        if (isPromise(stored)) await stored;
        state.fallback = true;
        state.error = this.serialized(error);
        return this.settle(state, "succeeded", state.reason);
      } catch (fallbackError) {
        return this.settle(
          state,
          "failed",
          state.reason,
          wrapError(fallbackError, node.name, this.runId, "its onFailure fallback threw"),
        );
      }
    }
    return this.settle(state, "failed", state.reason, error);
  }

  /** One execution of the body, its output checked and stored; undefined on success, else the error. */
  private attempt(
    state: StepState,
    args: Record<string, unknown>,
    attempt: number,
    log: () => StepLogger,
  ): MaybePromise<SluiceError | undefined> {
    const { node } = state;
    const def = node.def;
    const control = new AttemptControl();
    this.running.add(control);
    const ctx = new Context(
      this.runId,
      node.name,
      attempt,
      control,
      log,
      (name, value) => this.logs.metric(metricRecord(this.runId, node.name, name, value)),
      def.filePaths,
    );
    if (this.options.onEvent)
      this.emit("step:start", { runId: this.runId, step: node.name, attempt });
    const started = Date.now();
    const call = { step: node.name, body: def.run, args, ctx, control, timeoutMs: def.timeoutMs };
    // Inside the try below: a thread pool that cannot be made (no module known) fails this step, not the run.
    const run = () =>
      (def.isolate === "thread"
        ? (this.threads ??= threadExecutorFor(
            this.options.source,
            this.options.graph.pipeline,
            node.name,
          ))
        : this.executor
      ).execute(call);
    const execute = def.map
      ? () =>
          runMap(
            {
              ...this.childRun(state, control),
              spec: def.map!,
              body: def.run,
              isAsync: def.isAsync,
              fingerprint: def.fingerprint,
              paramsHash: state.planned.paramsHash,
              params: args.params as Record<string, unknown>,
            },
            args.over,
          )
      : def.dynamic
        ? () => runDynamic({ ...this.childRun(state, control), parentKey: state.cacheKey! }, run)
        : run;
    let value: unknown;
    try {
      value =
        this.options.captureConsole === false
          ? execute()
          : withStepConsole(
              log,
              execute,
              def.isAsync || def.map !== undefined || def.dynamic === true,
            );
    } catch (error) {
      this.running.delete(control);
      return wrapError(error, node.name, this.runId);
    }
    if (isPromise(value)) {
      return value.then(
        (result) => this.keepOutput(state, result, control),
        (error: unknown) => {
          this.running.delete(control);
          return wrapError(error, node.name, this.runId);
        },
      );
    }
    if (def.timeoutMs !== undefined) warnIfOverran(def, log(), started);
    return this.keepOutput(state, value, control);
  }

  /** What a map's items (map-step.ts) or a dynamic step's children (dynamic-step.ts) need of this run. */
  private childRun(state: StepState, control: AttemptControl): ChildRun {
    const step = state.node.name;
    const onMetric = (name: string, value: number) =>
      this.logs.metric(metricRecord(this.runId, step, name, value));
    const loggerOf = (name: string) => this.loggerFor(name);
    const contextOf = (name: string, attempt: number, c: AttemptControl) =>
      new Context(
        this.runId,
        name,
        attempt,
        c,
        () => loggerOf(name),
        onMetric,
        state.node.def.filePaths,
      );
    const captureConsole = this.options.captureConsole !== false;
    return {
      runId: this.runId,
      pipeline: this.options.graph.pipeline,
      step,
      stores: this.options.stores,
      executor: this.executor,
      control,
      contextOf,
      loggerOf,
      captureConsole,
    };
  }

  private keepOutput(
    state: StepState,
    value: unknown,
    control: AttemptControl,
  ): MaybePromise<SluiceError | undefined> {
    this.running.delete(control);
    try {
      checkOutput(state.node.def, value, this.runId);
      const stored = this.store(state, value, true);
      if (isPromise(stored))
        return stored.then(
          () => undefined,
          (error: unknown) => wrapError(error, state.node.name, this.runId),
        );
      return undefined;
    } catch (error) {
      return wrapError(error, state.node.name, this.runId);
    }
  }

  /** An error as it may be recorded and shown: secret values masked in its message and stack (then cut to size). */
  private serialized(error: unknown): SerializedError {
    const secrets = this.options.secretValues ?? [];
    return serializeError(
      error,
      secrets.length === 0 ? undefined : (text) => maskText(text, secrets),
    );
  }

  /**
   * Stores the output and, for a real completion, the completion record. The writes are not waited
   * for here: they are queued in order (artifact, then completion), dependents may start at once, and a
   * dependent's own body runs only after its "running" record, queued after them, is committed, so no
   * body ever acts on an upstream whose completion could still be lost.
   */
  private store(state: StepState, value: unknown, complete: boolean): MaybePromise<void> {
    if (this.closed)
      throw new SluiceError(
        "cancelled",
        `step "${state.node.name}" ended after its run was cancelled; its output is not kept.`,
        { runId: this.runId },
      );
    const encoded = encodeValue(value, state.node.name, state.node.def.serializer);
    if (isPromise(encoded))
      return encoded.then((ready) => this.storeEncoded(state, value, ready, complete));
    return this.storeEncoded(state, value, encoded, complete);
  }

  private storeEncoded(
    state: StepState,
    value: unknown,
    encoded: EncodedValue,
    complete: boolean,
  ): void {
    const { node } = state;
    const ref = refOf(encoded);
    state.fieldHashes = fieldHashesOf(this.options.graph, node, value);
    state.ref = ref;
    state.value = value;
    state.hasValue = true;
    if (encoded.kind === "json") state.text = encoded.text;
    const put = this.options.stores.artifacts.put(encoded);
    if (!complete) return this.track(isPromise(put) ? put.then(() => undefined) : undefined, state);
    const completion = {
      cacheKey: state.cacheKey!,
      pipeline: this.options.graph.pipeline,
      step: node.name,
      identity: state.planned.identity,
      codeHash: node.def.fingerprint,
      paramsHash: state.planned.paramsHash,
      inputHashes: inputHashesOf(state, this.states),
      ...inputKeysOf(state, this.states),
      ...(state.fieldHashes ? { fieldHashes: state.fieldHashes } : {}),
      ...(node.def.map && (value as MapResult<unknown>).failures > 0
        ? { itemsFailed: (value as MapResult<unknown>).failures }
        : {}),
      output: ref,
      runId: this.runId,
      createdAt: Date.now(),
    };
    this.track(isPromise(put) ? put.then(() => undefined) : undefined, state);
    this.track(this.options.stores.completions.putCompletion(completion), state);
    state.completionKey = completion.cacheKey;
    const tag = tagOf(value) ?? (encoded.info ? "dataset" : undefined);
    if (tag === "metrics") this.logs.metric(...metricsOfOutput(this.runId, node.name, value));
    const catalog = this.options.stores.catalog;
    if (tag && catalog) {
      const { info } = encoded;
      this.track(
        catalog.recordDataset({
          hash: ref.hash,
          pipeline: completion.pipeline,
          step: node.name,
          runId: this.runId,
          tag,
          kind: ref.kind,
          size: ref.size,
          rows: info?.rows,
          columns: info?.columns,
          createdAt: completion.createdAt,
        }),
        state,
      );
    }
  }

  /** Follows a write that is not waited for: a failure stops the run, and the run's end waits for it. */
  private track(write: MaybePromise<void>, state?: StepState): void {
    this.recording.track(write, (error) => {
      this.storeError ??= error;
      this.firstFailure ??= { step: state?.node.name, error: serializeError(error) };
      this.cancel();
    });
  }

  /** Records the step's final state (queued; see `store`) and announces it. */
  private settle(state: StepState, status: StepStatus, reason: Reason, error?: unknown): void {
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
    this.track(this.options.stores.runs.putSteps([recordOf(this.runId, state)]), state);
    if (this.options.onEvent)
      this.emit("step:end", { runId: this.runId, step: state.node.name, result: resultOf(state) });
  }

  private async finish(): Promise<RunResult> {
    const { stores } = this.options;
    this.closed = true;
    this.recording.stopHeartbeat();
    clearTimeout(this.graceTimer);
    const leftovers: StepRunRecord[] = [];
    for (const state of this.ordered) {
      if (state.finished) continue;
      state.status = "cancelled";
      state.reason = "cancelled";
      state.finished = true;
      leftovers.push(recordOf(this.runId, state));
    }
    try {
      if (leftovers.length > 0) await stores.runs.putSteps(leftovers);
      await this.logs.flush();
    } catch (error) {
      this.storeError ??= error;
    }
    await this.threads?.close();
    // Every queued write of this run is committed (or has failed) before the run is reported finished.
    await this.recording.settle();
    const { outputs, texts, unreadable } = await readOutputs(
      this.ordered,
      this.loader,
      this.options.loadOutputs ?? "all",
    );
    // A run never reports an output it could not read (missing, or failing its hash check): that step failed.
    for (const { state, error } of unreadable) {
      state.error = this.serialized(error);
      this.firstFailure ??= { step: state.node.name, error: state.error };
    }
    if (unreadable.length > 0) {
      await Promise.resolve(
        stores.runs.putSteps(unreadable.map(({ state }) => recordOf(this.runId, state))),
      ).catch((error: unknown) => (this.storeError ??= error));
    }
    const anyFailed = this.ordered.some((state) => state.status === "failed");
    let status: RunStatus =
      this.storeError !== undefined
        ? "failed"
        : this.cancelled
          ? "cancelled"
          : anyFailed
            ? "failed"
            : "succeeded";
    const finishedAt = Date.now();
    // A run another process took over (superseded) is theirs to record.
    const superseded = SluiceError.is(this.storeError) && this.storeError.code === "superseded";
    try {
      await this.recording.finish(
        superseded
          ? undefined
          : {
              status,
              reason: status === "cancelled" ? "cancelled" : undefined,
              finishedAt,
              durationMs: finishedAt - this.startedAt,
              error: this.firstFailure?.error,
            },
      );
    } catch (error) {
      // The end could not be recorded (a full disk): the result still says what happened, and once this
      // process is gone the run reads as crashed (resumable) instead of running.
      this.storeError ??= error;
      this.firstFailure ??= { error: serializeError(error) };
      status = "failed";
    }
    const steps: Record<string, StepResult> = {};
    for (const state of this.ordered) steps[state.node.name] = resultOf(state);
    const result = new RunResult({
      runId: this.runId,
      pipeline: this.options.graph.pipeline,
      status,
      outputs,
      outputTexts: texts,
      steps,
      startedAt: this.startedAt,
      finishedAt,
      firstFailure: this.firstFailure,
    });
    this.emit("run:end", { runId: this.runId, result });
    return result;
  }

  private loggerFor(step: string): StepLogger {
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

  private emit<K extends SluiceEventName>(type: K, payload: SluiceEventMap[K]): void {
    const listener = this.options.onEvent;
    if (!listener) return;
    try {
      listener({ type, ...payload } as Parameters<SluiceEventListener>[0]);
    } catch {
      // A listener's bug must not break the run.
    }
  }
}
