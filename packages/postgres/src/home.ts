/**
 * A PostgreSQL stack opened as a sluice home: every role of the store on the shared database, and the
 * artifacts in it or in a shared folder. What `sluice` loads when a stack names PostgreSQL.
 */
import { PostgresModelTables } from "./model-tables.js";
import {
  FileArtifactStore,
  recoverCrashedRuns,
  type ArtifactStore,
  type SluiceHome,
  type StackTarget,
} from "sluice/internal";
import { PostgresArtifactStore } from "./artifact-store.js";
import { collectGarbage } from "./garbage-collection.js";
import { PostgresLimitTables } from "./limit-tables.js";
import { PostgresNotificationTables } from "./notification-tables.js";
import { PostgresStore } from "./postgres-store.js";
import { cancelDispatchedRun, dispatchRun, queueSchema } from "./dispatch.js";
import { listWorkers } from "./worker-registry.js";
import { PostgresScheduleTables } from "./schedule-tables.js";
import { PostgresServerTables } from "./server-tables.js";

export async function openPostgresHome(
  target: Extract<StackTarget, { kind: "postgres" }>,
  { recover }: { recover: boolean },
): Promise<SluiceHome> {
  const store = await PostgresStore.open({ url: target.url });
  const serverTables = new PostgresServerTables(store);
  const limits = new PostgresLimitTables(store);
  const notifications = new PostgresNotificationTables(store);
  const models = new PostgresModelTables(store);
  const artifacts: ArtifactStore =
    target.artifacts === "postgres"
      ? new PostgresArtifactStore(store)
      : FileArtifactStore.filesOnly(target.artifacts);
  if (recover) await recoverCrashedRuns(store);
  return {
    path: store.where,
    runs: store,
    completions: store,
    catalog: store,
    serverTables,
    schedules: new PostgresScheduleTables(store),
    limits,
    notifications,
    models,
    maintenance: {
      // PostgreSQL checks its own pages; there is no file of ours to check.
      checkIntegrity: () => undefined,
      collectGarbage: (runIds, dryRun) => collectGarbage(store, runIds, dryRun),
    },
    outputs: {
      outputHashesWithPrefix: async (prefix, { pipelines, limit }) =>
        (
          await store.query<{ output_hash: string }>(
            `SELECT DISTINCT output_hash FROM completions WHERE output_hash LIKE $1
               AND ($2::text[] IS NULL OR pipeline = ANY($2)) ORDER BY output_hash LIMIT $3`,
            [`${prefix}%`, pipelines ? [...pipelines] : null, limit],
          )
        ).map((row) => row.output_hash),
    },
    artifacts,
    workers: { listWorkers: () => listWorkers(store) },
    stores: {
      runs: store,
      completions: store,
      artifacts,
      catalog: store,
      triggers: serverTables,
      versions: serverTables,
      models,
      limits,
      notifications,
      ...(target.executor === "workers"
        ? {
            dispatcher: {
              dispatch: (run) => dispatchRun(store, queueSchema(target.url), run),
              cancel: (runId) => cancelDispatchedRun(store, queueSchema(target.url), runId),
            },
          }
        : {}),
    },
    close: () => void serverTables.close().then(() => store.close()),
  };
}
