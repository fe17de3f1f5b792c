/**
 * How an Arazzo run is recorded in a RunStore, so `sluice runs`, `show` and `logs` see it like any
 * run: one RunRecord (owner pid, host and heartbeat, as the engine keeps them, so a killed process is
 * marked crashed), one StepRunRecord per Arazzo step, and logs per call.
 *
 * Writes are grouped: step records and logs are queued (the SQLite store group-commits them) and
 * the checkpoint is written with `updateRun`, which commits everything queued before it. The runner
 * commits once before each step execution: the state after the previous execution, and this step's
 * "running" record, are stored before the call is sent, so a resumed run never repeats a finished call.
 */
import {
  ownerFields,
  RunRecording,
  serializeError,
  type HttpExchange,
  type LogLevel,
  type LogRecord,
  type MaybePromise,
  type RunCheckpoints,
  type RunRecord,
  type RunStore,
  type SerializedError,
  type StepRunRecord,
  type StepStatus,
} from "sluice/internal";

import type { Masker } from "./secrets.js";
import { maskExchange } from "./exchange.js";

export class Recorder {
  private readonly steps = new Map<string, StepRunRecord>();
  private dirty = new Set<string>();
  private logs: LogRecord[] = [];
  /** The run's own record (opened, heartbeat, queued writes, its end): the engine's seam. */
  private readonly recording: RunRecording;
  /** The first write the store refused: the run cannot be recorded any further. */
  storeError?: unknown;

  constructor(
    readonly runs: RunStore & RunCheckpoints,
    readonly runId: string,
    private readonly masker: Masker,
  ) {
    this.recording = new RunRecording(runs, runId);
  }

  /** Creates (or, resuming, reopens) the run record and lists every step as pending. */
  async start(
    record: Omit<RunRecord, "runId" | "status" | "startedAt">,
    stepNames: readonly string[],
    resume?: { run: RunRecord; existing: StepRunRecord[] },
  ): Promise<void> {
    const now = Date.now();
    // Exactly one claimant continues a resumed run (claimed against the record its checkpoint was read from).
    await this.recording.open(
      { ...record, status: "running", ...ownerFields(), heartbeatAt: now, startedAt: now },
      { resume: resume?.run, unrefHeartbeat: true },
    );
    // Steps the crash recovery (or a cancel) left cancelled have not run: pending again until they do.
    for (const step of resume?.existing ?? [])
      this.steps.set(
        step.step,
        step.status === "cancelled" ? { ...step, status: "pending", reason: "forced" } : step,
      );
    const fresh: StepRunRecord[] = [];
    for (const name of stepNames) {
      if (this.steps.has(name)) continue;
      const step: StepRunRecord = {
        runId: this.runId,
        step: name,
        identity: name,
        status: "pending",
        reason: "forced",
        cached: false,
        attempts: 0,
      };
      this.steps.set(name, step);
      fresh.push(step);
    }
    if (fresh.length > 0) this.track(this.runs.putSteps(fresh));
  }

  stepStarted(name: string, attempts: number): void {
    const step = this.step(name);
    const now = Date.now();
    step.status = "running";
    step.attempts = attempts;
    step.startedAt ??= now;
    step.finishedAt = undefined;
    step.error = undefined;
    this.dirty.add(name);
  }

  stepEnded(name: string, status: StepStatus, error?: SerializedError): void {
    const step = this.step(name);
    const now = Date.now();
    step.status = status;
    step.finishedAt = now;
    step.durationMs = now - (step.startedAt ?? now);
    step.error = error === undefined ? undefined : this.maskError(error);
    if (status === "skipped")
      step.reason = error === undefined ? "condition-false" : "upstream-failed";
    if (status === "cancelled") step.reason = "cancelled";
    this.dirty.add(name);
  }

  /** Steps never reached: skipped (or cancelled), with why. */
  settleUnfinished(runFailed: boolean, cancelled: boolean): void {
    for (const [name, step] of this.steps) {
      if (step.status === "pending") {
        step.status = cancelled ? "cancelled" : "skipped";
        step.reason = cancelled ? "cancelled" : runFailed ? "upstream-failed" : "condition-false";
        this.dirty.add(name);
      } else if (step.status === "running") {
        this.stepEnded(
          name,
          cancelled ? "cancelled" : "failed",
          cancelled
            ? undefined
            : { code: "internal", message: "The step was still running when its run ended." },
        );
      }
    }
  }

  /** Keeps an HTTP step's last exchange on its record (masked when queued). */
  stepExchange(name: string, exchange: HttpExchange): void {
    this.step(name).http = exchange;
    this.dirty.add(name);
  }

  /** Buffers a log line; secrets are masked when it is queued, so a secret learned meanwhile is masked too. */
  log(step: string | undefined, level: LogLevel, message: string, data?: unknown): void {
    const record: LogRecord = { runId: this.runId, time: Date.now(), level, message };
    if (step !== undefined) record.step = step;
    if (data !== undefined) record.data = data;
    this.logs.push(record);
  }

  /** Queues changed step records and logs (not waited for one by one). */
  queue(): void {
    if (this.dirty.size > 0) {
      // Masked now, not when the exchange was made: a secret learned since (a token the next step sends) is masked too.
      const records = [...this.dirty].map((name) => {
        const record = { ...this.steps.get(name)! };
        if (record.http) record.http = maskExchange(record.http, this.masker);
        return record;
      });
      this.dirty = new Set();
      this.track(this.runs.putSteps(records));
    }
    if (this.logs.length > 0) {
      const logs = this.logs;
      this.logs = [];
      if (!this.masker.empty) {
        for (const log of logs) {
          log.message = this.masker.text(log.message);
          if (log.data !== undefined) log.data = this.masker.value(log.data);
        }
      }
      this.track(this.runs.appendLogs(logs));
    }
  }

  /** Queues what changed and stores the checkpoint with it (one commit where the store can); resolves once both are stored. */
  async commit(checkpoint: unknown): Promise<void> {
    await this.runs.commitCheckpoint(this.runId, checkpoint, Date.now(), () => this.queue());
    if (this.storeError !== undefined) throw this.storeError;
  }

  /** Ends the run record; every queued write is committed before it resolves. */
  async finish(patch: Partial<RunRecord>): Promise<void> {
    this.queue();
    await this.recording.finish(patch);
  }

  stop(): void {
    this.recording.release();
  }

  private maskError(error: SerializedError): SerializedError {
    const out: SerializedError = { code: error.code, message: this.masker.text(error.message) };
    if (error.details !== undefined) out.details = this.masker.value(error.details);
    return out;
  }

  private step(name: string): StepRunRecord {
    let step = this.steps.get(name);
    if (!step) {
      step = {
        runId: this.runId,
        step: name,
        identity: name,
        status: "pending",
        reason: "forced",
        cached: false,
        attempts: 0,
      };
      this.steps.set(name, step);
    }
    return step;
  }

  private track(write: MaybePromise<void>): void {
    this.recording.track(write, (error) => {
      this.storeError ??= error;
    });
  }
}

/** An error as a step record keeps it: code and message (and details), no stack. */
export function stepError(error: unknown): SerializedError {
  const { stack: _stack, ...rest } = serializeError(error);
  return rest;
}
