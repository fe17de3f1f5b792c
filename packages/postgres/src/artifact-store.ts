/**
 * Artifacts in the PostgreSQL database (bytea), for stacks without a shared folder: content-addressed
 * by the SHA-256 of their bytes and checked against it when read, exactly as the file store does (a
 * row whose bytes no longer match is treated as missing). A write rides on the store's group commit,
 * so it is committed before (or with) the completion that names it.
 */
import { createHash } from "node:crypto";
import { refOf, type ArtifactRef, type ArtifactStore, type EncodedValue } from "sluice/internal";
import type { PostgresStore } from "./postgres-store.js";
import { artifactRow } from "./record-writes.js";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Artifacts this process wrote lately, kept to be read back without a query (a chain's next step reads its input). */
const KEPT_BYTES = 32 * 1024 * 1024;
const KEPT_LARGEST = 256 * 1024;

export class PostgresArtifactStore implements ArtifactStore {
  /** By hash, oldest first; content-addressed, so never stale. */
  private readonly kept = new Map<string, { encoded: EncodedValue; size: number }>();
  private keptBytes = 0;

  constructor(private readonly store: PostgresStore) {}

  /**
   * Queued on the store's group commit and not waited for: any write made after this call commits
   * with it or after it (the contract of ArtifactStore.put), so a step need not wait for two commits.
   */
  put(encoded: EncodedValue): ArtifactRef {
    const ref = refOf(encoded);
    void this.store.putArtifactRow(artifactRow(encoded, ref));
    this.remember(encoded, ref);
    return ref;
  }

  /** Keeps a value written (by put, or by a worker's completion) to be read back without a query. */
  remember(encoded: EncodedValue, ref = refOf(encoded)): void {
    if (ref.size > KEPT_LARGEST || this.kept.has(ref.hash)) return;
    this.kept.set(ref.hash, { encoded, size: ref.size });
    this.keptBytes += ref.size;
    for (const [hash, { size }] of this.kept) {
      if (this.keptBytes <= KEPT_BYTES) break;
      this.kept.delete(hash);
      this.keptBytes -= size;
    }
  }

  async get(ref: ArtifactRef): Promise<EncodedValue | undefined> {
    const kept = this.kept.get(ref.hash);
    if (kept) return kept.encoded;
    const rows = await this.store.query<{ bytes: Buffer }>(
      "SELECT bytes FROM artifacts WHERE hash = $1",
      [ref.hash],
      "sluice_artifact_bytes",
    );
    const bytes = rows[0]?.bytes;
    if (!bytes || sha256(bytes) !== ref.hash) return undefined;
    return ref.kind === "json"
      ? { kind: "json", text: bytes.toString("utf8") }
      : { kind: ref.kind, bytes };
  }

  /** Which of these are not stored: one query for a whole plan's outputs. */
  async missing(refs: readonly ArtifactRef[]): Promise<ReadonlySet<string>> {
    const hashes = [...new Set(refs.map((ref) => ref.hash))];
    if (hashes.length === 0) return new Set();
    const rows = await this.store.query<{ hash: string }>(
      "SELECT hash FROM artifacts WHERE hash = ANY($1)",
      [hashes],
    );
    const stored = new Set(rows.map((row) => row.hash));
    return new Set(hashes.filter((hash) => !stored.has(hash)));
  }

  async has(ref: ArtifactRef): Promise<boolean> {
    const rows = await this.store.query("SELECT 1 FROM artifacts WHERE hash = $1", [ref.hash]);
    return rows.length > 0;
  }
}
