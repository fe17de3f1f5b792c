// Limit leases (concurrency limits shared by processes) as one suite every store runs: memory and SQLite
// today; a shared database (PostgreSQL) adds one line to run it.
import { afterEach, describe, expect, it } from "vitest";
import type { LimitRequest, LimitStore } from "sluice/internal";

export interface LimitStoreUnderTest {
  limits: LimitStore;
  /** The same leases through another connection (a second process), when the store has them. */
  secondConnection?: () => LimitStore;
  close?: () => Promise<void> | void;
}

const owner = { host: "host-a", pid: 100, startedAt: 1 };
const ask = (holder: string, now: number, limit = 2, key = "gpu"): LimitRequest => ({
  key,
  limit,
  holder,
  owner,
  now,
  ttlMs: 1000,
});

/** Registers the suite; `make` is called once per test and must return an empty store. */
export function describeLimitStoreConformance(
  name: string,
  make: () => Promise<LimitStoreUnderTest> | LimitStoreUnderTest,
): void {
  describe(`limit store conformance: ${name}`, () => {
    let current: LimitStoreUnderTest | undefined;
    const fresh = async () => (current = await make());
    afterEach(async () => {
      await current?.close?.();
      current = undefined;
    });

    it("gives at most `limit` slots of a key, and a freed slot to the earliest waiter", async () => {
      const { limits } = await fresh();
      expect((await limits.acquireLimit(ask("a", 10))).acquired).toBe(true);
      expect((await limits.acquireLimit(ask("b", 11))).acquired).toBe(true);
      const third = await limits.acquireLimit(ask("c", 12));
      expect(third.acquired).toBe(false);
      expect(third.leases.filter((l) => l.held).map((l) => l.holder)).toEqual(["a", "b"]);
      expect((await limits.acquireLimit(ask("d", 13))).acquired).toBe(false);
      await limits.releaseLimit("gpu", "a");
      // d asks first, but c has waited longer: the slot is c's.
      expect((await limits.acquireLimit(ask("d", 14))).acquired).toBe(false);
      expect((await limits.acquireLimit(ask("c", 15))).acquired).toBe(true);
      expect((await limits.acquireLimit(ask("d", 16))).acquired).toBe(false);
      // Other keys are counted on their own.
      expect((await limits.acquireLimit(ask("d", 16, 1, "db"))).acquired).toBe(true);
    });

    it("keeps a holder's slot when it asks again, and frees it on release", async () => {
      const { limits } = await fresh();
      expect((await limits.acquireLimit(ask("a", 10, 1))).acquired).toBe(true);
      expect((await limits.acquireLimit(ask("a", 11, 1))).acquired).toBe(true);
      expect((await limits.acquireLimit(ask("b", 12, 1))).acquired).toBe(false);
      await limits.releaseLimit("gpu", "a");
      expect((await limits.acquireLimit(ask("b", 13, 1))).acquired).toBe(true);
      expect((await limits.limitLeases("gpu")).map((l) => [l.holder, l.held])).toEqual([
        ["b", true],
      ]);
    });

    it("drops a lease that lapsed, unless it was renewed", async () => {
      const { limits } = await fresh();
      await limits.acquireLimit(ask("a", 0, 1)); // lapses at 1000
      await limits.acquireLimit(ask("x", 0, 1, "other"));
      await limits.renewLimits(["x"], 5000);
      expect((await limits.acquireLimit(ask("b", 1001, 1))).acquired).toBe(true);
      expect((await limits.acquireLimit(ask("y", 1001, 1, "other"))).acquired).toBe(false);
      // A refusal drops the key's lapsed leases (a's).
      const refused = await limits.acquireLimit(ask("c", 1002, 1));
      expect(refused.acquired).toBe(false);
      expect(refused.leases.map((l) => l.holder).sort()).toEqual(["b", "c"]);
      const all = await limits.limitLeases();
      expect(all.map((l) => `${l.key}:${l.holder}:${l.held}`).sort()).toEqual([
        "gpu:b:true",
        "gpu:c:false",
        "other:x:true",
        "other:y:false",
      ]);
      expect(all.find((l) => l.holder === "b")?.owner).toEqual(owner);
    });

    it("shares the count with another connection to the same store", async (context) => {
      const { limits, secondConnection } = await fresh();
      if (!secondConnection) return context.skip();
      const other = secondConnection();
      expect((await limits.acquireLimit(ask("a", 10, 1))).acquired).toBe(true);
      expect((await other.acquireLimit(ask("b", 11, 1))).acquired).toBe(false);
      await limits.releaseLimit("gpu", "a");
      expect((await other.acquireLimit(ask("b", 12, 1))).acquired).toBe(true);
    });
  });
}
