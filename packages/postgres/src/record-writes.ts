/**
 * The statements that write sluice's records on PostgreSQL, each for many records at once: the store
 * batches them (postgres-store.ts), and a worker's completion transaction (dispatch.ts) writes a step's
 * record and completions with the run's next jobs.
 */
import type { PoolClient } from "pg";
import type {
  Completion,
  LogRecord,
  MetricRecord,
  RunRecord,
  StepRunRecord,
} from "sluice/internal";

export const INSERT_RUN = `INSERT INTO runs (run_id, pipeline, project, status, started_at, parent_run_id, trigger_kind, claim, record)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`;

export interface ArtifactRow {
  hash: string;
  kind: string;
  size: number;
  bytes: Buffer;
}

export async function writeSteps(client: PoolClient, steps: StepRunRecord[]): Promise<void> {
  await client.query({
    name: "sluice_write_steps",
    text: `INSERT INTO step_runs (run_id, step, started_at, cache_key, output_hash, record)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[])
     ON CONFLICT (run_id, step) DO UPDATE SET started_at = excluded.started_at,
       cache_key = excluded.cache_key, output_hash = excluded.output_hash, record = excluded.record`,
    values: [
      steps.map((s) => s.runId),
      steps.map((s) => s.step),
      steps.map((s) => s.startedAt ?? null),
      steps.map((s) => s.cacheKey ?? null),
      steps.map((s) => s.output?.hash ?? null),
      steps.map((s) => JSON.stringify(s)),
    ],
  });
}

export async function writeLogs(client: PoolClient, logs: LogRecord[]): Promise<void> {
  await client.query(
    `INSERT INTO logs (run_id, step, record) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`,
    [logs.map((l) => l.runId), logs.map((l) => l.step ?? null), logs.map((l) => JSON.stringify(l))],
  );
}

export async function writeMetrics(client: PoolClient, metrics: MetricRecord[]): Promise<void> {
  await client.query(
    `INSERT INTO metrics (run_id, step, name, value, time)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::bigint[])
     ON CONFLICT (run_id, step, name) DO UPDATE SET value = excluded.value, time = excluded.time`,
    [
      metrics.map((m) => m.runId),
      metrics.map((m) => m.step),
      metrics.map((m) => m.name),
      metrics.map((m) => m.value),
      metrics.map((m) => m.time),
    ],
  );
}

/** Completions replace those under the same keys (valid again), with their lineage links. */
export async function writeCompletions(
  client: PoolClient,
  completions: Completion[],
): Promise<void> {
  const keys = completions.map((c) => c.cacheKey);
  const links = completions.flatMap((c) =>
    linksOf(c).map((link) => ({ key: c.cacheKey, ...link })),
  );
  // One statement (one round trip): the old links go, the completions are saved, the new links added.
  await client.query({
    name: "sluice_write_completions",
    text: `WITH gone AS (
       DELETE FROM completion_links WHERE cache_key = ANY($1)
     ), saved AS (
       INSERT INTO completions (cache_key, pipeline, step, identity, output_hash, run_id, created_at, invalidated_at, record)
       SELECT k, p, s, i, o, r, c, NULL, rec
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[])
         AS t(k, p, s, i, o, r, c, rec)
       ON CONFLICT (cache_key) DO UPDATE SET pipeline = excluded.pipeline, step = excluded.step,
         identity = excluded.identity, output_hash = excluded.output_hash, run_id = excluded.run_id,
         created_at = excluded.created_at, invalidated_at = NULL, record = excluded.record
     )
     INSERT INTO completion_links (cache_key, kind, value)
     SELECT * FROM unnest($9::text[], $10::text[], $11::text[])`,
    values: [
      keys,
      completions.map((c) => c.pipeline),
      completions.map((c) => c.step),
      completions.map((c) => c.identity),
      completions.map((c) => c.output.hash),
      completions.map((c) => c.runId),
      completions.map((c) => c.createdAt),
      completions.map(({ invalidatedAt: _dropped, ...record }) => JSON.stringify(record)),
      links.map((l) => l.key),
      links.map((l) => l.kind),
      links.map((l) => l.value),
    ],
  });
}

/** Content-addressed: a row under a hash holds those bytes, unless they were damaged since. */
export async function writeArtifacts(client: PoolClient, rows: ArtifactRow[]): Promise<void> {
  await client.query(
    `INSERT INTO artifacts (hash, kind, size, bytes, created_at)
     SELECT h, k, s, b, $5 FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bytea[]) AS t(h, k, s, b)
     ON CONFLICT (hash) DO UPDATE SET bytes = excluded.bytes WHERE artifacts.bytes <> excluded.bytes`,
    [
      rows.map((r) => r.hash),
      rows.map((r) => r.kind),
      rows.map((r) => r.size),
      rows.map((r) => r.bytes),
      Date.now(),
    ],
  );
}

/** What lineage queries follow from a completion. */
function linksOf(completion: Completion): Array<{ kind: string; value: string }> {
  return [
    ...Object.values(completion.inputHashes).map((value) => ({ kind: "input", value })),
    ...Object.values(completion.inputKeys ?? {}).map((value) => ({ kind: "key", value })),
    ...Object.values(completion.fieldHashes ?? {}).map((value) => ({ kind: "field", value })),
  ];
}

/** The values of INSERT_RUN for a run. */
export function runValues(run: RunRecord): unknown[] {
  return [
    run.runId,
    run.pipeline,
    run.project ?? null,
    run.status,
    run.startedAt,
    run.trigger?.parentRunId ?? null,
    run.trigger?.kind ?? null,
    run.claim ?? null,
    JSON.stringify(run),
  ];
}

export async function lockedRun(client: PoolClient, runId: string): Promise<RunRecord | undefined> {
  const rows = await client.query<{ record: string }>(
    "SELECT record FROM runs WHERE run_id = $1 FOR UPDATE",
    [runId],
  );
  return rows.rows[0] ? (JSON.parse(rows.rows[0].record) as RunRecord) : undefined;
}

export async function replaceRun(client: PoolClient, run: RunRecord): Promise<void> {
  const [runId, ...values] = runValues(run);
  await client.query(
    `UPDATE runs SET pipeline = $2, project = $3, status = $4, started_at = $5, parent_run_id = $6,
       trigger_kind = $7, claim = $8, record = $9 WHERE run_id = $1`,
    [runId, ...values],
  );
}
