/**
 * The PostgreSQL schema, as numbered migrations applied in order. The version a database is at is in
 * `sluice_schema`; a database of a newer sluice is refused, never written. Several processes opening one
 * database at once migrate it once: the migration runs under a transaction-scoped advisory lock.
 *
 * Records are kept whole as JSON text (`record`; text, not jsonb, so every string round-trips, a NUL
 * escape included), beside the columns that queries filter and sort by.
 */
import type { PoolClient } from "pg";
import { SluiceError } from "sluice/internal";

export interface Migration {
  version: number;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
CREATE TABLE runs (
  run_id text PRIMARY KEY,
  pipeline text NOT NULL,
  project text,
  status text NOT NULL,
  started_at bigint NOT NULL,
  parent_run_id text,
  trigger_kind text,
  claim text,
  record text NOT NULL
);
CREATE INDEX runs_by_start ON runs (started_at DESC, run_id DESC);
CREATE INDEX runs_by_parent ON runs (parent_run_id) WHERE parent_run_id IS NOT NULL;

CREATE TABLE step_runs (
  run_id text NOT NULL,
  step text NOT NULL,
  started_at bigint,
  cache_key text,
  output_hash text,
  record text NOT NULL,
  PRIMARY KEY (run_id, step)
);

CREATE TABLE logs (
  id bigserial PRIMARY KEY,
  run_id text NOT NULL,
  step text,
  record text NOT NULL
);
CREATE INDEX logs_by_run ON logs (run_id, id);

CREATE TABLE metrics (
  run_id text NOT NULL,
  step text NOT NULL,
  name text NOT NULL,
  value double precision NOT NULL,
  time bigint NOT NULL,
  PRIMARY KEY (run_id, step, name)
);

CREATE TABLE completions (
  cache_key text PRIMARY KEY,
  pipeline text NOT NULL,
  step text NOT NULL,
  identity text NOT NULL,
  output_hash text NOT NULL,
  run_id text NOT NULL,
  created_at bigint NOT NULL,
  invalidated_at bigint,
  record text NOT NULL
);
CREATE INDEX completions_by_step ON completions (pipeline, step, created_at DESC);
CREATE INDEX completions_by_output ON completions (output_hash);

-- What lineage follows: an input's content hash, an input's cache key, an output field's hash.
CREATE TABLE completion_links (
  cache_key text NOT NULL REFERENCES completions ON DELETE CASCADE,
  kind text NOT NULL,
  value text NOT NULL
);
CREATE INDEX completion_links_by_value ON completion_links (kind, value);
CREATE INDEX completion_links_by_key ON completion_links (cache_key);

CREATE TABLE datasets (
  id bigserial PRIMARY KEY,
  hash text NOT NULL,
  pipeline text NOT NULL,
  step text NOT NULL,
  run_id text NOT NULL,
  created_at bigint NOT NULL,
  record text NOT NULL
);
CREATE INDEX datasets_by_step ON datasets (pipeline, step, created_at DESC, id DESC);
CREATE INDEX datasets_by_hash ON datasets (hash text_pattern_ops);

-- Artifacts kept in the database (a stack's "artifacts": "postgres"), addressed by their SHA-256.
CREATE TABLE artifacts (
  hash text PRIMARY KEY,
  kind text NOT NULL,
  size bigint NOT NULL,
  bytes bytea NOT NULL,
  created_at bigint NOT NULL
);

-- The server's tables: API keys (their SHA-256 only), registered flow versions, idempotent triggers.
CREATE TABLE api_keys (
  key_id text PRIMARY KEY,
  key_hash text NOT NULL UNIQUE,
  project text NOT NULL,
  read_only boolean NOT NULL,
  name text,
  created_at bigint NOT NULL,
  revoked_at bigint
);
CREATE TABLE flow_versions (
  project text NOT NULL,
  flow text NOT NULL,
  hash text NOT NULL,
  version text NOT NULL,
  registered_at bigint NOT NULL,
  PRIMARY KEY (project, flow, hash)
);
CREATE TABLE idempotency_keys (
  project text NOT NULL,
  key text NOT NULL,
  run_id text NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (project, key)
);

-- Schedules: each tick claimed once (the primary key is the lock), and which schedules are paused.
CREATE TABLE schedule_ticks (
  project text NOT NULL,
  schedule_id text NOT NULL,
  tick_at bigint NOT NULL,
  fired_at bigint NOT NULL,
  outcome text,
  run_id text,
  PRIMARY KEY (project, schedule_id, tick_at)
);
CREATE TABLE schedule_state (
  project text NOT NULL,
  schedule_id text NOT NULL,
  paused boolean NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (project, schedule_id)
);

-- Concurrency limits: a lease per holder of a key, held or waiting in line.
CREATE TABLE limit_leases (
  key text NOT NULL,
  holder text NOT NULL,
  held boolean NOT NULL,
  queued_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  owner_host text NOT NULL,
  owner_pid integer NOT NULL,
  owner_started_at bigint,
  PRIMARY KEY (key, holder)
);
CREATE INDEX limit_leases_by_holder ON limit_leases (holder);

-- Notification deliveries, one row per attempt.
CREATE TABLE notification_attempts (
  delivery_id text NOT NULL,
  attempt integer NOT NULL,
  project text NOT NULL,
  run_id text NOT NULL,
  at bigint NOT NULL,
  record text NOT NULL,
  PRIMARY KEY (delivery_id, attempt)
);
CREATE INDEX notification_attempts_by_project ON notification_attempts (project, at DESC);
`,
  },
  {
    version: 2,
    sql: `
-- Runs dispatched to workers (dispatch.ts): the flow and snapshot their steps need, and whether a
-- cancel was asked for.
CREATE TABLE dispatch_runs (
  run_id text PRIMARY KEY,
  flow text NOT NULL,
  version text NOT NULL,
  snapshot_hash text NOT NULL,
  cancel_requested boolean NOT NULL DEFAULT false
);

-- Each step to run (its dependents are the graph's, which workers have): blocked (upstream not done),
-- queued (its job is in the queue), running (token = the attempt a worker holds; a completion with
-- another token is refused) or done.
CREATE TABLE dispatch_steps (
  run_id text NOT NULL,
  step text NOT NULL,
  queue text NOT NULL,
  remaining integer NOT NULL,
  -- The step as the run's plan has it (JSON, without params).
  planned text NOT NULL,
  state text NOT NULL,
  -- Once done: the step's status (the run's end reads its failures from it).
  outcome text,
  token integer NOT NULL DEFAULT 0,
  worker_id text,
  -- The graphile-worker job of the running attempt (deleted when a sweep gives the step away).
  job_id bigint,
  PRIMARY KEY (run_id, step)
);
CREATE INDEX dispatch_steps_by_worker ON dispatch_steps (worker_id) WHERE worker_id IS NOT NULL;
-- A run's open steps, found without reading its done ones (whether the run has ended).
CREATE INDEX dispatch_steps_open ON dispatch_steps (run_id, state) WHERE state <> 'done';

-- Live workers (sluice worker) and their heartbeats; a worker past its lease is swept by the others.
CREATE TABLE workers (
  worker_id text PRIMARY KEY,
  host text NOT NULL,
  pid integer NOT NULL,
  queues text[] NOT NULL,
  concurrency integer NOT NULL,
  flows text NOT NULL,
  started_at bigint NOT NULL,
  heartbeat_at bigint NOT NULL,
  graphile_ids text[] NOT NULL DEFAULT '{}',
  stopping boolean NOT NULL DEFAULT false
);
`,
  },
  {
    version: 3,
    sql: `
-- A step's map items or dynamic children shared with the workers (units.ts): each unit open (its job
-- queued), running (token = the claim a worker holds; a result with another token is refused) or done
-- with its result (the records of its items or child, JSON). Dropped with the run's dispatch rows.
CREATE TABLE dispatch_units (
  run_id text NOT NULL,
  step text NOT NULL,
  key text NOT NULL,
  input text NOT NULL,
  state text NOT NULL,
  token integer NOT NULL DEFAULT 0,
  worker_id text,
  result text,
  PRIMARY KEY (run_id, step, key)
);

-- A run's open steps by name: a completion looks its dependents up here or by the primary key (on
-- (run_id, state), a generic plan scanned every blocked step of the run for them).
DROP INDEX dispatch_steps_open;
CREATE INDEX dispatch_steps_open ON dispatch_steps (run_id, step) WHERE state <> 'done';

-- A dispatched run's run limits (JSON), and whether it waits in line for them (run-slots.ts).
ALTER TABLE dispatch_runs ADD COLUMN limits text, ADD COLUMN waiting boolean NOT NULL DEFAULT false;
`,
  },
  {
    version: 4,
    sql: `
-- A registered definition's frozen snapshot (FlowVersionRecord.snapshot), for compare --version.
ALTER TABLE flow_versions ADD COLUMN snapshot text;
`,
  },
  {
    version: 5,
    sql: `
-- The model registry (ModelRegistry): each version's record as JSON, its stage and artifact as
-- columns for lookups; seq orders a name's versions.
CREATE TABLE models (
  project text NOT NULL,
  name text NOT NULL,
  version text NOT NULL,
  seq integer NOT NULL,
  stage text,
  artifact_hash text NOT NULL,
  record text NOT NULL,
  PRIMARY KEY (project, name, version)
);
`,
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** An arbitrary constant naming sluice's migration lock among the database's advisory locks. */
const MIGRATION_LOCK = 0x51_1c_e0_01;

/**
 * Brings the schema of `client`'s database to LATEST_VERSION (in `schema`, created when missing);
 * refuses one that is newer.
 */
export async function migrate(
  client: PoolClient,
  where: string,
  schema: string | undefined,
): Promise<void> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    // Under the lock: two processes creating one schema at once would collide.
    if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      "CREATE TABLE IF NOT EXISTS sluice_schema (only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), version integer NOT NULL)",
    );
    const found = await client.query<{ version: number }>("SELECT version FROM sluice_schema");
    const current = found.rows[0]?.version ?? 0;
    if (current > LATEST_VERSION)
      throw new SluiceError(
        "store-too-new",
        `The PostgreSQL database ${where} was written by a newer sluice (schema ${current}; this one knows ${LATEST_VERSION}). Upgrade sluice to use it; nothing was written.`,
        { details: { schema: current, known: LATEST_VERSION } },
      );
    for (const migration of MIGRATIONS)
      if (migration.version > current) await client.query(migration.sql);
    if (current < LATEST_VERSION)
      await client.query(
        "INSERT INTO sluice_schema (only_row, version) VALUES (true, $1) ON CONFLICT (only_row) DO UPDATE SET version = excluded.version",
        [LATEST_VERSION],
      );
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}
