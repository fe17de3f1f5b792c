/** The model registry on SQLite (migration 21): one row per version, its record as JSON. */
import type {
  ModelPromotion,
  ModelRecord,
  ModelRegistration,
  ModelRegistry,
  ModelStage,
} from "../model-records.js";
import { newModel, nextVersion, promotion } from "../model-registry-logic.js";
import { versionTaken } from "../memory-models.js";
import type { Row } from "./rows.js";
import type { SqliteStore } from "./sqlite-store.js";

export class SqliteModelTables implements ModelRegistry {
  constructor(private readonly store: SqliteStore) {}

  private versions(project: string, name: string): ModelRecord[] {
    return (
      this.store.db
        .prepare(`SELECT record FROM models WHERE project = ? AND name = ? ORDER BY seq`)
        .all(project, name) as Row[]
    ).map((row) => JSON.parse(row.record as string) as ModelRecord);
  }

  private write(record: ModelRecord, seq?: number): void {
    const text = JSON.stringify(record);
    if (seq === undefined)
      this.store.db
        .prepare(
          `UPDATE models SET stage = ?, record = ? WHERE project = ? AND name = ? AND version = ?`,
        )
        .run(record.stage ?? null, text, record.project, record.name, record.version);
    else
      this.store.db
        .prepare(
          `INSERT INTO models (project, name, version, seq, stage, artifact_hash, record) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(record.project, record.name, record.version, seq, null, record.artifact.hash, text);
  }

  async registerModel(entry: ModelRegistration): Promise<ModelRecord> {
    return this.store.guard(() =>
      this.store.transaction(() => {
        const versions = this.versions(entry.project, entry.name);
        const same = versions.find((m) => m.artifact.hash === entry.artifact.hash);
        if (same) return same;
        const version = nextVersion(versions, entry.version);
        if (versions.some((m) => m.version === version)) throw versionTaken(entry.name, version);
        const record = newModel(entry, version);
        this.write(record, versions.length + 1);
        return record;
      }),
    );
  }

  async listModels(project: string): Promise<ModelRecord[]> {
    return this.store.guard(() =>
      (
        this.store.db
          .prepare(`SELECT record FROM models WHERE project = ? ORDER BY name, seq DESC`)
          .all(project) as Row[]
      ).map((row) => JSON.parse(row.record as string) as ModelRecord),
    );
  }

  async findModel(
    project: string,
    name: string,
    which: { version: string } | { stage: ModelStage },
  ): Promise<ModelRecord | undefined> {
    const row = this.store.guard(
      () =>
        ("version" in which
          ? this.store.db
              .prepare(`SELECT record FROM models WHERE project = ? AND name = ? AND version = ?`)
              .get(project, name, which.version)
          : this.store.db
              .prepare(
                `SELECT record FROM models WHERE project = ? AND name = ? AND stage = ? ORDER BY seq DESC LIMIT 1`,
              )
              .get(project, name, which.stage)) as Row | undefined,
    );
    return row ? (JSON.parse(row.record as string) as ModelRecord) : undefined;
  }

  async promoteModel(
    project: string,
    name: string,
    version: string,
    change: ModelPromotion,
  ): Promise<ModelRecord | undefined> {
    return this.store.guard(() =>
      this.store.transaction(() => {
        const changed = promotion(this.versions(project, name), version, change);
        if (!changed) return undefined;
        for (const record of changed) this.write(record);
        return changed[changed.length - 1];
      }),
    );
  }
}
