import type Database from "better-sqlite3";
import { SluiceError } from "../../core/index.js";
import type {
  Completion,
  CompletionSummary,
  DatasetRecord,
  LogRecord,
  MetricRecord,
  RunFilter,
  RunRecord,
  StepRunRecord,
} from "../records.js";
import type { CompletionStore, DatasetCatalog, RunCheckpoints, RunStore } from "../run-store.js";
import { collectGarbage, type Collected } from "./garbage-collection.js";
import { GroupCommit } from "./group-commit.js";
import { openDatabase } from "./open-database.js";
import { RunFences, type ClaimHolder } from "../run-fences.js";
import { corruptError, quickCheck, roomRetried, storeError } from "./store-errors.js";

export { storeError };
import {
  artifactFromRow,
  artifactParams,
  completionFromRow,
  completionParams,
  datasetFromRow,
  datasetParams,
  logFromRow,
  logParams,
  metricFromRow,
  runFromRow,
  runParams,
  stepFromRow,
  stepParams,
  summaryFromRow,
  type ArtifactRow,
  type Row,
  type SummaryRow,
} from "./rows.js";
import { addToRoster, isRosterRecord, withRoster } from "./step-roster.js";
import { prepare, type Statements } from "./statements.js";

/**
 * Runs, steps, logs and completions in one SQLite file (better-sqlite3, WAL).
 *
 * Hot-path writes (steps, logs, completions, artifacts) are group-committed: queued, then written in
 * one transaction on the next turn of the event loop; the promise a write returns resolves once its
 * transaction is committed, so a caller that waits for it knows the change is stored. Reads see queued
 * writes. With WAL and synchronous=NORMAL a killed process loses nothing committed; a power cut may
 * lose the last commits, never corrupt the file.
 */
export class SqliteStore implements RunStore, RunCheckpoints, CompletionStore, DatasetCatalog {
  readonly db: Database.Database;
  private readonly statements: Statements;
  private readonly writes = new GroupCommit((batch) => this.commit(batch));
  private readonly queuedCompletions = new Map<string, Completion>();
  private readonly queuedArtifacts = new Map<string, ArtifactRow>();
  /** Step records for the next group commit, by run and step (putSteps). */
  private queuedSteps = new Map<string, Map<string, StepRunRecord>>();
  private stepsWritten?: Promise<void>;
  private readonly fences = new RunFences();
  /** Set once the database proved damaged: every later call is refused with it. */
  private malformed?: SluiceError;

  private constructor(
    readonly path: string,
    db: Database.Database,
  ) {
    this.db = db;
    this.statements = prepare(db);
  }

  /** Opens (creating and migrating as needed) the database at `path`. */
  static open(path: string): SqliteStore {
    return new SqliteStore(path, openDatabase(path));
  }

  close(): void {
    if (!this.db.open) return;
    this.flush();
    this.db.close();
  }

  /** Commits every queued write now, in one transaction. */
  flush(): void {
    this.writes.flush();
  }

  /** One group commit: the queued writes in one transaction, refused whole if a fenced run was taken over. */
  private commit(writes: ReadonlyArray<() => void>): void {
    try {
      // IMMEDIATE: the batch reads before it writes (fences, rosters); a deferred transaction would fail at
      // once (SQLITE_BUSY_SNAPSHOT) when another process committed between that read and the first write.
      this.db
        .transaction(() => {
          for (const runId of this.fences.fencedRuns())
            this.fences.check(
              runId,
              holderOf(this.statements.getRun.get(runId) as Row | undefined),
            );
          for (const write of writes) write();
        })
        .immediate();
    } catch (error) {
      throw this.failure(error);
    } finally {
      this.queuedCompletions.clear();
      this.queuedArtifacts.clear();
      // A batch that failed before its step records were written fails them with it.
      this.queuedSteps = new Map();
      this.stepsWritten = undefined;
    }
  }

  /** Runs `write` in the next group commit; resolves with what it returned once that is committed. */
  inGroupCommit<T>(write: () => T): Promise<T> {
    let result: T;
    return this.writes.enqueue(() => void (result = write())).then(() => result);
  }

  /** Runs `fn` in one transaction (one commit): for batches of writes. */
  transaction<T>(fn: () => T): T {
    return this.guard(() => this.db.transaction(fn).immediate());
  }

  createRun(run: RunRecord): Promise<void> {
    return this.async(() => {
      try {
        this.statements.insertRun.run(runParams(run));
      } catch (error) {
        if ((error as { code?: string }).code === "SQLITE_CONSTRAINT_PRIMARYKEY")
          throw new Error(`run ${run.runId} exists already`);
        throw error;
      }
    });
  }

  updateRun(runId: string, patch: Partial<Omit<RunRecord, "runId">>): Promise<void> {
    const update = this.db.transaction(() => {
      const current = this.statements.getRun.get(runId) as Row | undefined;
      if (!current) throw new Error(`no run ${runId}`);
      this.fences.check(runId, holderOf(current));
      this.statements.replaceRun.run(runParams({ ...runFromRow(current), ...patch, runId }));
    });
    return this.async(() => roomRetried(this.db, () => update.immediate()));
  }

  /**
   * One transaction: the run's pending writes and its checkpoint, written by one UPDATE of its two
   * columns (updateRun would read the run row back, parse it, merge and rewrite every column: most of an
   * Arazzo step's cost once the checkpoint grows). A fenced run is checked as updateRun checks it.
   */
  commitCheckpoint(
    runId: string,
    checkpoint: unknown,
    heartbeatAt: number,
    pending: () => void,
  ): void {
    const text = JSON.stringify(checkpoint);
    this.transaction(() => {
      pending();
      this.flush();
      if (this.fences.has(runId))
        this.fences.check(runId, holderOf(this.statements.getRun.get(runId) as Row | undefined));
      if (this.statements.saveCheckpoint.run(text, heartbeatAt, runId).changes !== 1)
        throw new Error(`no run ${runId}`);
    });
  }

  casRun(
    runId: string,
    expectedClaim: string | undefined,
    patch: Partial<Omit<RunRecord, "runId">>,
  ): Promise<boolean> {
    return this.async(() =>
      this.db
        .transaction(() => {
          const current = this.statements.getRun.get(runId) as Row | undefined;
          if (!current || (current.claim ?? undefined) !== expectedClaim) return false;
          this.statements.replaceRun.run(runParams({ ...runFromRow(current), ...patch, runId }));
          return true;
        })
        .immediate(),
    );
  }

  fenceRun(runId: string, claim: string | undefined): void {
    this.fences.set(runId, claim);
  }

  /**
   * Step records wait in `queuedSteps` for the next group commit, the newest record of each step
   * replacing an older one: a step that starts and ends within one batch costs one row write.
   */
  putSteps(steps: readonly StepRunRecord[]): Promise<void> {
    const refused = this.fences.refused(steps, (step) => step.runId);
    if (refused) return refused;
    for (const step of steps) {
      const runSteps = this.queuedSteps.get(step.runId);
      if (runSteps) runSteps.set(step.step, step);
      else this.queuedSteps.set(step.runId, new Map([[step.step, step]]));
    }
    if (this.stepsWritten) return this.stepsWritten;
    const written = this.writes.enqueue(() => this.writeQueuedSteps());
    // A full batch is committed within enqueue: then nothing is left queued.
    if (this.queuedSteps.size > 0) this.stepsWritten = written;
    return written;
  }

  private writeQueuedSteps(): void {
    const queued = this.queuedSteps;
    this.queuedSteps = new Map();
    this.stepsWritten = undefined;
    for (const [runId, steps] of queued) {
      const rostered: StepRunRecord[] = [];
      for (const step of steps.values()) {
        if (isRosterRecord(step)) rostered.push(step);
        else this.statements.putStep.run(stepParams(step));
      }
      if (rostered.length > 0) this.putRoster(runId, rostered);
    }
  }

  /** Steps that have not started go to the run's roster; a row they had before (a resumed run) goes. */
  private putRoster(runId: string, records: StepRunRecord[]): void {
    const existing = this.statements.getRoster.get(runId) as string | undefined;
    if (this.statements.hasStepRows.get(runId) !== undefined)
      for (const record of records) this.statements.deleteStep.run(runId, record.step);
    this.statements.putRoster.run(runId, addToRoster(existing, records));
  }

  getRun(runId: string): Promise<{ run: RunRecord; steps: StepRunRecord[] } | undefined> {
    return this.async(() => {
      const row = this.statements.getRun.get(runId) as Row | undefined;
      if (!row) return undefined;
      const rows = (this.statements.getSteps.all(runId) as Row[]).map(stepFromRow);
      return {
        run: runFromRow(row),
        steps: withRoster(rows, this.statements.getRoster.get(runId) as string | undefined, runId),
      };
    });
  }

  findRun(runId: string): RunRecord | undefined {
    this.flush();
    const row = this.guard(() => this.statements.getRun.get(runId) as Row | undefined);
    return row === undefined ? undefined : runFromRow(row);
  }

  listRuns(filter: RunFilter = {}): Promise<RunRecord[]> {
    return this.async(() => {
      const rows = this.statements.listRuns.all({
        pipeline: filter.pipeline ?? null,
        status: filter.status ?? null,
        project: filter.project ?? null,
        parent_run_id: filter.parentRunId ?? null,
        trigger: filter.trigger ?? null,
        since: filter.since ?? null,
        limit: filter.limit ?? -1,
      }) as Row[];
      return rows.map(runFromRow);
    });
  }

  appendLogs(logs: readonly LogRecord[]): Promise<void> {
    const refused = this.fences.refused(logs, (log) => log.runId);
    if (refused) return refused;
    return this.writes.enqueue(() => {
      for (const log of logs) this.statements.insertLog.run(logParams(log));
    });
  }

  recordMetrics(metrics: readonly MetricRecord[]): Promise<void> {
    const refused = this.fences.refused(metrics, (m) => m.runId);
    if (refused) return refused;
    return this.writes.enqueue(() => {
      for (const m of metrics)
        this.statements.putMetric.run(m.runId, m.step, m.name, m.value, m.time);
    });
  }

  readMetrics(runIds: readonly string[]): Promise<MetricRecord[]> {
    return this.async(() =>
      [...new Set(runIds)]
        .sort()
        .flatMap((runId) =>
          (this.statements.readMetrics.all(runId) as Row[]).map((r) => metricFromRow(r, runId)),
        ),
    );
  }

  readLogs(runId: string, options: { step?: string; tail?: number } = {}): Promise<LogRecord[]> {
    return this.async(() => {
      const rows = this.statements.readLogs.all({
        run_id: runId,
        step: options.step ?? null,
        tail: options.tail ?? -1,
      }) as Row[];
      return rows.reverse().map(logFromRow);
    });
  }

  putCompletion(completion: Completion): Promise<void> {
    const refused = this.fences.refused([completion], (c) => c.runId);
    if (refused) return refused;
    this.queuedCompletions.set(completion.cacheKey, completion);
    return this.writes.enqueue(() =>
      this.statements.putCompletion.run(completionParams(completion)),
    );
  }

  /** Artifact rows and small inline values (the artifacts folder's ArtifactIndex). */
  getArtifact(hash: string): ArtifactRow | undefined {
    const queued = this.queuedArtifacts.get(hash);
    if (queued) return queued;
    const row = this.guard(() => this.statements.getArtifact.get(hash) as Row | undefined);
    return row ? artifactFromRow(row) : undefined;
  }

  putArtifact(row: { hash: string } & ArtifactRow): Promise<void> {
    this.queuedArtifacts.set(row.hash, row);
    const createdAt = Date.now();
    return this.writes.enqueue(() =>
      this.statements.putArtifact.run(artifactParams(row, createdAt)),
    );
  }

  findCompletion(cacheKey: string): Completion | undefined {
    const queued = this.queuedCompletions.get(cacheKey);
    if (queued) return queued;
    const row = this.guard(() => this.statements.findCompletion.get(cacheKey) as Row | undefined);
    return row ? completionFromRow(row) : undefined;
  }

  deleteCompletions(cacheKeys: readonly string[]): void {
    this.flush();
    this.guard(() =>
      this.db.transaction(() =>
        cacheKeys.forEach((key) => this.statements.deleteCompletion.run(key)),
      )(),
    );
  }

  invalidateCompletions(
    pipeline: string,
    target: {
      cacheKeys?: readonly string[];
      instances?: ReadonlyArray<{ step: string; identity: string }>;
    },
  ): number {
    this.flush();
    const now = Date.now();
    return this.guard(() =>
      this.db.transaction(() => {
        let count = 0;
        for (const key of target.cacheKeys ?? [])
          count += this.statements.invalidateKey.run({ now, pipeline, key }).changes;
        for (const { step, identity } of target.instances ?? [])
          count += this.statements.invalidateInstance.run({
            now,
            pipeline,
            step,
            identity,
          }).changes;
        return count;
      })(),
    );
  }

  completionsOf(pipeline: string): Promise<CompletionSummary[]> {
    // Raw rows of just the columns a plan needs: reading 10000 full rows as objects costs several times more.
    return this.async(() =>
      (this.statements.completionsOf.all(pipeline) as SummaryRow[]).map(summaryFromRow),
    );
  }

  producersOf(hash: string): Promise<Completion[]> {
    return this.async(() =>
      (this.statements.producersOf.all({ hash }) as Row[]).map(completionFromRow),
    );
  }

  consumersOf(hash: string): Promise<Completion[]> {
    return this.async(() =>
      (this.statements.consumersOf.all(hash) as Row[]).map(completionFromRow),
    );
  }

  consumersOfInstance(cacheKey: string): Promise<Completion[]> {
    return this.async(() =>
      (this.statements.consumersOfInstance.all(cacheKey) as Row[]).map(completionFromRow),
    );
  }

  recordDataset(entry: DatasetRecord): Promise<void> {
    return this.writes.enqueue(() => this.statements.insertDataset.run(datasetParams(entry)));
  }

  listDatasets(filter: { pipeline?: string } = {}): Promise<DatasetRecord[]> {
    return this.async(() =>
      (this.statements.listDatasets.all({ pipeline: filter.pipeline ?? null }) as Row[]).map(
        datasetFromRow,
      ),
    );
  }

  findDatasets(query: string): Promise<DatasetRecord[]> {
    return this.async(() => {
      const slash = query.indexOf("/");
      const rows = (
        slash > 0
          ? this.statements.datasetsOfStep.all(query.slice(0, slash), query.slice(slash + 1))
          : [
              ...(this.statements.datasetsOfStepName.all(query) as Row[]),
              ...(query.length >= 6
                ? (this.statements.datasetsByHash.all(`${query}%`) as Row[])
                : []),
            ]
      ) as Row[];
      return rows.map(datasetFromRow).sort((a, b) => b.createdAt - a.createdAt);
    });
  }

  collectGarbage(runIds: readonly string[], dryRun: boolean): Collected {
    return collectGarbage(this, runIds, dryRun);
  }

  latestCompletion(pipeline: string, step: string): Completion | undefined {
    this.flush();
    const row = this.guard(
      () => this.statements.latestCompletion.get(pipeline, step) as Row | undefined,
    );
    return row ? completionFromRow(row) : undefined;
  }

  /** Runs a synchronous database call, turning SQLite's errors into SluiceErrors that name the file. */
  guard<T>(fn: () => T): T {
    if (this.malformed) throw this.malformed;
    try {
      return fn();
    } catch (error) {
      throw this.failure(error);
    }
  }

  /**
   * Refuses with `store-corrupt` when `PRAGMA quick_check` finds the database damaged (gc runs it
   * first; other calls run it on their first SQLITE_CORRUPT or SQLITE_NOTADB error).
   */
  checkIntegrity(): void {
    this.flush();
    const problems = quickCheck(this.db);
    if (problems.length > 0) throw (this.malformed = corruptError(this.path, problems));
  }

  /** A failed call's error as sluice reports it; a damaged database is checked, and refused from then on. */
  private failure(error: unknown): unknown {
    const code = (error as { code?: string }).code;
    if (code !== "SQLITE_CORRUPT" && code !== "SQLITE_NOTADB") return storeError(error, this.path);
    this.malformed ??= corruptError(this.path, quickCheck(this.db), error);
    return this.malformed;
  }

  /** Runs a call that is not on the hot path after committing queued writes (so it sees them and stays in order). */
  private async<T>(fn: () => T): Promise<T> {
    try {
      this.flush();
      return Promise.resolve(this.guard(fn));
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

/** Who holds a run, from its row. */
function holderOf(row: Row | undefined): ClaimHolder | undefined {
  return (
    row && {
      claim: row.claim as string | null,
      ownerPid: row.owner_pid as number | null,
      ownerHost: row.owner_host as string | null,
    }
  );
}
