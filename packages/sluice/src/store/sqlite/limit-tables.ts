/**
 * The SQLite implementation of LimitStore (the table of migration 17), on the runs' database. Taking
 * and giving back a slot ride on the store's group commit: many steps' leases share one transaction
 * (an IMMEDIATE one, so processes are admitted one after the other), and a caller hears the answer
 * once it is committed.
 */
import { admitted, type LimitLease, type LimitRequest, type LimitStore } from "../limit-records.js";
import type { Row } from "./rows.js";
import type { SqliteStore } from "./sqlite-store.js";

export class SqliteLimitTables implements LimitStore {
  private readonly statements: ReturnType<typeof prepare>;

  constructor(private readonly store: SqliteStore) {
    this.statements = store.guard(() => prepare(store.db));
  }

  acquireLimit(request: LimitRequest): Promise<{ acquired: boolean; leases: LimitLease[] }> {
    return this.store.inGroupCommit(() => this.admit(request));
  }

  private admit(request: LimitRequest): { acquired: boolean; leases: LimitLease[] } {
    const { key, holder, limit, now, ttlMs, owner } = request;
    const { statements } = this;
    const earlier = statements.mine.get(key, holder) as Row | undefined;
    const queuedAt = (earlier?.queued_at as number | undefined) ?? now;
    const heldByOthers = statements.heldByOthers.pluck().get(key, holder, now) as number;
    const waitingAhead = statements.waitingAhead
      .pluck()
      .get(key, now, queuedAt, queuedAt, holder) as number;
    const held = admitted(earlier?.held === 1, heldByOthers, waitingAhead, limit);
    statements.upsert.run(
      key,
      holder,
      held ? 1 : 0,
      queuedAt,
      now + ttlMs,
      owner.host,
      owner.pid,
      owner.startedAt ?? null,
    );
    if (held) return { acquired: true, leases: [] };
    statements.removeLapsed.run(key, now);
    return { acquired: false, leases: (statements.ofKey.all(key) as Row[]).map(leaseOf) };
  }

  releaseLimit(key: string, holder: string): Promise<void> {
    return this.store.inGroupCommit(() => {
      this.statements.remove.run(key, holder);
    });
  }

  renewLimits(holders: readonly string[], expiresAt: number): void {
    if (holders.length === 0) return;
    this.store.transaction(() => {
      for (const holder of holders) this.statements.renew.run(expiresAt, holder);
    });
  }

  limitLeases(key?: string): LimitLease[] {
    const rows = this.store.guard(
      () =>
        (key === undefined ? this.statements.all.all() : this.statements.ofKey.all(key)) as Row[],
    );
    return rows.map(leaseOf);
  }
}

function leaseOf(row: Row): LimitLease {
  return {
    key: row.key as string,
    holder: row.holder as string,
    held: row.held === 1,
    queuedAt: row.queued_at as number,
    expiresAt: row.expires_at as number,
    owner: {
      host: row.owner_host as string,
      pid: row.owner_pid as number,
      ...(row.owner_started_at === null ? {} : { startedAt: row.owner_started_at as number }),
    },
  };
}

function prepare(db: SqliteStore["db"]) {
  return {
    mine: db.prepare(`SELECT held, queued_at FROM limit_leases WHERE key = ? AND holder = ?`),
    heldByOthers: db.prepare(
      `SELECT count(*) FROM limit_leases WHERE key = ? AND held = 1 AND holder <> ? AND expires_at >= ?`,
    ),
    waitingAhead: db.prepare(
      `SELECT count(*) FROM limit_leases WHERE key = ? AND held = 0 AND expires_at >= ?
       AND (queued_at < ? OR (queued_at = ? AND holder < ?))`,
    ),
    upsert: db.prepare(
      `INSERT INTO limit_leases (key, holder, held, queued_at, expires_at, owner_host, owner_pid, owner_started_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (key, holder) DO UPDATE SET held = excluded.held, expires_at = excluded.expires_at`,
    ),
    removeLapsed: db.prepare(`DELETE FROM limit_leases WHERE key = ? AND expires_at < ?`),
    ofKey: db.prepare(`SELECT * FROM limit_leases WHERE key = ? ORDER BY queued_at, holder`),
    all: db.prepare(`SELECT * FROM limit_leases ORDER BY key, queued_at, holder`),
    remove: db.prepare(`DELETE FROM limit_leases WHERE key = ? AND holder = ?`),
    renew: db.prepare(`UPDATE limit_leases SET expires_at = ? WHERE holder = ?`),
  };
}
