/**
 * Numbered schema migrations of the embedded SQLite store. The database's `PRAGMA user_version` is the
 * number of the last one applied. Append new migrations; never edit one that has shipped.
 */
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: "initial",
    sql: `
CREATE TABLE runs (
  run_id TEXT PRIMARY KEY,
  pipeline TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT,
  params TEXT NOT NULL,
  targets TEXT,
  source TEXT,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  duration_ms INTEGER,
  error TEXT,
  owner_pid INTEGER,
  owner_host TEXT,
  heartbeat_at INTEGER
);
CREATE INDEX runs_by_pipeline ON runs (pipeline, started_at);
CREATE INDEX runs_by_status ON runs (status, started_at);

CREATE TABLE step_runs (
  run_id TEXT NOT NULL,
  step TEXT NOT NULL,
  identity TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT NOT NULL,
  cached INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  fallback INTEGER,
  cache_key TEXT,
  started_at INTEGER,
  finished_at INTEGER,
  duration_ms INTEGER,
  output TEXT,
  error TEXT,
  PRIMARY KEY (run_id, step)
) WITHOUT ROWID;

CREATE TABLE logs (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL,
  step TEXT,
  time INTEGER NOT NULL,
  level TEXT NOT NULL,
  message TEXT NOT NULL,
  data TEXT
);
CREATE INDEX logs_by_run ON logs (run_id, step, id);

CREATE TABLE completions (
  cache_key TEXT PRIMARY KEY,
  pipeline TEXT NOT NULL,
  step TEXT NOT NULL,
  identity TEXT NOT NULL,
  code_hash TEXT NOT NULL,
  params_hash TEXT NOT NULL,
  input_hashes TEXT NOT NULL,
  output_hash TEXT NOT NULL,
  output_kind TEXT NOT NULL,
  output_size INTEGER NOT NULL,
  run_id TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX completions_latest ON completions (pipeline, step, created_at);

CREATE TABLE artifacts (
  hash TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  size INTEGER NOT NULL,
  inline TEXT,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
`,
  },
  {
    version: 2,
    name: "completion-reset",
    sql: `ALTER TABLE completions ADD COLUMN invalidated_at INTEGER;`,
  },
  {
    version: 3,
    name: "dataset-catalog",
    sql: `
CREATE TABLE datasets (
  id INTEGER PRIMARY KEY,
  hash TEXT NOT NULL,
  pipeline TEXT NOT NULL,
  step TEXT NOT NULL,
  run_id TEXT NOT NULL,
  tag TEXT NOT NULL,
  kind TEXT NOT NULL,
  size INTEGER NOT NULL,
  rows INTEGER,
  columns TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX datasets_by_step ON datasets (pipeline, step, created_at);
CREATE INDEX datasets_by_hash ON datasets (hash);
CREATE INDEX completions_by_output ON completions (output_hash);
`,
  },
  {
    version: 4,
    name: "field-hashes",
    sql: `ALTER TABLE completions ADD COLUMN field_hashes TEXT;`,
  },
  {
    version: 5,
    name: "step-rosters",
    // Steps of a run that have not started, one JSON array per run (see step-roster.ts).
    sql: `CREATE TABLE step_rosters (run_id TEXT PRIMARY KEY, steps TEXT NOT NULL);`,
  },
  {
    version: 6,
    name: "fewer-completion-indexes",
    // Every completion is written on the hot path (a chain commits once per step, and each index is one
    // more page per commit); finding completions by output hash (lineage, gc) is rare and scans.
    sql: `DROP INDEX completions_by_output;`,
  },
  {
    version: 7,
    name: "run-checkpoints",
    sql: `ALTER TABLE runs ADD COLUMN checkpoint TEXT;`,
  },
  {
    version: 8,
    name: "server",
    // Runs belong to a project and may come from a registered flow; API keys (only their hashes),
    // idempotency keys of triggers, and the flow versions a workspace registered (see server-tables.ts).
    sql: `
ALTER TABLE runs ADD COLUMN project TEXT;
ALTER TABLE runs ADD COLUMN flow TEXT;
CREATE INDEX runs_by_project ON runs (project, started_at);
CREATE TABLE api_keys (
  key_id TEXT PRIMARY KEY,
  key_hash TEXT NOT NULL UNIQUE,
  project TEXT NOT NULL,
  read_only INTEGER NOT NULL,
  name TEXT,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE TABLE idempotency_keys (
  project TEXT NOT NULL,
  key TEXT NOT NULL,
  run_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (project, key)
);
CREATE TABLE flow_versions (
  project TEXT NOT NULL,
  flow TEXT NOT NULL,
  hash TEXT NOT NULL,
  version TEXT NOT NULL,
  registered_at INTEGER NOT NULL,
  PRIMARY KEY (project, flow, hash)
);
`,
  },
  {
    version: 9,
    name: "metrics",
    sql: `CREATE TABLE metrics (
  run_id TEXT NOT NULL,
  step TEXT NOT NULL,
  name TEXT NOT NULL,
  value REAL NOT NULL,
  time INTEGER NOT NULL,
  PRIMARY KEY (run_id, step, name)
);`,
  },
  {
    version: 10,
    name: "run-claims",
    // A run's owner is host + pid + process start time, and each claim on it a new token (fencing).
    sql: `ALTER TABLE runs ADD COLUMN owner_started INTEGER;
ALTER TABLE runs ADD COLUMN claim TEXT;`,
  },
  {
    version: 11,
    name: "step-http-exchanges",
    // An Arazzo step's last request, response and criteria results (JSON), for show, the API and the UI.
    sql: `ALTER TABLE step_runs ADD COLUMN http TEXT;`,
  },
  {
    version: 12,
    name: "map-items-failed",
    // A map step's output with failed items is stored but is no cache hit (see Completion.itemsFailed).
    sql: `ALTER TABLE completions ADD COLUMN items_failed INTEGER;`,
  },
  {
    version: 13,
    name: "completion-input-keys",
    // Which completion each input came from (see Completion.inputKeys): lineage by step instance.
    sql: `ALTER TABLE completions ADD COLUMN input_keys TEXT;`,
  },
  {
    version: 14,
    name: "run-effective-params",
    // Every param as the run's steps saw it, defaults applied (see RunRecord.effectiveParams).
    sql: `ALTER TABLE runs ADD COLUMN effective_params TEXT;`,
  },
  {
    version: 15,
    name: "run-trigger",
    // What started a run (see RunTrigger); parent_run_id repeats trigger.parentRunId to list a run's children.
    sql: `ALTER TABLE runs ADD COLUMN trigger TEXT;
ALTER TABLE runs ADD COLUMN parent_run_id TEXT;
CREATE INDEX runs_by_parent ON runs (parent_run_id) WHERE parent_run_id IS NOT NULL;`,
  },
  {
    version: 16,
    name: "schedules",
    // Ticks taken by schedulers (the primary key makes a tick fire once) and schedules paused at run time.
    sql: `
CREATE TABLE schedule_ticks (
  project TEXT NOT NULL,
  schedule_id TEXT NOT NULL,
  tick_at INTEGER NOT NULL,
  fired_at INTEGER NOT NULL,
  outcome TEXT,
  run_id TEXT,
  PRIMARY KEY (project, schedule_id, tick_at)
) WITHOUT ROWID;
CREATE TABLE schedule_state (
  project TEXT NOT NULL,
  schedule_id TEXT NOT NULL,
  paused INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (project, schedule_id)
) WITHOUT ROWID;`,
  },
  {
    version: 17,
    name: "limit-leases",
    // Concurrency limits across processes (see LimitStore): who holds or waits for a slot of a key; what a
    // queued run or a waiting step waits on.
    sql: `
CREATE TABLE limit_leases (
  key TEXT NOT NULL,
  holder TEXT NOT NULL,
  held INTEGER NOT NULL,
  queued_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  owner_host TEXT NOT NULL,
  owner_pid INTEGER NOT NULL,
  owner_started_at INTEGER,
  PRIMARY KEY (key, holder)
) WITHOUT ROWID;
CREATE INDEX limit_leases_by_holder ON limit_leases (holder);
ALTER TABLE runs ADD COLUMN waiting_on TEXT;
ALTER TABLE step_runs ADD COLUMN waiting_on TEXT;`,
  },
  {
    version: 18,
    name: "notification-attempts",
    // Each attempt to deliver a run's event to a notification hook (see NotificationStore).
    sql: `
CREATE TABLE notification_attempts (
  delivery_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  project TEXT NOT NULL,
  hook TEXT NOT NULL,
  event TEXT NOT NULL,
  status TEXT NOT NULL,
  run_id TEXT NOT NULL,
  flow TEXT NOT NULL,
  at INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  code INTEGER,
  error TEXT,
  will_retry INTEGER NOT NULL,
  PRIMARY KEY (delivery_id, attempt)
) WITHOUT ROWID;
CREATE INDEX notification_attempts_by_time ON notification_attempts (project, at);`,
  },
  {
    version: 19,
    name: "run-context",
    // The context (dev, prod...) whose params a run took (RunRecord.context).
    sql: `ALTER TABLE runs ADD COLUMN context TEXT;`,
  },
  {
    version: 20,
    name: "flow-snapshots",
    // A registered definition's frozen snapshot (FlowVersionRecord.snapshot), for compare --version.
    sql: `ALTER TABLE flow_versions ADD COLUMN snapshot TEXT;`,
  },
  {
    version: 21,
    name: "model-registry",
    // The model registry (ModelRegistry): each version's record as JSON, its stage and artifact as
    // columns for lookups; seq orders a name's versions.
    sql: `
CREATE TABLE models (
  project TEXT NOT NULL,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  seq INTEGER NOT NULL,
  stage TEXT,
  artifact_hash TEXT NOT NULL,
  record TEXT NOT NULL,
  PRIMARY KEY (project, name, version)
);
CREATE INDEX models_by_artifact ON models (project, name, artifact_hash);`,
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
