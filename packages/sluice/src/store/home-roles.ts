/**
 * The roles a home's store plays, each a small interface: what the runtime, the CLI and the server
 * use, so that none of them names a concrete store (a PostgreSQL one adds one factory, not edits).
 */
import type { MaybePromise } from "../core/index.js";
import type { LimitStore } from "./limit-records.js";
import type { NotificationStore } from "./notification-records.js";
import type { ScheduleStore } from "./schedule-records.js";
import type { CompletionStore, DatasetCatalog, RunCheckpoints, RunStore } from "./run-store.js";
import type { ApiKeyStore, FlowVersionStore, TriggerStore } from "./server-records.js";
import type { ModelRegistry } from "./model-records.js";

/** Upkeep of a durable store: its health check and garbage collection. */
export interface StoreMaintenance {
  /** Throws `store-corrupt` when the store fails its integrity check. */
  checkIntegrity(): MaybePromise<void>;
  /**
   * Deletes these runs and what only they kept (completions, artifact rows); with `dryRun` only counts.
   * `inline` artifacts lived in the store itself; the others are files the caller removes.
   */
  collectGarbage(
    runIds: readonly string[],
    dryRun: boolean,
  ): MaybePromise<{
    runs: number;
    completions: number;
    artifacts: Array<{ hash: string; inline: boolean }>;
  }>;
}

/** Stored outputs found by a prefix of their hash (what the CLI prints is the first 12 hex digits). */
export interface OutputIndex {
  /** Up to `limit` output hashes starting with `prefix` (lowercase hex), in hash order; only those of `pipelines` when given. */
  outputHashesWithPrefix(
    prefix: string,
    options: { pipelines?: readonly string[]; limit: number },
  ): MaybePromise<string[]>;
}

/** The rows of stored artifacts (their kind, size, and small ones inline): what a file artifact store indexes by. */
export interface ArtifactRows {
  getArtifact(
    hash: string,
  ):
    | { kind: "json" | "blob" | "records" | "table" | "parquet"; size: number; inline?: string }
    | undefined;
  putArtifact(row: {
    hash: string;
    kind: "json" | "blob" | "records" | "table" | "parquet";
    size: number;
    inline?: string;
  }): MaybePromise<void>;
}

/** A worker of a stack whose runs go to workers (`sluice worker`), as the stack knows it. */
export interface WorkerInfo {
  workerId: string;
  host: string;
  pid: number;
  /** The queues it serves. */
  queues: string[];
  /** How many steps it runs at once. */
  concurrency: number;
  /** The flows it has, with their versions: it runs steps of these snapshots only. */
  flows: Array<{ name: string; version: string; hash: string }>;
  startedAt: number;
  heartbeatAt: number;
  /** Draining: it takes no new steps. */
  stopping: boolean;
  /** The steps it runs now, `run/step`. */
  running: string[];
}

/** The live workers of a stack (a stack with no workers has none to list). */
export interface WorkerRegistry {
  listWorkers(): Promise<WorkerInfo[]>;
}

/** What the server keeps besides runs: API keys, registered flow versions, idempotent triggers. */
export type ServerTables = ApiKeyStore & FlowVersionStore & TriggerStore;

/** Every role of one durable store, as a home opens it. */
export interface StoreRoles {
  runs: RunStore & RunCheckpoints;
  completions: CompletionStore;
  catalog: DatasetCatalog;
  serverTables: ServerTables;
  schedules: ScheduleStore;
  limits: LimitStore;
  notifications: NotificationStore;
  models: ModelRegistry;
  maintenance: StoreMaintenance;
  outputs: OutputIndex;
  artifactRows: ArtifactRows;
  close(): void;
}
