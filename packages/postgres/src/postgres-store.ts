/**
 * Runs, steps, logs, metrics, completions and the dataset catalog on PostgreSQL: the same roles as the
 * SQLite store (RunStore, RunCheckpoints, CompletionStore, DatasetCatalog), so that several processes
 * and machines share one history. Hot-path writes are group-committed (write-batch.ts); every read
 * first commits what this process queued, so it sees its own writes in order.
 */
import type { Pool, PoolClient } from "pg";
import {
  RunFences,
  SluiceError,
  type Completion,
  type CompletionStore,
  type CompletionSummary,
  type DatasetCatalog,
  type DatasetRecord,
  type LogRecord,
  type MetricRecord,
  type RunCheckpoints,
  type RunFilter,
  type RunRecord,
  type RunStore,
  type StepRunRecord,
} from "sluice/internal";
import {
  connectionError,
  openPool,
  shownUrl,
  splitSchema,
  target,
  type PostgresOptions,
} from "./connect.js";
import { migrate } from "./migrations.js";
import { checkFences } from "./run-fences.js";
import { CoalescedWrite, WriteBatch } from "./write-batch.js";
import {
  INSERT_RUN,
  lockedRun,
  replaceRun,
  runValues,
  writeArtifacts,
  writeCompletions,
  writeLogs,
  writeMetrics,
  writeSteps,
  type ArtifactRow,
} from "./record-writes.js";

type Patch = Partial<Omit<RunRecord, "runId">>;

export class PostgresStore implements RunStore, RunCheckpoints, CompletionStore, DatasetCatalog {
  private readonly fences = new RunFences();
  private readonly writes: WriteBatch;
  // One statement per batch for each kind of record (write-batch.ts).
  private readonly stepWrites: CoalescedWrite<StepRunRecord>;
  private readonly logWrites: CoalescedWrite<LogRecord>;
  private readonly metricWrites: CoalescedWrite<MetricRecord>;
  private readonly completionWrites: CoalescedWrite<Completion>;
  private readonly artifactWrites: CoalescedWrite<ArtifactRow>;

  private constructor(
    readonly pool: Pool,
    /** The database as messages name it (no password). */
    readonly where: string,
  ) {
    this.writes = new WriteBatch(pool, (client) => checkFences(this.fences, client));
    this.stepWrites = new CoalescedWrite(
      this.writes,
      writeSteps,
      (s) => `${s.runId}\u0000${s.step}`,
    );
    this.logWrites = new CoalescedWrite(this.writes, writeLogs);
    this.metricWrites = new CoalescedWrite(
      this.writes,
      writeMetrics,
      (m) => `${m.runId}\u0000${m.step}\u0000${m.name}`,
    );
    this.completionWrites = new CoalescedWrite(this.writes, writeCompletions, (c) => c.cacheKey);
    this.artifactWrites = new CoalescedWrite(this.writes, writeArtifacts, (a) => a.hash);
  }

  /** Connects, and creates or migrates sluice's tables (refusing a database of a newer sluice). */
  static async open(options: PostgresOptions): Promise<PostgresStore> {
    const pool = await openPool(options);
    const where = shownUrl(options.url);
    try {
      const client = await pool.connect();
      try {
        await migrate(client, where, options.schema ?? splitSchema(options.url).schema);
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end().catch(() => undefined);
      if (SluiceError.is(error)) throw error;
      throw connectionError(error, target(options.url));
    }
    return new PostgresStore(pool, where);
  }

  async close(): Promise<void> {
    await this.writes.flush();
    await this.pool.end();
  }

  /** A read (or an unbatched write) after this process's queued writes are committed. */
  async query<R extends object = Record<string, unknown>>(
    sql: string,
    values: unknown[] = [],
    /** Names a hot statement: each connection prepares it once, then only executes it. */
    name?: string,
  ): Promise<R[]> {
    await this.writes.flush();
    return (await this.pool.query<R>(name ? { name, text: sql, values } : { text: sql, values }))
      .rows;
  }

  /**
   * `fn` in one transaction, after this process's queued writes, which are written first in the same
   * transaction (one commit for both). If it fails, the queued writes are committed on their own
   * (they are not the caller's to lose), and `fn` runs again alone if they were what failed.
   */
  async transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const queued = await this.writes.take();
    if (!queued) return this.alone(fn);
    let applied = false;
    let result: T;
    try {
      result = await this.alone(async (client) => {
        await this.writes.apply(client, queued);
        applied = true;
        return fn(client);
      });
    } catch (error) {
      await this.writes.settle(queued, false).catch(() => undefined);
      if (!applied) return this.alone(fn);
      throw error;
    }
    await this.writes.settle(queued, true);
    return result;
  }

  private async alone<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const result = await fn(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  // Runs

  async createRun(run: RunRecord): Promise<void> {
    try {
      await this.query(INSERT_RUN, runValues(run));
    } catch (error) {
      if ((error as { code?: string }).code === "23505")
        throw new Error(`run ${run.runId} exists already`);
      throw error;
    }
  }

  updateRun(runId: string, patch: Patch): Promise<void> {
    return this.transaction(async (client) => {
      const current = await lockedRun(client, runId);
      if (!current) throw new Error(`no run ${runId}`);
      this.fences.check(runId, current);
      await replaceRun(client, merged(current, patch, runId));
    });
  }

  casRun(runId: string, expectedClaim: string | undefined, patch: Patch): Promise<boolean> {
    return this.transaction(async (client) => {
      const current = await lockedRun(client, runId);
      if (!current || current.claim !== expectedClaim) return false;
      await replaceRun(client, merged(current, patch, runId));
      return true;
    });
  }

  fenceRun(runId: string, claim: string | undefined): void {
    this.fences.set(runId, claim);
  }

  /** The run's pending writes (queued by `pending`) and its checkpoint, committed in one transaction. */
  commitCheckpoint(
    runId: string,
    checkpoint: unknown,
    heartbeatAt: number,
    pending: () => void,
  ): Promise<void> {
    pending();
    const saved = this.writes.enqueue(async (client) => {
      const current = await lockedRun(client, runId);
      if (!current) throw new Error(`no run ${runId}`);
      if (this.fences.has(runId)) this.fences.check(runId, current);
      await replaceRun(client, { ...current, checkpoint, heartbeatAt });
    });
    void this.writes.flush();
    return saved;
  }

  async getRun(runId: string): Promise<{ run: RunRecord; steps: StepRunRecord[] } | undefined> {
    const run = await this.findRun(runId);
    if (!run) return undefined;
    const steps = await this.pool.query<{ record: string }>(
      "SELECT record FROM step_runs WHERE run_id = $1 ORDER BY COALESCE(started_at, 9e15), step",
      [runId],
    );
    return { run, steps: steps.rows.map((row) => JSON.parse(row.record) as StepRunRecord) };
  }

  async findRun(runId: string): Promise<RunRecord | undefined> {
    const rows = await this.query<{ record: string }>(
      "SELECT record FROM runs WHERE run_id = $1",
      [runId],
      "sluice-find-run",
    );
    return rows[0] ? (JSON.parse(rows[0].record) as RunRecord) : undefined;
  }

  async listRuns(filter: RunFilter = {}): Promise<RunRecord[]> {
    const rows = await this.query<{ record: string }>(
      `SELECT record FROM runs
       WHERE ($1::text IS NULL OR pipeline = $1) AND ($2::text IS NULL OR status = $2)
         AND ($3::text IS NULL OR COALESCE(project, 'default') = $3)
         AND ($4::text IS NULL OR parent_run_id = $4)
         AND ($5::text IS NULL OR COALESCE(trigger_kind, 'manual') = $5)
         AND ($6::bigint IS NULL OR started_at >= $6)
       ORDER BY started_at DESC, run_id DESC LIMIT $7`,
      [
        filter.pipeline ?? null,
        filter.status ?? null,
        filter.project ?? null,
        filter.parentRunId ?? null,
        filter.trigger ?? null,
        filter.since ?? null,
        filter.limit ?? null,
      ],
    );
    return rows.map((row) => JSON.parse(row.record) as RunRecord);
  }

  // Steps, logs, metrics

  putSteps(steps: readonly StepRunRecord[]): Promise<void> {
    return this.fences.refused(steps, (step) => step.runId) ?? this.stepWrites.add(steps);
  }

  appendLogs(logs: readonly LogRecord[]): Promise<void> {
    return this.fences.refused(logs, (log) => log.runId) ?? this.logWrites.add(logs);
  }

  async readLogs(
    runId: string,
    options: { step?: string; tail?: number } = {},
  ): Promise<LogRecord[]> {
    // A step's logs include its map items' (`score[3]`) and dynamic children's (`sweep/a`).
    const rows = await this.query<{ record: string }>(
      `SELECT record FROM logs WHERE run_id = $1
         AND ($2::text IS NULL OR step = $2 OR left(step, length($2) + 1) IN ($2 || '[', $2 || '/'))
       ORDER BY id DESC LIMIT $3`,
      [runId, options.step ?? null, options.tail ?? null],
    );
    return rows.reverse().map((row) => JSON.parse(row.record) as LogRecord);
  }

  recordMetrics(metrics: readonly MetricRecord[]): Promise<void> {
    return this.fences.refused(metrics, (m) => m.runId) ?? this.metricWrites.add(metrics);
  }

  async readMetrics(runIds: readonly string[]): Promise<MetricRecord[]> {
    const rows = await this.query<{
      run_id: string;
      step: string;
      name: string;
      value: number;
      time: string;
    }>(
      "SELECT run_id, step, name, value, time FROM metrics WHERE run_id = ANY($1) ORDER BY run_id, step, name",
      [[...new Set(runIds)]],
    );
    return rows.map((r) => ({
      runId: r.run_id,
      step: r.step,
      name: r.name,
      value: r.value,
      time: Number(r.time),
    }));
  }

  // Completions

  putCompletion(completion: Completion): Promise<void> {
    return (
      this.fences.refused([completion], (c) => c.runId) ?? this.completionWrites.add([completion])
    );
  }

  /** An artifact's row, written with the batch (before the completion that names it commits). */
  putArtifactRow(row: ArtifactRow): Promise<void> {
    return this.artifactWrites.add([row]);
  }

  async findCompletion(cacheKey: string): Promise<Completion | undefined> {
    const rows = await this.query<CompletionRow>(
      "SELECT record, invalidated_at FROM completions WHERE cache_key = $1",
      [cacheKey],
      "sluice_find_completion",
    );
    return rows[0] ? completionOf(rows[0]) : undefined;
  }

  async latestCompletion(pipeline: string, step: string): Promise<Completion | undefined> {
    const rows = await this.query<CompletionRow>(
      `SELECT record, invalidated_at FROM completions WHERE pipeline = $1 AND step = $2
       ORDER BY created_at DESC LIMIT 1`,
      [pipeline, step],
    );
    return rows[0] ? completionOf(rows[0]) : undefined;
  }

  async deleteCompletions(cacheKeys: readonly string[]): Promise<void> {
    await this.query("DELETE FROM completions WHERE cache_key = ANY($1)", [[...cacheKeys]]);
  }

  invalidateCompletions(
    pipeline: string,
    target: {
      cacheKeys?: readonly string[];
      instances?: ReadonlyArray<{ step: string; identity: string }>;
    },
  ): Promise<number> {
    const now = Date.now();
    const instances = target.instances ?? [];
    return this.transaction(async (client) => {
      const result = await client.query(
        `UPDATE completions SET invalidated_at = $1
         WHERE pipeline = $2 AND invalidated_at IS NULL
           AND (cache_key = ANY($3)
             OR (step, identity) IN (SELECT * FROM unnest($4::text[], $5::text[])))`,
        [
          now,
          pipeline,
          [...(target.cacheKeys ?? [])],
          instances.map((i) => i.step),
          instances.map((i) => i.identity),
        ],
      );
      return result.rowCount ?? 0;
    });
  }

  async completionsOf(pipeline: string): Promise<CompletionSummary[]> {
    const rows = await this.query<CompletionRow>(
      "SELECT record, invalidated_at FROM completions WHERE pipeline = $1",
      [pipeline],
    );
    return rows.map((row) => {
      const c = completionOf(row);
      const summary: CompletionSummary = {
        cacheKey: c.cacheKey,
        step: c.step,
        paramsHash: c.paramsHash,
        output: c.output,
        createdAt: c.createdAt,
      };
      if (c.fieldHashes) summary.fieldHashes = c.fieldHashes;
      if (c.invalidatedAt !== undefined) summary.invalidatedAt = c.invalidatedAt;
      if (c.itemsFailed) summary.itemsFailed = c.itemsFailed;
      return summary;
    });
  }

  /** The completions whose output (or one of its fields) has this content hash. */
  async producersOf(hash: string): Promise<Completion[]> {
    return this.completionsWhere(
      `output_hash = $1 OR cache_key IN (SELECT cache_key FROM completion_links WHERE kind = 'field' AND value = $1)`,
      hash,
    );
  }

  /** The completions one of whose inputs had this content hash. */
  async consumersOf(hash: string): Promise<Completion[]> {
    return this.completionsWhere(
      `cache_key IN (SELECT cache_key FROM completion_links WHERE kind = 'input' AND value = $1)`,
      hash,
    );
  }

  /** The completions one of whose inputs came from this instance (cache key). */
  async consumersOfInstance(cacheKey: string): Promise<Completion[]> {
    return this.completionsWhere(
      `cache_key IN (SELECT cache_key FROM completion_links WHERE kind = 'key' AND value = $1)`,
      cacheKey,
    );
  }

  private async completionsWhere(where: string, value: string): Promise<Completion[]> {
    const rows = await this.query<CompletionRow>(
      `SELECT record, invalidated_at FROM completions WHERE ${where} ORDER BY created_at`,
      [value],
    );
    return rows.map(completionOf);
  }

  // Dataset catalog

  recordDataset(entry: DatasetRecord): Promise<void> {
    return this.writes.enqueue(async (client) => {
      await client.query(
        "INSERT INTO datasets (hash, pipeline, step, run_id, created_at, record) VALUES ($1, $2, $3, $4, $5, $6)",
        [
          entry.hash,
          entry.pipeline,
          entry.step,
          entry.runId,
          entry.createdAt,
          JSON.stringify(entry),
        ],
      );
    });
  }

  async listDatasets(filter: { pipeline?: string } = {}): Promise<DatasetRecord[]> {
    const rows = await this.query<{ record: string }>(
      `SELECT DISTINCT ON (pipeline, step) record, created_at FROM datasets
       WHERE ($1::text IS NULL OR pipeline = $1)
       ORDER BY pipeline, step, created_at DESC, id DESC`,
      [filter.pipeline ?? null],
    );
    return rows
      .map((row) => JSON.parse(row.record) as DatasetRecord)
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  async findDatasets(query: string): Promise<DatasetRecord[]> {
    const slash = query.indexOf("/");
    const rows =
      slash > 0
        ? await this.query<{ record: string }>(
            "SELECT record FROM datasets WHERE pipeline = $1 AND step = $2 ORDER BY created_at DESC, id DESC",
            [query.slice(0, slash), query.slice(slash + 1)],
          )
        : await this.query<{ record: string }>(
            `SELECT record FROM datasets WHERE step = $1 OR ($2::text IS NOT NULL AND hash LIKE $2)
             ORDER BY created_at DESC, id DESC`,
            [query, query.length >= 6 ? `${query.replace(/[\\%_]/g, "\\$&")}%` : null],
          );
    return rows.map((row) => JSON.parse(row.record) as DatasetRecord);
  }
}

type CompletionRow = { record: string; invalidated_at: string | null };

/** An artifact kept in the database: its hash, kind, size and bytes. */
function completionOf(row: CompletionRow): Completion {
  const completion = JSON.parse(row.record) as Completion;
  if (row.invalidated_at !== null) completion.invalidatedAt = Number(row.invalidated_at);
  return completion;
}

/** A patch applied to a run: a field set to undefined is removed (how a resumed run forgets its end). */
function merged(current: RunRecord, patch: Patch, runId: string): RunRecord {
  const next: Record<string, unknown> = { ...current, ...patch, runId };
  for (const [key, value] of Object.entries(next)) if (value === undefined) delete next[key];
  return next as unknown as RunRecord;
}
