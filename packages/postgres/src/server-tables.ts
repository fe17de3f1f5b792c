/**
 * The server's roles on PostgreSQL: API keys (by hash, looked up through a cache the database keeps
 * valid: key-cache.ts), flow versions, idempotent triggers.
 */
import {
  DEFAULT_PROJECT,
  type ApiKeyRecord,
  type ApiKeyStore,
  type FlowVersionRecord,
  type FlowVersionStore,
  type RunRecord,
  type TriggerStore,
} from "sluice/internal";
import { KEYS_CHANGED, KeyCache } from "./key-cache.js";
import type { PostgresStore } from "./postgres-store.js";
import { INSERT_RUN, runValues } from "./record-writes.js";

interface KeyRow {
  key_id: string;
  project: string;
  read_only: boolean;
  name: string | null;
  created_at: string;
  revoked_at: string | null;
}

export class PostgresServerTables implements ApiKeyStore, FlowVersionStore, TriggerStore {
  private readonly keys: KeyCache;

  constructor(private readonly store: PostgresStore) {
    this.keys = new KeyCache(store.pool.options);
  }

  /** Stops listening for key changes. */
  close(): Promise<void> {
    return this.keys.close();
  }

  async createApiKey(record: ApiKeyRecord, keyHash: string): Promise<void> {
    await this.changeKeys(
      `INSERT INTO api_keys (key_id, key_hash, project, read_only, name, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        record.keyId,
        keyHash,
        record.project,
        record.readOnly,
        record.name ?? null,
        record.createdAt,
      ],
    );
  }

  findApiKey(keyHash: string): Promise<ApiKeyRecord | undefined> {
    return this.keys.find(keyHash, async () => {
      // Asked on every request the cache cannot answer: a prepared statement.
      const rows = await this.store.query<KeyRow>(
        "SELECT * FROM api_keys WHERE key_hash = $1",
        [keyHash],
        "sluice-find-api-key",
      );
      return rows[0] ? keyOf(rows[0]) : undefined;
    });
  }

  /** A change of keys and its notification in one transaction: every server's cache hears it at commit. */
  private async changeKeys(sql: string, values: unknown[]): Promise<number> {
    const changed = await this.store.transaction(async (client) => {
      const result = await client.query(sql, values);
      await client.query("SELECT pg_notify($1, '')", [KEYS_CHANGED]);
      return result.rowCount ?? 0;
    });
    this.keys.clear();
    return changed;
  }

  async listApiKeys(project?: string): Promise<ApiKeyRecord[]> {
    const rows = await this.store.query<KeyRow>(
      "SELECT * FROM api_keys WHERE $1::text IS NULL OR project = $1 ORDER BY created_at, key_id",
      [project ?? null],
    );
    return rows.map(keyOf);
  }

  async revokeApiKey(keyId: string, at: number): Promise<boolean> {
    const changed = await this.changeKeys(
      "UPDATE api_keys SET revoked_at = $1 WHERE key_id = $2 AND revoked_at IS NULL",
      [at, keyId],
    );
    return changed > 0;
  }

  async exportApiKeys(): Promise<Array<ApiKeyRecord & { keyHash: string }>> {
    const rows = await this.store.query<KeyRow & { key_hash: string }>(
      "SELECT * FROM api_keys ORDER BY created_at, key_id",
    );
    return rows.map((row) => ({ ...keyOf(row), keyHash: row.key_hash }));
  }

  async registerFlowVersion(record: FlowVersionRecord): Promise<void> {
    await this.store.query(
      `INSERT INTO flow_versions (project, flow, hash, version, registered_at, snapshot) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (project, flow, hash) DO UPDATE SET version = excluded.version, registered_at = excluded.registered_at,
         snapshot = coalesce(excluded.snapshot, flow_versions.snapshot)`,
      [
        record.project,
        record.flow,
        record.hash,
        record.version,
        record.registeredAt,
        record.snapshot ?? null,
      ],
    );
  }

  async flowSnapshot(project: string, flow: string, hash: string): Promise<string | undefined> {
    const rows = await this.store.query<{ snapshot: string | null }>(
      `SELECT snapshot FROM flow_versions WHERE project = $1 AND flow = $2 AND hash = $3`,
      [project, flow, hash],
    );
    const text = rows[0]?.snapshot;
    return typeof text === "string" ? text : undefined;
  }

  async listFlowVersions(project: string, flow?: string): Promise<FlowVersionRecord[]> {
    const rows = await this.store.query<{
      project: string;
      flow: string;
      hash: string;
      version: string;
      registered_at: string;
      has_snapshot: boolean;
    }>(
      `SELECT project, flow, hash, version, registered_at, snapshot IS NOT NULL AS has_snapshot FROM flow_versions WHERE project = $1 AND ($2::text IS NULL OR flow = $2)
       ORDER BY registered_at DESC, flow, hash`,
      [project, flow ?? null],
    );
    return rows.map((row) => ({
      project: row.project,
      flow: row.flow,
      hash: row.hash,
      version: row.version,
      registeredAt: Number(row.registered_at),
      hasSnapshot: row.has_snapshot,
    }));
  }

  /** The run and its idempotency key in one transaction: of two servers with one key, one creates. */
  createTriggeredRun(
    run: RunRecord,
    idempotencyKey?: string,
  ): Promise<{ runId: string; created: boolean }> {
    const project = run.project ?? DEFAULT_PROJECT;
    return this.store.transaction(async (client) => {
      if (idempotencyKey !== undefined) {
        const claimed = await client.query<{ run_id: string }>(
          `INSERT INTO idempotency_keys (project, key, run_id, created_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (project, key) DO NOTHING RETURNING run_id`,
          [project, idempotencyKey, run.runId, Date.now()],
        );
        if (claimed.rows.length === 0) {
          // Claimed by another: its row is committed (the insert waited for it), so it can be read.
          const earlier = await client.query<{ run_id: string }>(
            "SELECT run_id FROM idempotency_keys WHERE project = $1 AND key = $2",
            [project, idempotencyKey],
          );
          return { runId: earlier.rows[0]!.run_id, created: false };
        }
      }
      await client.query(INSERT_RUN, runValues(run));
      return { runId: run.runId, created: true };
    });
  }
}

function keyOf(row: KeyRow): ApiKeyRecord {
  const key: ApiKeyRecord = {
    keyId: row.key_id,
    project: row.project,
    readOnly: row.read_only,
    createdAt: Number(row.created_at),
  };
  if (row.name !== null) key.name = row.name;
  if (row.revoked_at !== null) key.revokedAt = Number(row.revoked_at);
  return key;
}
