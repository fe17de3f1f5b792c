// The limit stores (memory, SQLite) against the shared limit-lease contract.
import { join } from "node:path";
import { MemoryLimitStore, openSqliteRoles } from "sluice/internal";
import { describeLimitStoreConformance } from "./limit-store-conformance.js";
import { tempDir } from "../../../test/support/temp-dir.js";

describeLimitStoreConformance("memory", () => ({ limits: new MemoryLimitStore() }));

describeLimitStoreConformance("sqlite", () => {
  const path = join(tempDir("sluice-limits-"), "sluice.db");
  const roles = openSqliteRoles(path);
  const others: Array<{ close(): void }> = [];
  return {
    limits: roles.limits,
    secondConnection: () => {
      const second = openSqliteRoles(path);
      others.push(second);
      return second.limits;
    },
    close: () => [roles, ...others].forEach((r) => r.close()),
  };
});
