/**
 * What the server keeps beside runs: API keys (only their hashes), the flow versions a workspace
 * registered, and the idempotency keys of triggers. Small role interfaces, as run-store.ts.
 */
import type { MaybePromise } from "../core/index.js";
import type { RunRecord } from "./records.js";

export interface ApiKeyRecord {
  /** Public id of the key (its prefix): what `sluice keys list` shows and `revoke` takes. */
  keyId: string;
  project: string;
  /** A read-only key can read everything of its project, and trigger, cancel, resume or reset nothing. */
  readOnly: boolean;
  name?: string;
  createdAt: number;
  revokedAt?: number;
}

export interface ApiKeyStore {
  /** Stores a new key under the SHA-256 hash of its secret text (the text itself is never stored). */
  createApiKey(record: ApiKeyRecord, keyHash: string): Promise<void>;
  /** The key with this hash, revoked or not; answered synchronously where the store can (every request asks). */
  findApiKey(keyHash: string): MaybePromise<ApiKeyRecord | undefined>;
  /** Oldest first. */
  listApiKeys(project?: string): Promise<ApiKeyRecord[]>;
  /** Revokes a key by id; false when there is no such key. */
  revokeApiKey(keyId: string, at: number): Promise<boolean>;
  /** Every key with its hash, oldest first: what `sluice export` copies to another stack. */
  exportApiKeys(): Promise<Array<ApiKeyRecord & { keyHash: string }>>;
}

export interface FlowVersionRecord {
  project: string;
  flow: string;
  /** The pipeline's version label, or the first 12 characters of its hash when it has none. */
  version: string;
  /** SHA-256 of the flow's definition: graph, parameter schemas and code fingerprints. */
  hash: string;
  /** When this definition was last registered (a server start, `sluice flows`, or a run of it). */
  registeredAt: number;
  /**
   * The definition's frozen snapshot as JSON text (what `sluice freeze` writes), when registered with
   * one: what `sluice compare --version` compares today's definition with. Kept once given.
   */
  snapshot?: string;
  /** In a listing (which leaves snapshots out): whether one is kept. */
  hasSnapshot?: boolean;
}

export interface FlowVersionStore {
  /** Records that this definition is registered now (a definition seen before gets a new time). */
  registerFlowVersion(record: FlowVersionRecord): Promise<void>;
  /** Newest registration first (without snapshots). */
  listFlowVersions(project: string, flow?: string): Promise<FlowVersionRecord[]>;
  /** The snapshot (JSON text) registered with a definition, if one was. */
  flowSnapshot(project: string, flow: string, hash: string): Promise<string | undefined>;
}

export interface TriggerStore {
  /**
   * Creates `run` (normally `queued`), atomically with claiming `idempotencyKey` in the run's project:
   * when the key was claimed before, nothing is created and the earlier run's id is returned.
   */
  createTriggeredRun(
    run: RunRecord,
    idempotencyKey?: string,
  ): Promise<{ runId: string; created: boolean }>;
}
