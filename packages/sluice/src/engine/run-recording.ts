/**
 * The run-recording seam: how a run's own record lives in a RunStore while the run goes on, for
 * pipeline runs (the engine, whose map items and dynamic children record inside their step) and
 * Arazzo runs alike. One class does the four things every run needs:
 * - open: create the run record, or take an existing one (resuming it: claimed against the record as
 *   read; adopting the queued run this process made: claimed with the trigger's token), fenced by the claim;
 * - heartbeat: prove the owner alive to other processes and hosts;
 * - track: follow writes that are not waited for one by one (the caller decides what a failure means);
 * - finish: once every tracked write has settled, record the run's end and release the fence.
 */
import { isPromise, type MaybePromise } from "../core/index.js";
import type { RunRecord, RunStore } from "../store/index.js";
import { adoptRun, HEARTBEAT_MS, takeRun } from "./owner.js";

export interface RunOpening {
  /** Continue this run (its record as read from the store). */
  resume?: RunRecord;
  /** Start the queued run this process created under `claim` (a trigger). */
  adopt?: { claim: string };
  /** Let the process exit while the heartbeat runs. The engine keeps it alive: a step whose promise never settles must not end the process as if the run were done. @defaultValue false */
  unrefHeartbeat?: boolean;
}

export class RunRecording {
  private readonly inflight = new Set<Promise<unknown>>();
  private heartbeat?: NodeJS.Timeout;

  constructor(
    readonly runs: RunStore,
    readonly runId: string,
  ) {}

  /** Records the run as running under this process (see RunOpening) and starts its heartbeat. */
  async open(record: Omit<RunRecord, "runId" | "claim">, opening: RunOpening = {}): Promise<void> {
    if (opening.adopt) {
      const { startedAt: _queuedAt, ...fields } = record; // the trigger's time stays the run's start
      await adoptRun(this.runs, { runId: this.runId, ...fields }, opening.adopt.claim);
    } else {
      await takeRun(this.runs, { runId: this.runId, ...record }, opening.resume);
    }
    // A failed heartbeat is not the run's failure: the writes that matter fail on their own.
    this.heartbeat = setInterval(() => {
      Promise.resolve(this.runs.updateRun(this.runId, { heartbeatAt: Date.now() })).catch(
        () => undefined,
      );
    }, HEARTBEAT_MS);
    if (opening.unrefHeartbeat) this.heartbeat.unref();
  }

  /** Follows a write that is not waited for: `onError` hears of its failure; finish() waits for it either way. */
  track(write: MaybePromise<void>, onError: (error: unknown) => void): void {
    if (!isPromise(write)) return;
    this.inflight.add(write);
    write.then(
      () => this.inflight.delete(write),
      (error: unknown) => {
        this.inflight.delete(write);
        onError(error);
      },
    );
  }

  /** The run is ending: no more heartbeats. */
  stopHeartbeat(): void {
    clearInterval(this.heartbeat);
  }

  /** Resolves once every tracked write has settled (committed or failed), those tracked meanwhile included. */
  async settle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /**
   * Ends the run: waits for every tracked write, records `end` (unless undefined: a run another process
   * took over is theirs to record) and releases the run's fence, even when the store refuses the end.
   */
  async finish(end: Partial<RunRecord> | undefined): Promise<void> {
    this.stopHeartbeat();
    await this.settle();
    try {
      if (end !== undefined) await this.runs.updateRun(this.runId, end);
    } finally {
      this.release();
    }
  }

  /** Stops recording without an end (the run could not go on): the fence is released, the record stays as it is. */
  release(): void {
    this.stopHeartbeat();
    this.runs.fenceRun(this.runId, undefined);
  }
}
