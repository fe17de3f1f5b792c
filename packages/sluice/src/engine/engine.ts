import { SluiceError, serializeError } from "../core/index.js";
import type { ExecuteOptions } from "./execute-options.js";
import type { RunResult } from "./result.js";
import { finishRun } from "./run-finish.js";
import { RunState } from "./run-state.js";
import { runStep } from "./step-run.js";
import { recordOf, resultOf, type StepState } from "./step-state.js";
import { newClaim, ownerFields } from "./owner.js";
import type { RunRecord } from "../store/index.js";

/** Runs a plan: the run state machine (ready set, concurrency, retries, timeouts, cancellation, records). */
export function executeRun(options: ExecuteOptions): Promise<RunResult> {
  return new RunExecution(options).start();
}

/** How many ready steps may be between "ready" and "finished" at once (waiting for the store or a slot). */
const MAX_IN_FLIGHT = 1000;

/**
 * One run. Steps wait in a ready queue until their dependencies are finished; up to `concurrency`
 * bodies run at once (a step holds a slot only while its body runs, not while its records are being
 * committed, so many steps' records share one group commit). No recursion: finishing a step
 * decrements its dependents' counters and queues the ones that reach zero, so a step added while the
 * run goes on only needs a counter and a place in `states` to join in.
 */
class RunExecution extends RunState {
  private readonly ready: StepState[] = [];
  private head = 0;
  /** Steps launched and not finished. */
  private active = 0;

  async start(): Promise<RunResult> {
    try {
      return await this.execute();
    } finally {
      await this.runSlots.release().catch(() => undefined);
    }
  }

  private async execute(): Promise<RunResult> {
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
      waitingOn: undefined,
      ...ownerFields(),
      heartbeatAt: this.startedAt,
      ...(this.options.project === undefined ? {} : { project: this.options.project }),
      ...(this.options.flow === undefined ? {} : { flow: this.options.flow }),
      ...(this.options.context === undefined ? {} : { context: this.options.context }),
      // A resumed or adopted run keeps the trigger it was recorded with, unless told otherwise.
      ...(this.options.trigger !== undefined
        ? { trigger: this.options.trigger }
        : this.options.resume || this.options.adopt
          ? {}
          : { trigger: { kind: "manual" as const } }),
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
    // A resumed run keeps what started it: its steps still see the tick (ctx.scheduledAt).
    if (this.options.trigger === undefined && resumed?.trigger)
      this.services = { ...this.services, trigger: resumed.trigger };
    let adopt = this.options.adopt;
    if (this.runSlots.any) {
      try {
        await this.runSlots.take({
          signal: this.options.signal,
          onWaiting: async (waitingOn) => {
            adopt = await this.recordQueued(record, { resumed, adopt }, waitingOn);
            this.emit("run:waiting", { runId: this.runId, pipeline: graph.pipeline, waitingOn });
          },
        });
      } catch (error) {
        // Cancelled while queued: the run is recorded and ends cancelled, its steps not started.
        if (!this.options.signal?.aborted) throw error;
      }
    }
    // Exactly one claimant continues a resumed (or adopted) run; the claim also fences it against any former owner.
    await this.recording.open({ ...record, startedAt: this.startedAt }, { resume: resumed, adopt });
    try {
      await stores.runs.putSteps(this.ordered.map((state) => recordOf(this.runId, state)));
    } catch (error) {
      // The run exists but its steps could not be recorded (a full disk): it ends failed, with a result.
      this.storeError = error;
      this.firstFailure = { error: serializeError(error) };
      return finishRun(this);
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
    return finishRun(this);
  }

  /**
   * Shows the run `queued`, waiting on a run limit: a new run is created queued under a claim it then
   * adopts; a queued run this process made (a trigger) records what it waits on; a resumed run keeps
   * its record until it starts.
   */
  private async recordQueued(
    record: Omit<RunRecord, "runId" | "startedAt">,
    { resumed, adopt }: { resumed?: RunRecord; adopt?: { claim: string } },
    waitingOn: string,
  ): Promise<{ claim: string } | undefined> {
    const { runs } = this.options.stores;
    if (adopt) {
      await runs.casRun(this.runId, adopt.claim, { waitingOn });
      return adopt;
    }
    if (resumed) return undefined;
    const claim = newClaim();
    await runs.createRun({
      ...record,
      runId: this.runId,
      status: "queued",
      waitingOn,
      startedAt: this.startedAt,
      claim,
    });
    return { claim };
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
    runStep(this, state).then(
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
}
