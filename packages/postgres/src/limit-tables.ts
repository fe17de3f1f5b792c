/**
 * Concurrency limits on PostgreSQL. Admission to a key is decided under a transaction-scoped advisory
 * lock on that key, so processes on several machines are admitted one after the other, by the same
 * rule as the other stores (`admitted`: a slot is free and nobody waits ahead in line).
 */
import { admitted, type LimitLease, type LimitRequest, type LimitStore } from "sluice/internal";
import type { PostgresStore } from "./postgres-store.js";

interface LeaseRow {
  key: string;
  holder: string;
  held: boolean;
  queued_at: string;
  expires_at: string;
  owner_host: string;
  owner_pid: number;
  owner_started_at: string | null;
}

export class PostgresLimitTables implements LimitStore {
  constructor(private readonly store: PostgresStore) {}

  acquireLimit(request: LimitRequest): Promise<{ acquired: boolean; leases: LimitLease[] }> {
    const { key, holder, limit, now, ttlMs, owner } = request;
    return this.store.transaction(async (client) => {
      await client.query("SELECT pg_advisory_xact_lock(hashtext('sluice-limit:' || $1))", [key]);
      const earlier = (
        await client.query<{ held: boolean; queued_at: string }>(
          "SELECT held, queued_at FROM limit_leases WHERE key = $1 AND holder = $2",
          [key, holder],
        )
      ).rows[0];
      const queuedAt = earlier ? Number(earlier.queued_at) : now;
      const counts = (
        await client.query<{ held_by_others: string; waiting_ahead: string }>(
          `SELECT
             count(*) FILTER (WHERE held AND holder <> $2) AS held_by_others,
             count(*) FILTER (WHERE NOT held AND (queued_at < $4 OR (queued_at = $4 AND holder < $2))) AS waiting_ahead
           FROM limit_leases WHERE key = $1 AND expires_at >= $3`,
          [key, holder, now, queuedAt],
        )
      ).rows[0]!;
      const held = admitted(
        earlier?.held ?? false,
        Number(counts.held_by_others),
        Number(counts.waiting_ahead),
        limit,
      );
      await client.query(
        `INSERT INTO limit_leases (key, holder, held, queued_at, expires_at, owner_host, owner_pid, owner_started_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (key, holder) DO UPDATE SET held = excluded.held, expires_at = excluded.expires_at`,
        [key, holder, held, queuedAt, now + ttlMs, owner.host, owner.pid, owner.startedAt ?? null],
      );
      if (held) return { acquired: true, leases: [] };
      await client.query("DELETE FROM limit_leases WHERE key = $1 AND expires_at < $2", [key, now]);
      const leases = await client.query<LeaseRow>(
        "SELECT * FROM limit_leases WHERE key = $1 ORDER BY queued_at, holder",
        [key],
      );
      return { acquired: false, leases: leases.rows.map(leaseOf) };
    });
  }

  async releaseLimit(key: string, holder: string): Promise<void> {
    await this.store.query("DELETE FROM limit_leases WHERE key = $1 AND holder = $2", [
      key,
      holder,
    ]);
  }

  async renewLimits(holders: readonly string[], expiresAt: number): Promise<void> {
    if (holders.length === 0) return;
    await this.store.query("UPDATE limit_leases SET expires_at = $1 WHERE holder = ANY($2)", [
      expiresAt,
      [...holders],
    ]);
  }

  async limitLeases(key?: string): Promise<LimitLease[]> {
    const rows = await this.store.query<LeaseRow>(
      `SELECT * FROM limit_leases WHERE $1::text IS NULL OR key = $1 ORDER BY key, queued_at, holder`,
      [key ?? null],
    );
    return rows.map(leaseOf);
  }
}

function leaseOf(row: LeaseRow): LimitLease {
  return {
    key: row.key,
    holder: row.holder,
    held: row.held,
    queuedAt: Number(row.queued_at),
    expiresAt: Number(row.expires_at),
    owner: {
      host: row.owner_host,
      pid: row.owner_pid,
      ...(row.owner_started_at === null ? {} : { startedAt: Number(row.owner_started_at) }),
    },
  };
}
