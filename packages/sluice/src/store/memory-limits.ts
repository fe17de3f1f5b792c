/** Limit leases kept in memory: shared by the runs of one process (see LimitStore). */
import { admit, type LimitLease, type LimitRequest, type LimitStore } from "./limit-records.js";

export class MemoryLimitStore implements LimitStore {
  /** Leases by key, then holder. */
  private readonly byKey = new Map<string, Map<string, LimitLease>>();

  acquireLimit(request: LimitRequest): { acquired: boolean; leases: LimitLease[] } {
    const leases = this.byKey.get(request.key) ?? new Map<string, LimitLease>();
    this.byKey.set(request.key, leases);
    const { mine, lapsed } = admit([...leases.values()], request);
    for (const lease of lapsed) leases.delete(lease.holder);
    leases.set(mine.holder, mine);
    return { acquired: mine.held, leases: [...leases.values()].map((lease) => ({ ...lease })) };
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
