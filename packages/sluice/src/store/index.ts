/** Store: what runs, steps, logs and completions are recorded, behind small role interfaces. */
export type { CompletionStore, DatasetCatalog, RunCheckpoints, RunStore } from "./run-store.js";
export { keepsCheckpoints } from "./run-store.js";
export type {
  Completion,
  CompletionSummary,
  DatasetRecord,
  LogRecord,
  MetricRecord,
  RunFilter,
  RunRecord,
  RunTrigger,
  HttpExchange,
  StepRunRecord,
  StoredRef,
} from "./records.js";
export { DEFAULT_PROJECT } from "./records.js";
export { MemoryStore } from "./memory-store.js";
export { SqliteStore, storeError } from "./sqlite/sqlite-store.js";
export { SqliteServerTables } from "./sqlite/server-tables.js";
export { openSqliteRoles } from "./sqlite/roles.js";
export type {
  ArtifactRows,
  OutputIndex,
  ServerTables,
  StoreMaintenance,
  StoreRoles,
  WorkerInfo,
  WorkerRegistry,
} from "./home-roles.js";
export type {
  ApiKeyRecord,
  ApiKeyStore,
  FlowVersionRecord,
  FlowVersionStore,
  TriggerStore,
} from "./server-records.js";
export type { ScheduleStore, ScheduleTick } from "./schedule-records.js";
export { MODEL_STAGES } from "./model-records.js";
export type {
  ModelPromotion,
  ModelRecord,
  ModelRegistration,
  ModelRegistry,
  ModelStage,
} from "./model-records.js";
export { newModel, nextVersion, promotion } from "./model-registry-logic.js";
export { MemoryModelRegistry, versionTaken } from "./memory-models.js";
export { SqliteModelTables } from "./sqlite/model-tables.js";
export type { LeaseOwner, LimitLease, LimitRequest, LimitStore } from "./limit-records.js";
export { admitted } from "./limit-records.js";
export { MemoryLimitStore } from "./memory-limits.js";
export type { DeliveryAttempt, NotificationStore } from "./notification-records.js";
export { MemoryNotificationStore } from "./memory-notifications.js";
export { RunFences } from "./run-fences.js";
export type { ClaimHolder } from "./run-fences.js";
