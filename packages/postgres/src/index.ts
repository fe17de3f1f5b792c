/**
 * @sluice/postgres: sluice's stores on a shared PostgreSQL database, for teams and for more than one
 * machine. `PostgresStore.open({ url })` creates or migrates sluice's tables and plays the run,
 * checkpoint, completion and catalog roles.
 */
export { PostgresStore } from "./postgres-store.js";
export { shownUrl, type PostgresOptions } from "./connect.js";
export { LATEST_VERSION } from "./migrations.js";
export { PostgresServerTables } from "./server-tables.js";
export { PostgresScheduleTables } from "./schedule-tables.js";
export { PostgresLimitTables } from "./limit-tables.js";
export { PostgresModelTables } from "./model-tables.js";
export { PostgresNotificationTables } from "./notification-tables.js";
export { PostgresArtifactStore } from "./artifact-store.js";
export { openPostgresHome } from "./home.js";
export {
  cancelDispatchedRun,
  dispatchRun,
  installQueue,
  queueSchema,
  startStep,
  taskOf,
} from "./dispatch.js";
export type { StepJobPayload } from "./dispatch.js";
export { completeStep, requeueStep } from "./step-end.js";
export { startWorker } from "./worker.js";
export type { SluiceWorker, WorkerOptions } from "./worker.js";
export { listWorkers } from "./worker-registry.js";
export type { WorkerRecord } from "./worker-registry.js";
