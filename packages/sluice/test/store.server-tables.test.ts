// The SQLite store's server tables against the shared server-tables contract.
import { join } from "node:path";
import { openSqliteRoles } from "sluice";
import { describeServerTablesConformance } from "./server-tables-conformance.js";
import { tempDir } from "../../../test/support/temp-dir.js";

describeServerTablesConformance("sqlite", () => {
  const path = join(tempDir("sluice-server-tables-"), "sluice.db");
  const roles = openSqliteRoles(path);
  const others: Array<{ close(): void }> = [];
  const secondConnection = () => {
    const second = openSqliteRoles(path);
    others.push(second);
    return second.serverTables;
  };
  return {
    tables: roles.serverTables,
    runs: roles.runs,
    secondConnection,
    close: () => [roles, ...others].forEach((r) => r.close()),
  };
});
