/** The SQLite implementation of LimitStore (the table of migration 17), on the runs' database. */
import { admit, type LimitLease, type LimitRequest, type LimitStore } from "../limit-records.js";
import type { Row } from "./rows.js";
import type { SqliteStore } from "./sqlite-store.js";

export class SqliteLimitTables implements LimitStore {
  private readonly statements: ReturnType<typeof prepare>;

  constructor(private readonly store: SqliteStore) {
    this.statements = store.guard(() => prepare(store.db));
  }

  acquireLimit(request: LimitRequest): { acquired: boolean; leases: LimitLease[] } {
    // IMMEDIATE: the line is read and written under the database's write lock, so two processes
    // asking at once are admitted one after the other.
    return this.store.transaction(() => {
      const rows = this.statements.ofKey.all(request.key) as Row[];
      const { mine, lapsed, leases } = admit(rows.map(leaseOf), request);
      for (const lease of lapsed) this.statements.remove.run(lease.key, lease.holder);
      const { owner } = mine;
      this.statements.upsert.run(
        mine.key,
        mine.holder,
        mine.held ? 1 : 0,
        mine.queuedAt,
        mine.expiresAt,
        owner.host,
        owner.pid,
        owner.startedAt ?? null,
      );
      return { acquired: mine.held, leases };
    });
  }

  releaseLimit(key: string, holder: string): void {
    this.store.guard(() => this.statements.remove.run(key, holder));
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
    ofKey: db.prepare(`SELECT * FROM limit_leases WHERE key = ? ORDER BY queued_at, holder`),
    all: db.prepare(`SELECT * FROM limit_leases ORDER BY key, queued_at, holder`),
    upsert: db.prepare(
      `INSERT INTO limit_leases (key, holder, held, queued_at, expires_at, owner_host, owner_pid, owner_started_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (key, holder) DO UPDATE SET held = excluded.held, expires_at = excluded.expires_at`,
    ),
    remove: db.prepare(`DELETE FROM limit_leases WHERE key = ? AND holder = ?`),
    renew: db.prepare(`UPDATE limit_leases SET expires_at = ? WHERE holder = ?`),
  };
}
