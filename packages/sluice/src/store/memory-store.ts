import { SluiceError } from "../core/index.js";
import {
  DEFAULT_PROJECT,
  type Completion,
  type DatasetRecord,
  type LogRecord,
  type MetricRecord,
  type RunFilter,
  type RunRecord,
  type StepRunRecord,
} from "./records.js";
import type { CompletionStore, DatasetCatalog, RunCheckpoints, RunStore } from "./run-store.js";
import type { TriggerStore } from "./server-records.js";
import type { ScheduleStore, ScheduleTick } from "./schedule-records.js";

/**
 * Runs and completions held in memory: for `--in-memory`, `memoryStores()` and tests.
 * Records passed in are kept as they are (callers hand over fresh objects); reads return copies.
 */
export class MemoryStore
  implements RunStore, RunCheckpoints, CompletionStore, DatasetCatalog, TriggerStore, ScheduleStore
{
  private readonly idempotencyKeys = new Map<string, string>();
  private readonly ticks = new Map<string, ScheduleTick>();
  private readonly paused = new Set<string>();
  private readonly datasets: DatasetRecord[] = [];
  private readonly runs = new Map<string, RunRecord>();
  private readonly steps = new Map<string, Map<string, StepRunRecord>>();
  private readonly logs = new Map<string, LogRecord[]>();
  private readonly metrics = new Map<string, MetricRecord>();
  private readonly completions = new Map<string, Completion>();
  /** Newest completion by pipeline, then step. */
  private readonly latest = new Map<string, Map<string, Completion>>();
  /** Runs written only while their claim is this one (fenceRun). */
  private readonly fences = new Map<string, string>();

  async createRun(run: RunRecord): Promise<void> {
    if (this.runs.has(run.runId)) throw new Error(`run ${run.runId} exists already`);
    this.runs.set(run.runId, structuredClone(run));
    this.steps.set(run.runId, new Map());
  }

  async updateRun(runId: string, patch: Partial<Omit<RunRecord, "runId">>): Promise<void> {
    const run = this.runs.get(runId);
    if (!run) throw new Error(`no run ${runId}`);
    this.checkFence(runId);
    Object.assign(run, structuredClone(patch));
  }

  async commitCheckpoint(
    runId: string,
    checkpoint: unknown,
    heartbeatAt: number,
    pending: () => void,
  ): Promise<void> {
    pending();
    await this.updateRun(runId, { checkpoint, heartbeatAt });
  }

  async casRun(
    runId: string,
    expectedClaim: string | undefined,
    patch: Partial<Omit<RunRecord, "runId">>,
  ): Promise<boolean> {
    const run = this.runs.get(runId);
    if (!run || run.claim !== expectedClaim) return false;
    Object.assign(run, structuredClone(patch));
    return true;
  }

  fenceRun(runId: string, claim: string | undefined): void {
    if (claim === undefined) this.fences.delete(runId);
    else this.fences.set(runId, claim);
  }

  private checkFence(runId: string): void {
    const claim = this.fences.get(runId);
    const run = this.runs.get(runId);
    if (claim === undefined || run === undefined || run.claim === claim) return;
    throw new SluiceError(
      "superseded",
      `Run ${runId} was taken over by another owner (${run.ownerPid ?? "?"}@${run.ownerHost ?? "?"}); this one stops writing it.`,
      { runId },
    );
  }

  // Hot-path methods answer synchronously (see MaybePromise).
  putSteps(steps: readonly StepRunRecord[]): void {
    for (const step of steps) this.checkFence(step.runId);
    for (const step of steps) {
      const byName = this.steps.get(step.runId);
      if (!byName) throw new Error(`no run ${step.runId}`);
      byName.set(step.step, step);
    }
  }

  async getRun(runId: string): Promise<{ run: RunRecord; steps: StepRunRecord[] } | undefined> {
    const run = this.runs.get(runId);
    if (!run) return undefined;
    return {
      run: structuredClone(run),
      steps: [...this.steps.get(runId)!.values()].map((step) => ({ ...step })),
    };
  }

  findRun(runId: string): RunRecord | undefined {
    const run = this.runs.get(runId);
    return run === undefined ? undefined : structuredClone(run);
  }

  claimTick(tick: ScheduleTick): boolean {
    const key = `${tick.project}\u0000${tick.scheduleId}\u0000${tick.tickAt}`;
    if (this.ticks.has(key)) return false;
    this.ticks.set(key, { ...tick });
    return true;
  }

  settleTick(
    project: string,
    scheduleId: string,
    tickAt: number,
    outcome: "started" | "skipped",
    runId?: string,
  ): void {
    const tick = this.ticks.get(`${project}\u0000${scheduleId}\u0000${tickAt}`);
    if (!tick) return;
    tick.outcome = outcome;
    if (runId !== undefined) tick.runId = runId;
  }

  lastTick(project: string, scheduleId: string): ScheduleTick | undefined {
    let last: ScheduleTick | undefined;
    for (const tick of this.ticks.values())
      if (
        tick.project === project &&
        tick.scheduleId === scheduleId &&
        tick.tickAt > (last?.tickAt ?? -Infinity)
      )
        last = tick;
    return last && { ...last };
  }

  setSchedulePaused(project: string, scheduleId: string, paused: boolean): void {
    if (paused) this.paused.add(`${project}\u0000${scheduleId}`);
    else this.paused.delete(`${project}\u0000${scheduleId}`);
  }

  pausedSchedules(project: string): string[] {
    return [...this.paused]
      .filter((key) => key.startsWith(`${project}\u0000`))
      .map((key) => key.slice(project.length + 1));
  }

  /** Creates `run` unless `idempotencyKey` was claimed before in its project (TriggerStore). */
  async createTriggeredRun(
    run: RunRecord,
    idempotencyKey?: string,
  ): Promise<{ runId: string; created: boolean }> {
    if (idempotencyKey !== undefined) {
      const key = `${run.project ?? DEFAULT_PROJECT}\u0000${idempotencyKey}`;
      const earlier = this.idempotencyKeys.get(key);
      if (earlier !== undefined) return { runId: earlier, created: false };
      this.idempotencyKeys.set(key, run.runId);
    }
    await this.createRun(run);
    return { runId: run.runId, created: true };
  }

  async listRuns(filter: RunFilter = {}): Promise<RunRecord[]> {
    const matching = [...this.runs.values()]
      .filter(
        (run) =>
          (filter.pipeline === undefined || run.pipeline === filter.pipeline) &&
          (filter.status === undefined || run.status === filter.status) &&
          (filter.project === undefined || (run.project ?? DEFAULT_PROJECT) === filter.project) &&
          (filter.parentRunId === undefined || run.trigger?.parentRunId === filter.parentRunId) &&
          (filter.trigger === undefined || (run.trigger?.kind ?? "manual") === filter.trigger) &&
          (filter.since === undefined || run.startedAt >= filter.since),
      )
      .sort((a, b) => b.startedAt - a.startedAt || (a.runId < b.runId ? 1 : -1));
    return structuredClone(filter.limit === undefined ? matching : matching.slice(0, filter.limit));
  }

  recordMetrics(metrics: readonly MetricRecord[]): void {
    for (const metric of metrics)
      this.metrics.set(`${metric.runId}\u0000${metric.step}\u0000${metric.name}`, { ...metric });
  }

  async readMetrics(runIds: readonly string[]): Promise<MetricRecord[]> {
    const wanted = new Set(runIds);
    const order = (a: MetricRecord, b: MetricRecord) =>
      compare(a.runId, b.runId) || compare(a.step, b.step) || compare(a.name, b.name);
    return [...this.metrics.values()]
      .filter((m) => wanted.has(m.runId))
      .map((m) => ({ ...m }))
      .sort(order);
  }

  appendLogs(logs: readonly LogRecord[]): void {
    for (const log of logs) this.checkFence(log.runId);
    for (const log of logs) {
      const list = this.logs.get(log.runId);
      if (list) list.push({ ...log });
      else this.logs.set(log.runId, [{ ...log }]);
    }
  }

  async readLogs(
    runId: string,
    options: { step?: string; tail?: number } = {},
  ): Promise<LogRecord[]> {
    const { step } = options;
    const all = (this.logs.get(runId) ?? []).filter(
      (log) =>
        step === undefined ||
        log.step === step ||
        log.step?.startsWith(`${step}[`) ||
        log.step?.startsWith(`${step}/`),
    );
    return options.tail === undefined ? all : all.slice(Math.max(0, all.length - options.tail));
  }

  putCompletion(completion: Completion): void {
    this.checkFence(completion.runId);
    completion =
      completion.invalidatedAt === undefined
        ? completion
        : { ...completion, invalidatedAt: undefined };
    this.completions.set(completion.cacheKey, completion);
    let byStep = this.latest.get(completion.pipeline);
    if (!byStep) this.latest.set(completion.pipeline, (byStep = new Map()));
    const current = byStep.get(completion.step);
    if (!current || current.createdAt <= completion.createdAt)
      byStep.set(completion.step, completion);
  }

  findCompletion(cacheKey: string): Completion | undefined {
    return this.completions.get(cacheKey);
  }

  invalidateCompletions(
    pipeline: string,
    target: {
      cacheKeys?: readonly string[];
      instances?: ReadonlyArray<{ step: string; identity: string }>;
    },
  ): number {
    const keys = new Set(target.cacheKeys ?? []);
    const instances = new Set(
      (target.instances ?? []).map((instance) => `${instance.step}\u0000${instance.identity}`),
    );
    const now = Date.now();
    let count = 0;
    for (const completion of this.completions.values()) {
      if (completion.pipeline !== pipeline || completion.invalidatedAt !== undefined) continue;
      if (
        !keys.has(completion.cacheKey) &&
        !instances.has(`${completion.step}\u0000${completion.identity}`)
      )
        continue;
      completion.invalidatedAt = now;
      count++;
    }
    return count;
  }

  deleteCompletions(cacheKeys: readonly string[]): void {
    for (const key of cacheKeys) {
      const completion = this.completions.get(key);
      if (!completion) continue;
      this.completions.delete(key);
      const byStep = this.latest.get(completion.pipeline);
      if (byStep?.get(completion.step) !== completion) continue;
      // Fall back to the newest remaining completion of that step.
      let newest: Completion | undefined;
      for (const other of this.completions.values()) {
        if (
          other.pipeline === completion.pipeline &&
          other.step === completion.step &&
          (!newest || other.createdAt > newest.createdAt)
        )
          newest = other;
      }
      if (newest) byStep.set(completion.step, newest);
      else byStep.delete(completion.step);
    }
  }

  async completionsOf(pipeline: string): Promise<Completion[]> {
    return [...this.completions.values()].filter((completion) => completion.pipeline === pipeline);
  }

  async producersOf(hash: string): Promise<Completion[]> {
    return [...this.completions.values()].filter(
      (c) => c.output.hash === hash || Object.values(c.fieldHashes ?? {}).includes(hash),
    );
  }

  async consumersOf(hash: string): Promise<Completion[]> {
    return [...this.completions.values()].filter((completion) =>
      Object.values(completion.inputHashes).includes(hash),
    );
  }

  async consumersOfInstance(cacheKey: string): Promise<Completion[]> {
    return [...this.completions.values()]
      .filter((completion) => Object.values(completion.inputKeys ?? {}).includes(cacheKey))
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  recordDataset(entry: DatasetRecord): void {
    this.datasets.push(entry);
  }

  async listDatasets(filter: { pipeline?: string } = {}): Promise<DatasetRecord[]> {
    const newest = new Map<string, DatasetRecord>();
    for (const entry of this.datasets) {
      if (filter.pipeline !== undefined && entry.pipeline !== filter.pipeline) continue;
      const key = `${entry.pipeline}\u0000${entry.step}`;
      const current = newest.get(key);
      if (!current || current.createdAt <= entry.createdAt) newest.set(key, entry);
    }
    return [...newest.values()].sort((a, b) => b.createdAt - a.createdAt);
  }

  async findDatasets(query: string): Promise<DatasetRecord[]> {
    return this.datasets
      .filter((entry) => matchesDataset(entry, query))
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  latestCompletion(pipeline: string, step: string): Completion | undefined {
    return this.latest.get(pipeline)?.get(step);
  }
}

/** Whether a catalog entry is what `query` names: "pipeline/step", a step name, or a hash prefix. */
export function matchesDataset(entry: DatasetRecord, query: string): boolean {
  if (query === `${entry.pipeline}/${entry.step}` || query === entry.step) return true;
  return query.length >= 6 && entry.hash.startsWith(query);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
