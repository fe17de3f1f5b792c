/**
 * The SQLite implementation of the server's roles (API keys, flow versions, idempotent triggers),
 * on the same database file as the runs (tables of migration 8).
 */
import type Database from "better-sqlite3";
import { DEFAULT_PROJECT, type RunRecord } from "../records.js";
import type {
  ApiKeyRecord,
  ApiKeyStore,
  FlowVersionRecord,
  FlowVersionStore,
  TriggerStore,
} from "../server-records.js";
import { RUN_COLUMNS, runParams, type Row } from "./rows.js";
import type { SqliteStore } from "./sqlite-store.js";

export class SqliteServerTables implements ApiKeyStore, FlowVersionStore, TriggerStore {
  private readonly statements: ReturnType<typeof prepare>;

  constructor(private readonly store: SqliteStore) {
    this.statements = store.guard(() => prepare(store.db));
  }

  async createApiKey(record: ApiKeyRecord, keyHash: string): Promise<void> {
    this.store.guard(() =>
      this.statements.insertKey.run({
        key_id: record.keyId,
        key_hash: keyHash,
        project: record.project,
        read_only: record.readOnly ? 1 : 0,
        name: record.name ?? null,
        created_at: record.createdAt,
      }),
    );
  }

  findApiKey(keyHash: string): ApiKeyRecord | undefined {
    const row = this.store.guard(() => this.statements.findKey.get(keyHash) as Row | undefined);
    return row ? keyFromRow(row) : undefined;
  }

  async listApiKeys(project?: string): Promise<ApiKeyRecord[]> {
    return (
      this.store.guard(() => this.statements.listKeys.all({ project: project ?? null })) as Row[]
    ).map(keyFromRow);
  }

  async revokeApiKey(keyId: string, at: number): Promise<boolean> {
    return this.store.guard(() => this.statements.revokeKey.run(at, keyId).changes) > 0;
  }

  async exportApiKeys(): Promise<Array<ApiKeyRecord & { keyHash: string }>> {
    return (this.store.guard(() => this.statements.listKeys.all({ project: null })) as Row[]).map(
      (row) => ({ ...keyFromRow(row), keyHash: row.key_hash as string }),
    );
  }

  async registerFlowVersion(record: FlowVersionRecord): Promise<void> {
    this.store.guard(() =>
      this.statements.registerFlow.run({
        project: record.project,
        flow: record.flow,
        hash: record.hash,
        version: record.version,
        registered_at: record.registeredAt,
        snapshot: record.snapshot ?? null,
      }),
    );
  }

  async flowSnapshot(project: string, flow: string, hash: string): Promise<string | undefined> {
    const text = this.store.guard(() => this.statements.flowSnapshot.get(project, flow, hash)) as
      string | null | undefined;
    return typeof text === "string" ? text : undefined;
  }

  async listFlowVersions(project: string, flow?: string): Promise<FlowVersionRecord[]> {
    const rows = this.store.guard(() =>
      this.statements.listFlows.all({ project, flow: flow ?? null }),
    ) as Row[];
    return rows.map((row) => ({
      project: row.project as string,
      flow: row.flow as string,
      hash: row.hash as string,
      version: row.version as string,
      registeredAt: row.registered_at as number,
      hasSnapshot: row.has_snapshot === 1,
    }));
  }

  async createTriggeredRun(
    run: RunRecord,
    idempotencyKey?: string,
  ): Promise<{ runId: string; created: boolean }> {
    const project = run.project ?? DEFAULT_PROJECT;
    // IMMEDIATE: another process triggering with the same key waits for this one's commit, then sees its run.
    this.store.flush();
    return this.store.guard(() =>
      this.store.db
        .transaction(() => {
          if (idempotencyKey !== undefined) {
            const earlier = this.statements.findIdempotent.get(project, idempotencyKey) as
              string | undefined;
            if (earlier !== undefined) return { runId: earlier, created: false };
            this.statements.claimIdempotent.run(project, idempotencyKey, run.runId, Date.now());
          }
          this.statements.insertRun.run(runParams(run));
          return { runId: run.runId, created: true };
        })
        .immediate(),
    );
  }
}

function keyFromRow(row: Row): ApiKeyRecord {
  const key: ApiKeyRecord = {
    keyId: row.key_id as string,
    project: row.project as string,
    readOnly: row.read_only === 1,
    createdAt: row.created_at as number,
  };
  if (row.name !== null) key.name = row.name as string;
  if (row.revoked_at !== null) key.revokedAt = row.revoked_at as number;
  return key;
}

function prepare(db: Database.Database) {
  return {
    insertKey: db.prepare(
      `INSERT INTO api_keys (key_id, key_hash, project, read_only, name, created_at) VALUES (@key_id, @key_hash, @project, @read_only, @name, @created_at)`,
    ),
    findKey: db.prepare(
      `SELECT key_id, project, read_only, name, created_at, revoked_at FROM api_keys WHERE key_hash = ?`,
    ),
    listKeys: db.prepare(
      `SELECT * FROM api_keys WHERE @project IS NULL OR project = @project ORDER BY created_at, key_id`,
    ),
    revokeKey: db.prepare(
      `UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL`,
    ),
    registerFlow: db.prepare(
      `INSERT INTO flow_versions (project, flow, hash, version, registered_at, snapshot) VALUES (@project, @flow, @hash, @version, @registered_at, @snapshot)
       ON CONFLICT (project, flow, hash) DO UPDATE SET version = excluded.version, registered_at = excluded.registered_at,
         snapshot = coalesce(excluded.snapshot, flow_versions.snapshot)`,
    ),
    listFlows: db.prepare(
      `SELECT project, flow, hash, version, registered_at, snapshot IS NOT NULL AS has_snapshot FROM flow_versions WHERE project = @project AND (@flow IS NULL OR flow = @flow) ORDER BY registered_at DESC, flow, hash`,
    ),
    flowSnapshot: db
      .prepare(`SELECT snapshot FROM flow_versions WHERE project = ? AND flow = ? AND hash = ?`)
      .pluck(true),
    findIdempotent: db
      .prepare(`SELECT run_id FROM idempotency_keys WHERE project = ? AND key = ?`)
      .pluck(true),
    claimIdempotent: db.prepare(
      `INSERT INTO idempotency_keys (project, key, run_id, created_at) VALUES (?, ?, ?, ?)`,
    ),
    insertRun: db.prepare(`INSERT INTO runs ${RUN_COLUMNS}`),
  };
}
