// The schedule and notification stores (memory, SQLite) against their shared contracts.
import { join } from "node:path";
import { MemoryNotificationStore, MemoryStore, openSqliteRoles } from "sluice/internal";
import {
  describeNotificationStoreConformance,
  describeScheduleStoreConformance,
} from "./schedule-store-conformance.js";
import { tempDir } from "../../../test/support/temp-dir.js";

describeScheduleStoreConformance("memory", () => ({ schedules: new MemoryStore() }));

describeScheduleStoreConformance("sqlite", () => {
  const path = join(tempDir("sluice-schedules-"), "sluice.db");
  const roles = openSqliteRoles(path);
  const others: Array<{ close(): void }> = [];
  return {
    schedules: roles.schedules,
    secondConnection: () => {
      const second = openSqliteRoles(path);
      others.push(second);
      return second.schedules;
    },
    close: () => [roles, ...others].forEach((r) => r.close()),
  };
});

describeNotificationStoreConformance("memory", async () => ({
  notifications: new MemoryNotificationStore(),
}));

describeNotificationStoreConformance("sqlite", async () => {
  const roles = openSqliteRoles(join(tempDir("sluice-notifications-"), "sluice.db"));
  return { notifications: roles.notifications, close: () => roles.close() };
});
