/** Limit leases kept in memory: shared by the runs of one process (see LimitStore). */
import {
  admitted,
  inLineBefore,
  type LimitLease,
  type LimitRequest,
  type LimitStore,
} from "./limit-records.js";

export class MemoryLimitStore implements LimitStore {
  /** Leases by key, then holder. */
  private readonly byKey = new Map<string, Map<string, LimitLease>>();

  acquireLimit(request: LimitRequest): { acquired: boolean; leases: LimitLease[] } {
    const { key, holder, limit, now, ttlMs, owner } = request;
    const leases = this.byKey.get(key) ?? new Map<string, LimitLease>();
    this.byKey.set(key, leases);
    const earlier = leases.get(holder);
    const queuedAt = earlier?.queuedAt ?? now;
    let heldByOthers = 0;
    let waitingAhead = 0;
    for (const lease of leases.values()) {
      if (lease.holder === holder || lease.expiresAt < now) continue;
      if (lease.held) heldByOthers++;
      else if (inLineBefore(lease, queuedAt, holder)) waitingAhead++;
    }
    const held = admitted(earlier?.held ?? false, heldByOthers, waitingAhead, limit);
    leases.set(holder, { key, holder, held, queuedAt, expiresAt: now + ttlMs, owner });
    if (held) return { acquired: true, leases: [] };
    for (const lease of leases.values()) if (lease.expiresAt < now) leases.delete(lease.holder);
    return { acquired: false, leases: [...leases.values()].map((lease) => ({ ...lease })) };
  }

  releaseLimit(key: string, holder: string): void {
    const leases = this.byKey.get(key);
    leases?.delete(holder);
    if (leases?.size === 0) this.byKey.delete(key);
  }

  renewLimits(holders: readonly string[], expiresAt: number): void {
    const renewed = new Set(holders);
    for (const leases of this.byKey.values())
      for (const lease of leases.values())
        if (renewed.has(lease.holder)) lease.expiresAt = expiresAt;
  }

  limitLeases(key?: string): LimitLease[] {
    const keys = key === undefined ? [...this.byKey.keys()] : [key];
    return keys.flatMap((k) => [...(this.byKey.get(k)?.values() ?? [])].map((l) => ({ ...l })));
  }
}
