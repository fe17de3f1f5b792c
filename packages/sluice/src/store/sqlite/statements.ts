/** The SQLite store's prepared statements, one place for its SQL (sqlite-store.ts runs them). */
import type Database from "better-sqlite3";
import { RUN_COLUMNS } from "./rows.js";

const SQL = {
  insertRun: `INSERT INTO runs ${RUN_COLUMNS}`,
  replaceRun: `INSERT OR REPLACE INTO runs ${RUN_COLUMNS}`,
  getRun: `SELECT * FROM runs WHERE run_id = ?`,
  saveCheckpoint: `UPDATE runs SET checkpoint = ?, heartbeat_at = ? WHERE run_id = ?`,
  listRuns: `SELECT * FROM runs WHERE (@pipeline IS NULL OR pipeline = @pipeline) AND (@status IS NULL OR status = @status)
   AND (@project IS NULL OR COALESCE(project, 'default') = @project)
   AND (@parent_run_id IS NULL OR parent_run_id = @parent_run_id)
   AND (@trigger IS NULL OR COALESCE(json_extract(trigger, '$.kind'), 'manual') = @trigger)
   AND (@since IS NULL OR started_at >= @since)
   ORDER BY started_at DESC, run_id DESC LIMIT @limit`,
  putStep: `INSERT OR REPLACE INTO step_runs (run_id, step, identity, status, reason, cached, attempts, fallback, cache_key, started_at, finished_at, duration_ms, output, error, http, waiting_on)
   VALUES (@run_id, @step, @identity, @status, @reason, @cached, @attempts, @fallback, @cache_key, @started_at, @finished_at, @duration_ms, @output, @error, @http, @waiting_on)`,
  getRoster: `SELECT steps FROM step_rosters WHERE run_id = ?`,
  putRoster: `INSERT OR REPLACE INTO step_rosters (run_id, steps) VALUES (?, ?)`,
  hasStepRows: `SELECT 1 FROM step_runs WHERE run_id = ? LIMIT 1`,
  deleteStep: `DELETE FROM step_runs WHERE run_id = ? AND step = ?`,
  getSteps: `SELECT * FROM step_runs WHERE run_id = ? ORDER BY COALESCE(started_at, 9e15), step`,
  insertLog: `INSERT INTO logs (run_id, step, time, level, message, data) VALUES (@run_id, @step, @time, @level, @message, @data)`,
  putMetric: `INSERT OR REPLACE INTO metrics (run_id, step, name, value, time) VALUES (?, ?, ?, ?, ?)`,
  readMetrics: `SELECT step, name, value, time FROM metrics WHERE run_id = ? ORDER BY step, name`,
  readLogs: `SELECT * FROM logs WHERE run_id = @run_id
   AND (@step IS NULL OR step = @step OR substr(step, 1, length(@step) + 1) IN (@step || '[', @step || '/'))
   ORDER BY id DESC LIMIT @tail`,
  putCompletion: `INSERT OR REPLACE INTO completions (cache_key, pipeline, step, identity, code_hash, params_hash, input_hashes, field_hashes, output_hash, output_kind, output_size, run_id, created_at, items_failed, input_keys)
   VALUES (@cache_key, @pipeline, @step, @identity, @code_hash, @params_hash, @input_hashes, @field_hashes, @output_hash, @output_kind, @output_size, @run_id, @created_at, @items_failed, @input_keys)`,
  findCompletion: `SELECT * FROM completions WHERE cache_key = ?`,
  producersOf: `SELECT * FROM completions WHERE output_hash = @hash
   OR (field_hashes IS NOT NULL AND EXISTS (SELECT 1 FROM json_each(field_hashes) j WHERE j.value = @hash)) ORDER BY created_at`,
  completionsOf: `SELECT cache_key, step, params_hash, output_hash, output_kind, output_size, field_hashes, created_at, invalidated_at, items_failed FROM completions WHERE pipeline = ?`,
  consumersOf: `SELECT c.* FROM completions c WHERE EXISTS (SELECT 1 FROM json_each(c.input_hashes) j WHERE j.value = ?) ORDER BY c.created_at`,
  consumersOfInstance: `SELECT c.* FROM completions c WHERE c.input_keys IS NOT NULL AND EXISTS (SELECT 1 FROM json_each(c.input_keys) j WHERE j.value = ?) ORDER BY c.created_at`,
  insertDataset: `INSERT INTO datasets (hash, pipeline, step, run_id, tag, kind, size, rows, columns, created_at) VALUES (@hash, @pipeline, @step, @run_id, @tag, @kind, @size, @rows, @columns, @created_at)`,
  listDatasets: `SELECT d.* FROM datasets d WHERE (@pipeline IS NULL OR d.pipeline = @pipeline)
   AND d.id = (SELECT id FROM datasets e WHERE e.pipeline = d.pipeline AND e.step = d.step ORDER BY e.created_at DESC, e.id DESC LIMIT 1)
   ORDER BY d.created_at DESC`,
  datasetsOfStep: `SELECT * FROM datasets WHERE pipeline = ? AND step = ? ORDER BY created_at DESC, id DESC`,
  datasetsOfStepName: `SELECT * FROM datasets WHERE step = ? ORDER BY created_at DESC, id DESC`,
  datasetsByHash: `SELECT * FROM datasets WHERE hash LIKE ? ORDER BY created_at DESC, id DESC`,
  invalidateInstance: `UPDATE completions SET invalidated_at = @now WHERE pipeline = @pipeline AND step = @step AND identity = @identity AND invalidated_at IS NULL`,
  invalidateKey: `UPDATE completions SET invalidated_at = @now WHERE pipeline = @pipeline AND cache_key = @key AND invalidated_at IS NULL`,
  deleteCompletion: `DELETE FROM completions WHERE cache_key = ?`,
  getArtifact: `SELECT kind, size, inline FROM artifacts WHERE hash = ?`,
  // Content-addressed: a row under the hash holds these bytes, unless a damaged page changed its inline value.
  putArtifact: `INSERT INTO artifacts (hash, kind, size, inline, created_at) VALUES (@hash, @kind, @size, @inline, @created_at)
   ON CONFLICT (hash) DO UPDATE SET inline = excluded.inline WHERE artifacts.inline IS NOT excluded.inline`,
  latestCompletion: `SELECT * FROM completions WHERE pipeline = ? AND step = ? ORDER BY created_at DESC LIMIT 1`,
};

/** Statements read as plain values (`pluck`) or as arrays of columns (`raw`). */
const MODES: Partial<Record<keyof typeof SQL, "pluck" | "raw">> = {
  getRoster: "pluck",
  hasStepRows: "pluck",
  completionsOf: "raw",
};

export type Statements = { readonly [K in keyof typeof SQL]: Database.Statement };

export function prepare(db: Database.Database): Statements {
  const statements: Record<string, Database.Statement> = {};
  for (const [name, sql] of Object.entries(SQL)) {
    const statement = db.prepare(sql);
    const mode = MODES[name as keyof typeof SQL];
    statements[name] =
      mode === "pluck" ? statement.pluck(true) : mode === "raw" ? statement.raw(true) : statement;
  }
  return statements as Statements;
}
