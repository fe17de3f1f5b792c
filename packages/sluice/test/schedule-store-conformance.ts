// Schedule ticks and paused schedules, and notification delivery attempts, as suites every store runs:
// memory and SQLite today; a shared database (PostgreSQL) adds one line each to run them.
import { afterEach, describe, expect, it } from "vitest";
import type { DeliveryAttempt, NotificationStore, ScheduleStore } from "sluice/internal";

export interface ScheduleStoreUnderTest {
  schedules: ScheduleStore;
  /** The same store through another connection (a second scheduler process), when it has them. */
  secondConnection?: () => ScheduleStore;
  close?: () => Promise<void> | void;
}

/** Registers the suite; `make` is called once per test and must return an empty store. */
export function describeScheduleStoreConformance(
  name: string,
  make: () => Promise<ScheduleStoreUnderTest> | ScheduleStoreUnderTest,
): void {
  describe(`schedule store conformance: ${name}`, () => {
    let current: ScheduleStoreUnderTest | undefined;
    const fresh = async () => (current = await make());
    afterEach(async () => {
      await current?.close?.();
      current = undefined;
    });

    it("gives a tick to the first claimant only, and settles it", async () => {
      const { schedules, secondConnection } = await fresh();
      const other = secondConnection?.() ?? schedules;
      const tick = { project: "p", scheduleId: "daily", tickAt: 1000, firedAt: 1001 };
      expect(await schedules.claimTick(tick)).toBe(true);
      expect(await other.claimTick({ ...tick, firedAt: 1002 })).toBe(false);
      expect(await schedules.claimTick({ ...tick, project: "q" })).toBe(true);
      await schedules.settleTick("p", "daily", 1000, "started", "run-1");
      expect(await other.lastTick("p", "daily")).toEqual({
        ...tick,
        outcome: "started",
        runId: "run-1",
      });
    });

    it("knows a schedule's newest tick, and the schedules paused in a project", async () => {
      const { schedules } = await fresh();
      for (const tickAt of [3000, 1000, 2000])
        await schedules.claimTick({ project: "p", scheduleId: "s", tickAt, firedAt: tickAt });
      await schedules.settleTick("p", "s", 3000, "skipped");
      expect(await schedules.lastTick("p", "s")).toEqual({
        project: "p",
        scheduleId: "s",
        tickAt: 3000,
        firedAt: 3000,
        outcome: "skipped",
      });
      expect(await schedules.lastTick("p", "none")).toBeUndefined();
      await schedules.setSchedulePaused("p", "a", true);
      await schedules.setSchedulePaused("p", "b", true);
      await schedules.setSchedulePaused("q", "c", true);
      await schedules.setSchedulePaused("p", "b", false);
      expect(await schedules.pausedSchedules("p")).toEqual(["a"]);
    });
  });
}

/** Registers the notification-store suite; `make` returns an empty store. */
export function describeNotificationStoreConformance(
  name: string,
  make: () => Promise<{ notifications: NotificationStore; close?: () => void }>,
): void {
  describe(`notification store conformance: ${name}`, () => {
    let close: (() => void) | undefined;
    afterEach(() => close?.());

    it("lists delivery attempts newest first, by project and run, at most `limit`", async () => {
      const made = await make();
      close = made.close;
      const { notifications } = made;
      const at: Record<string, number> = { r1: 1000, r2: 1100, r3: 1200 };
      const attempt = (n: number, runId: string, project = "p"): DeliveryAttempt => ({
        deliveryId: `d-${runId}`,
        attempt: n,
        project,
        hook: "ops",
        event: "run:end",
        status: "failed",
        runId,
        flow: "C",
        at: at[runId]! + n,
        ok: n === 2,
        ...(n === 2 ? { code: 200 } : { code: 503, error: "HTTP 503" }),
        willRetry: n === 1,
      });
      await notifications.recordDeliveryAttempt(attempt(1, "r1"));
      await notifications.recordDeliveryAttempt(attempt(2, "r1"));
      await notifications.recordDeliveryAttempt(attempt(1, "r2"));
      await notifications.recordDeliveryAttempt(attempt(1, "r3", "other"));
      const all = await notifications.deliveryAttempts({ project: "p", limit: 10 });
      expect(all.map((a) => `${a.runId}#${a.attempt}`)).toEqual(["r2#1", "r1#2", "r1#1"]);
      expect(all[2]).toEqual(attempt(1, "r1"));
      expect(
        (await notifications.deliveryAttempts({ project: "p", runId: "r1", limit: 1 })).map(
          (a) => a.attempt,
        ),
      ).toEqual([2]);
    });
  });
}
