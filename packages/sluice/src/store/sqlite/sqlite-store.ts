import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { createRequire } from "node:module";
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
import { LATEST_VERSION, MIGRATIONS } from "./migrations.js";
import { corruptError, quickCheck, storeError } from "./store-errors.js";

export { storeError };
import {
  completionFromRow,
  completionParams,
  datasetFromRow,
  runFromRow,
  runParams,
  safeJson,
  stepFromRow,
  stepParams,
  summaryFromRow,
  type Row,
  type SummaryRow,
} from "./rows.js";
import {
  ROSTER_CACHE_KEYS,
  ROSTER_OUTPUT_HASHES,
  addToRoster,
  isRosterRecord,
  withRoster,
} from "./step-roster.js";
import { prepare, type Statements } from "./statements.js";

type ArtifactRow = { kind: "json" | "blob" | "records" | "table"; size: number; inline?: string };

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
  private queue: Array<() => void> = [];
  private batch?: { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void };
  private readonly queuedCompletions = new Map<string, Completion>();
  private readonly queuedArtifacts = new Map<string, ArtifactRow>();
  /** Runs this process writes only while it holds their claim (fenceRun). */
  private readonly fences = new Map<string, string>();
  /** Runs another process took over: their writes are refused before they reach a batch. */
  private readonly superseded = new Map<string, SluiceError>();
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
    let db: Database.Database;
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      // Created 0600 before SQLite opens it: SQLite gives its WAL and shared-memory files the database's mode.
      closeSync(openSync(path, "a", 0o600));
      db = new (loadDriver())(path);
      db.pragma("busy_timeout = 10000");
      switchToWal(db);
      db.pragma("synchronous = NORMAL");
      // Checkpoint less often: a run's many small group commits touch the same pages again and again.
      db.pragma("wal_autocheckpoint = 10000");
      migrate(db, path);
    } catch (error) {
      throw storeError(error, path);
    }
    return new SqliteStore(path, db);
  }

  close(): void {
    if (!this.db.open) return;
    this.flush();
    this.db.close();
  }

  /** Commits every queued write now, in one transaction. */
  flush(): void {
    const batch = this.batch;
    if (!batch) return;
    this.batch = undefined;
    const writes = this.queue;
    this.queue = [];
    try {
      // IMMEDIATE: the batch reads before it writes (fences, rosters); a deferred transaction would fail at
      // once (SQLITE_BUSY_SNAPSHOT) when another process committed between that read and the first write.
      this.db
        .transaction(() => {
          this.checkFences();
          for (const write of writes) write();
        })
        .immediate();
      batch.resolve();
    } catch (error) {
      batch.reject(this.failure(error));
    } finally {
      this.queuedCompletions.clear();
      this.queuedArtifacts.clear();
    }
  }

  /** Queues a write for the next group commit; the promise resolves once it is committed. */
  private enqueue(write: () => void): Promise<void> {
    this.queue.push(write);
    if (!this.batch) {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // Callers await it; this only keeps an unawaited failure from crashing the process.
      promise.catch(() => undefined);
      this.batch = { promise, resolve, reject };
      setImmediate(() => this.flush());
    }
    return this.batch.promise;
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
      this.checkFence(runId, current);
      this.statements.replaceRun.run(runParams({ ...runFromRow(current), ...patch, runId }));
    });
    return this.async(() => this.roomRetried(() => update.immediate()));
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
        this.checkFence(runId, this.statements.getRun.get(runId) as Row | undefined);
      if (this.statements.saveCheckpoint.run(text, heartbeatAt, runId).changes !== 1)
        throw new Error(`no run ${runId}`);
    });
  }

  /**
   * Runs a write again once after a full disk refused it, having moved the WAL into the database file
   * and truncated it: that often frees room for a small write such as a run's end.
   */
  private roomRetried<T>(write: () => T): T {
    try {
      return write();
    } catch (error) {
      if ((error as { code?: string }).code !== "SQLITE_FULL") throw error;
      try {
        this.db.pragma("wal_checkpoint(TRUNCATE)");
      } catch {
        // No room for that either: the retry reports the full disk.
      }
      return write();
    }
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
    this.superseded.delete(runId);
    if (claim === undefined) this.fences.delete(runId);
    else this.fences.set(runId, claim);
  }

  /**
   * Inside a transaction: refuses to go on when another owner took a run this process writes. The
   * batch it was in fails whole; from then on that run's writes are refused before they are queued
   * (refused()), so this process's other runs go on writing.
   */
  private checkFences(): void {
    for (const runId of this.fences.keys())
      this.checkFence(runId, this.statements.getRun.get(runId) as Row | undefined);
  }

  private checkFence(runId: string, row: Row | undefined): void {
    const earlier = this.superseded.get(runId);
    if (earlier) throw earlier;
    const claim = this.fences.get(runId);
    if (claim === undefined || row === undefined || row.claim === claim) return;
    const error = new SluiceError(
      "superseded",
      `Run ${runId} was taken over by another process (${String(row.owner_pid ?? "?")}@${String(row.owner_host ?? "?")}); this process stops writing it.`,
      { runId },
    );
    this.fences.delete(runId);
    this.superseded.set(runId, error);
    throw error;
  }

  /** A write of a run another process took over: refused at once. */
  private refused<T>(
    records: readonly T[],
    runIdOf: (record: T) => string,
  ): Promise<void> | undefined {
    // The hot path: nothing is looked at (or allocated) unless some run was superseded.
    if (this.superseded.size === 0) return undefined;
    for (const record of records) {
      const error = this.superseded.get(runIdOf(record));
      if (error) return Promise.reject(error);
    }
    return undefined;
  }

  putSteps(steps: readonly StepRunRecord[]): Promise<void> {
    const refused = this.refused(steps, (step) => step.runId);
    if (refused) return refused;
    return this.enqueue(() => {
      const rostered = new Map<string, StepRunRecord[]>();
      for (const step of steps) {
        if (!isRosterRecord(step)) this.statements.putStep.run(stepParams(step));
        else if (rostered.has(step.runId)) rostered.get(step.runId)!.push(step);
        else rostered.set(step.runId, [step]);
      }
      for (const [runId, records] of rostered) this.putRoster(runId, records);
    });
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
        limit: filter.limit ?? -1,
      }) as Row[];
      return rows.map(runFromRow);
    });
  }

  appendLogs(logs: readonly LogRecord[]): Promise<void> {
    const refused = this.refused(logs, (log) => log.runId);
    if (refused) return refused;
    return this.enqueue(() => {
      for (const log of logs) {
        this.statements.insertLog.run({
          run_id: log.runId,
          step: log.step ?? null,
          time: log.time,
          level: log.level,
          message: log.message,
          data: log.data === undefined ? null : safeJson(log.data),
        });
      }
    });
  }

  recordMetrics(metrics: readonly MetricRecord[]): Promise<void> {
    const refused = this.refused(metrics, (m) => m.runId);
    if (refused) return refused;
    return this.enqueue(() => {
      for (const m of metrics)
        this.statements.putMetric.run(m.runId, m.step, m.name, m.value, m.time);
    });
  }

  readMetrics(runIds: readonly string[]): Promise<MetricRecord[]> {
    return this.async(() =>
      [...new Set(runIds)].sort().flatMap((runId) =>
        (this.statements.readMetrics.all(runId) as Row[]).map((r) => ({
          runId,
          step: r.step as string,
          name: r.name as string,
          value: r.value as number,
          time: r.time as number,
        })),
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
      return rows.reverse().map((row) => {
        const log: LogRecord = {
          runId: row.run_id as string,
          time: row.time as number,
          level: row.level as LogRecord["level"],
          message: row.message as string,
        };
        if (row.step !== null) log.step = row.step as string;
        if (row.data !== null) log.data = JSON.parse(row.data as string);
        return log;
      });
    });
  }

  putCompletion(completion: Completion): Promise<void> {
    const refused = this.refused([completion], (c) => c.runId);
    if (refused) return refused;
    this.queuedCompletions.set(completion.cacheKey, completion);
    return this.enqueue(() => this.statements.putCompletion.run(completionParams(completion)));
  }

  /** Artifact rows and small inline values (the artifacts folder's ArtifactIndex). */
  getArtifact(hash: string): ArtifactRow | undefined {
    const queued = this.queuedArtifacts.get(hash);
    if (queued) return queued;
    const row = this.guard(() => this.statements.getArtifact.get(hash) as Row | undefined);
    if (!row) return undefined;
    const artifact: ArtifactRow = {
      kind: row.kind as ArtifactRow["kind"],
      size: row.size as number,
    };
    if (row.inline !== null) artifact.inline = row.inline as string;
    return artifact;
  }

  putArtifact(row: { hash: string } & ArtifactRow): Promise<void> {
    this.queuedArtifacts.set(row.hash, row);
    const createdAt = Date.now();
    return this.enqueue(() =>
      this.statements.putArtifact.run({
        hash: row.hash,
        kind: row.kind,
        size: row.size,
        inline: row.inline ?? null,
        created_at: createdAt,
      }),
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
    return this.enqueue(() =>
      this.statements.insertDataset.run({
        hash: entry.hash,
        pipeline: entry.pipeline,
        step: entry.step,
        run_id: entry.runId,
        tag: entry.tag,
        kind: entry.kind,
        size: entry.size,
        rows: entry.rows ?? null,
        columns: entry.columns ? JSON.stringify(entry.columns) : null,
        created_at: entry.createdAt,
      }),
    );
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

  /**
   * Deletes these runs (their steps, logs, catalog entries) and the completions they made, except the
   * newest valid completion of each step instance, which keeps that step complete. Then deletes the
   * artifact rows nothing references any more and returns them, so their files can be removed.
   * With `dryRun`, changes nothing and returns what would go.
   */
  collectGarbage(
    runIds: readonly string[],
    dryRun: boolean,
  ): { runs: number; completions: number; artifacts: Array<{ hash: string; inline: boolean }> } {
    this.flush();
    const work = () => {
      this.db.exec(
        `CREATE TEMP TABLE IF NOT EXISTS gc_runs (run_id TEXT PRIMARY KEY); DELETE FROM gc_runs;`,
      );
      const add = this.db.prepare(`INSERT OR IGNORE INTO gc_runs VALUES (?)`);
      for (const runId of runIds) add.run(runId);
      // Kept: the newest valid completion of each step instance, and every completion a kept run made or
      // reused (a step's identity leaves out inputs, so params a kept run used can mean another key).
      const keep = `SELECT c.cache_key FROM completions c WHERE c.invalidated_at IS NULL AND c.created_at = (
          SELECT MAX(d.created_at) FROM completions d WHERE d.pipeline = c.pipeline AND d.step = c.step AND d.identity = c.identity AND d.invalidated_at IS NULL)
        UNION SELECT cache_key FROM step_runs WHERE cache_key IS NOT NULL AND run_id NOT IN (SELECT run_id FROM gc_runs)
        UNION ${ROSTER_CACHE_KEYS} AND r.run_id NOT IN (SELECT run_id FROM gc_runs)`;
      const completions = this.db
        .prepare(
          `DELETE FROM completions WHERE run_id IN (SELECT run_id FROM gc_runs) AND cache_key NOT IN (${keep})`,
        )
        .run().changes;
      this.db
        .prepare(
          `DELETE FROM datasets WHERE run_id IN (SELECT run_id FROM gc_runs) AND hash NOT IN (SELECT output_hash FROM completions)`,
        )
        .run();
      this.db.prepare(`DELETE FROM logs WHERE run_id IN (SELECT run_id FROM gc_runs)`).run();
      this.db.prepare(`DELETE FROM metrics WHERE run_id IN (SELECT run_id FROM gc_runs)`).run();
      this.db.prepare(`DELETE FROM step_runs WHERE run_id IN (SELECT run_id FROM gc_runs)`).run();
      this.db
        .prepare(`DELETE FROM step_rosters WHERE run_id IN (SELECT run_id FROM gc_runs)`)
        .run();
      const runs = this.db
        .prepare(`DELETE FROM runs WHERE run_id IN (SELECT run_id FROM gc_runs)`)
        .run().changes;
      const orphans = this.db
        .prepare(
          `SELECT hash, inline IS NOT NULL AS inline FROM artifacts WHERE hash NOT IN (SELECT output_hash FROM completions)
           AND hash NOT IN (SELECT json_extract(output, '$.hash') FROM step_runs WHERE output IS NOT NULL)
           AND hash NOT IN (${ROSTER_OUTPUT_HASHES})`,
        )
        .all() as Array<{ hash: string; inline: number }>;
      const remove = this.db.prepare(`DELETE FROM artifacts WHERE hash = ?`);
      for (const orphan of orphans) remove.run(orphan.hash);
      const result = {
        runs,
        completions,
        artifacts: orphans.map((o) => ({ hash: o.hash, inline: o.inline === 1 })),
      };
      if (dryRun) throw new DryRun(result);
      return result;
    };
    try {
      return this.guard(() => this.db.transaction(work)());
    } catch (error) {
      if (error instanceof DryRun) return error.result;
      throw error;
    }
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

const require = createRequire(import.meta.url);
let driver: typeof Database | undefined;

/** The native driver, loaded when a store is first opened (runs kept in memory never load it). */
function loadDriver(): typeof Database {
  driver ??= require("better-sqlite3") as typeof Database;
  return driver;
}

/**
 * Turns on WAL. On a new file this needs the only lock on it, and SQLite answers SQLITE_BUSY at once
 * instead of waiting while another process is doing the same, so it is retried for a while.
 */
function switchToWal(db: Database.Database): void {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      db.pragma("journal_mode = WAL");
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== "SQLITE_BUSY" || Date.now() > deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5 + Math.random() * 20);
    }
  }
}

function migrate(db: Database.Database, path: string): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > LATEST_VERSION) {
    throw new SluiceError(
      "store-too-new",
      `The sluice database ${path} has schema version ${current}, newer than this sluice understands (${LATEST_VERSION}). Upgrade sluice, or point SLUICE_HOME / --home at another folder.`,
      { details: { path, version: current, supported: LATEST_VERSION } },
    );
  }
  if (current === LATEST_VERSION) return;
  // Every pending migration in one transaction: an upgrade happens entirely or not at all, and a new
  // home is created with one commit. IMMEDIATE takes the write lock first, and the version is read
  // again under it, so two processes opening a new home at once do not both migrate it.
  db.transaction(() => {
    const under = db.pragma("user_version", { simple: true }) as number;
    for (const migration of MIGRATIONS) if (migration.version > under) db.exec(migration.sql);
    db.pragma(`user_version = ${LATEST_VERSION}`);
  }).immediate();
}

/** Thrown to roll a dry-run transaction back while keeping what it found. */
class DryRun {
  constructor(
    readonly result: {
      runs: number;
      completions: number;
      artifacts: Array<{ hash: string; inline: boolean }>;
    },
  ) {}
}
