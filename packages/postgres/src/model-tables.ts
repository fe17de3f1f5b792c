/**
 * The model registry on PostgreSQL (migration 5): one row per version, its record as JSON. A name's
 * registrations and promotions are serialized by a transaction-scoped advisory lock on the name, so
 * two processes never give out one version twice.
 */
import type { PoolClient } from "pg";
import {
  newModel,
  nextVersion,
  promotion,
  versionTaken,
  type ModelPromotion,
  type ModelRecord,
  type ModelRegistration,
  type ModelRegistry,
  type ModelStage,
} from "sluice/internal";
import type { PostgresStore } from "./postgres-store.js";

export class PostgresModelTables implements ModelRegistry {
  constructor(private readonly store: PostgresStore) {}

  /** The name's versions, oldest first, under its lock. */
  private async locked(client: PoolClient, project: string, name: string): Promise<ModelRecord[]> {
    await client.query(
      "SELECT pg_advisory_xact_lock(hashtext('sluice-model:' || $1 || '/' || $2))",
      [project, name],
    );
    const rows = await client.query<{ record: string }>(
      "SELECT record FROM models WHERE project = $1 AND name = $2 ORDER BY seq",
      [project, name],
    );
    return rows.rows.map((row) => JSON.parse(row.record) as ModelRecord);
  }

  registerModel(entry: ModelRegistration): Promise<ModelRecord> {
    return this.store.transaction(async (client) => {
      const versions = await this.locked(client, entry.project, entry.name);
      const same = versions.find((m) => m.artifact.hash === entry.artifact.hash);
      if (same) return same;
      const version = nextVersion(versions, entry.version);
      if (versions.some((m) => m.version === version)) throw versionTaken(entry.name, version);
      const record = newModel(entry, version);
      await client.query(
        "INSERT INTO models (project, name, version, seq, stage, artifact_hash, record) VALUES ($1, $2, $3, $4, NULL, $5, $6)",
        [
          record.project,
          record.name,
          version,
          versions.length + 1,
          record.artifact.hash,
          JSON.stringify(record),
        ],
      );
      return record;
    });
  }

  async listModels(project: string): Promise<ModelRecord[]> {
    const rows = await this.store.query<{ record: string }>(
      "SELECT record FROM models WHERE project = $1 ORDER BY name, seq DESC",
      [project],
    );
    return rows.map((row) => JSON.parse(row.record) as ModelRecord);
  }

  async findModel(
    project: string,
    name: string,
    which: { version: string } | { stage: ModelStage },
  ): Promise<ModelRecord | undefined> {
    const rows =
      "version" in which
        ? await this.store.query<{ record: string }>(
            "SELECT record FROM models WHERE project = $1 AND name = $2 AND version = $3",
            [project, name, which.version],
          )
        : await this.store.query<{ record: string }>(
            "SELECT record FROM models WHERE project = $1 AND name = $2 AND stage = $3 ORDER BY seq DESC LIMIT 1",
            [project, name, which.stage],
          );
    return rows[0] ? (JSON.parse(rows[0].record) as ModelRecord) : undefined;
  }

  promoteModel(
    project: string,
    name: string,
    version: string,
    change: ModelPromotion,
  ): Promise<ModelRecord | undefined> {
    return this.store.transaction(async (client) => {
      const changed = promotion(await this.locked(client, project, name), version, change);
      if (!changed) return undefined;
      for (const record of changed)
        await client.query(
          "UPDATE models SET stage = $1, record = $2 WHERE project = $3 AND name = $4 AND version = $5",
          [record.stage ?? null, JSON.stringify(record), project, name, record.version],
        );
      return changed[changed.length - 1];
    });
  }
}
