/**
 * The statements that write sluice's records on PostgreSQL, each for many records at once: the store
 * batches them (postgres-store.ts), and a worker's completion transaction (dispatch.ts) writes a step's
 * record and completions with the run's next jobs.
 */
import type { PoolClient } from "pg";
import {
  refOf,
  type Completion,
  type EncodedValue,
  type LogRecord,
  type MetricRecord,
  type RunRecord,
  type StepRunRecord,
} from "sluice/internal";

export const INSERT_RUN = `INSERT INTO runs (run_id, pipeline, project, status, started_at, parent_run_id, trigger_kind, claim, record)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`;

export interface ArtifactRow {
  hash: string;
  kind: string;
  size: number;
  bytes: Buffer;
}

/**
 * Rows are written in key order: two transactions writing some of the same rows (two workers, the same
 * artifact) then take their row locks in one order, and cannot deadlock.
 */
function inOrder<T>(rows: readonly T[], keyOf: (row: T) => string): T[] {
  return [...rows].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
}

/**
 * The upsert of step records, its parameters from $`first` (six arrays, stepValues), written only when
 * `guard` holds: a statement of its own, or a CTE of a larger one (a worker's completion).
 */
export function upsertSteps(first: number, guard = "true"): string {
  const $ = (n: number) => `$${first + n}`;
  return `INSERT INTO step_runs (run_id, step, started_at, cache_key, output_hash, record)
     SELECT * FROM unnest(${$(0)}::text[], ${$(1)}::text[], ${$(2)}::bigint[], ${$(3)}::text[], ${$(4)}::text[], ${$(5)}::text[])
     WHERE ${guard}
     ON CONFLICT (run_id, step) DO UPDATE SET started_at = excluded.started_at,
       cache_key = excluded.cache_key, output_hash = excluded.output_hash, record = excluded.record`;
}

export function stepValues(given: readonly StepRunRecord[]): unknown[] {
  const steps = inOrder(given, (s) => `${s.runId}\0${s.step}`);
  return [
    steps.map((s) => s.runId),
    steps.map((s) => s.step),
    steps.map((s) => s.startedAt ?? null),
    steps.map((s) => s.cacheKey ?? null),
    steps.map((s) => s.output?.hash ?? null),
    steps.map((s) => JSON.stringify(s)),
  ];
}

export async function writeSteps(client: PoolClient, given: StepRunRecord[]): Promise<void> {
  await client.query({
    name: "sluice_write_steps",
    text: upsertSteps(1),
    values: stepValues(given),
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

/**
 * CTEs that replace completions under the same keys (valid again) with their lineage links, named
 * `<prefix>_gone`, `<prefix>_saved`, `<prefix>_linked`; parameters from $`first` (eleven arrays,
 * completionValues); written only when `guard` holds.
 */
export function completionCtes(prefix: string, first: number, guard = "true"): string {
  const $ = (n: number) => `$${first + n}`;
  return `${prefix}_gone AS (
       DELETE FROM completion_links WHERE cache_key = ANY(${$(0)}) AND ${guard}
     ), ${prefix}_saved AS (
       INSERT INTO completions (cache_key, pipeline, step, identity, output_hash, run_id, created_at, invalidated_at, record)
       SELECT k, p, s, i, o, r, c, NULL, rec
       FROM unnest(${$(0)}::text[], ${$(1)}::text[], ${$(2)}::text[], ${$(3)}::text[], ${$(4)}::text[], ${$(5)}::text[], ${$(6)}::bigint[], ${$(7)}::text[])
         AS t(k, p, s, i, o, r, c, rec)
       WHERE ${guard}
       ON CONFLICT (cache_key) DO UPDATE SET pipeline = excluded.pipeline, step = excluded.step,
         identity = excluded.identity, output_hash = excluded.output_hash, run_id = excluded.run_id,
         created_at = excluded.created_at, invalidated_at = NULL, record = excluded.record
     ), ${prefix}_linked AS (
       INSERT INTO completion_links (cache_key, kind, value)
       SELECT * FROM unnest(${$(8)}::text[], ${$(9)}::text[], ${$(10)}::text[]) WHERE ${guard}
     )`;
}

export function completionValues(given: readonly Completion[]): unknown[] {
  const completions = inOrder(given, (c) => c.cacheKey);
  const links = completions.flatMap((c) =>
    linksOf(c).map((link) => ({ key: c.cacheKey, ...link })),
  );
  return [
    completions.map((c) => c.cacheKey),
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
  ];
}

/** Completions replace those under the same keys (valid again), with their lineage links: one statement. */
export async function writeCompletions(client: PoolClient, given: Completion[]): Promise<void> {
  await client.query({
    name: "sluice_write_completions",
    text: `WITH ${completionCtes("c", 1)} SELECT 1`,
    values: completionValues(given),
  });
}

/**
 * The insert of artifact rows (content-addressed: a row under a hash holds those bytes, unless they
 * were damaged since), its parameters from $`first` (four arrays, artifactValues, and the time), written
 * only when `guard` holds.
 */
export function upsertArtifacts(first: number, guard = "true"): string {
  const $ = (n: number) => `$${first + n}`;
  return `INSERT INTO artifacts (hash, kind, size, bytes, created_at)
     SELECT h, k, s, b, ${$(4)} FROM unnest(${$(0)}::text[], ${$(1)}::text[], ${$(2)}::bigint[], ${$(3)}::bytea[]) AS t(h, k, s, b)
     WHERE ${guard}
     ON CONFLICT (hash) DO UPDATE SET bytes = excluded.bytes WHERE artifacts.bytes <> excluded.bytes`;
}

export function artifactValues(given: readonly ArtifactRow[]): unknown[] {
  const rows = inOrder(given, (r) => r.hash);
  return [
    rows.map((r) => r.hash),
    rows.map((r) => r.kind),
    rows.map((r) => r.size),
    rows.map((r) => r.bytes),
    Date.now(),
  ];
}

/** An encoded value as its artifact row. */
export function artifactRow(encoded: EncodedValue, ref = refOf(encoded)): ArtifactRow {
  const bytes = encoded.kind === "json" ? Buffer.from(encoded.text) : Buffer.from(encoded.bytes);
  return { hash: ref.hash, kind: ref.kind, size: ref.size, bytes };
}

export async function writeArtifacts(client: PoolClient, rows: ArtifactRow[]): Promise<void> {
  await client.query(upsertArtifacts(1), artifactValues(rows));
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
