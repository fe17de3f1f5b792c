/** The SQLite store opened as the roles a home uses (see home-roles.ts): the one place a home meets SQLite. */
import type { StoreRoles } from "../home-roles.js";
import { outputHashesWithPrefix } from "./artifact-prefix.js";
import { SqliteLimitTables } from "./limit-tables.js";
import { SqliteNotificationTables } from "./notification-tables.js";
import { SqliteScheduleTables } from "./schedule-tables.js";
import { SqliteServerTables } from "./server-tables.js";
import { SqliteStore } from "./sqlite-store.js";
import { SqliteModelTables } from "./model-tables.js";

/** Opens (creating and migrating when needed) the SQLite database at `path`. */
export function openSqliteRoles(path: string): StoreRoles {
  const store = SqliteStore.open(path);
  let serverTables: SqliteServerTables | undefined;
  let scheduleTables: SqliteScheduleTables | undefined;
  let limitTables: SqliteLimitTables | undefined;
  let notificationTables: SqliteNotificationTables | undefined;
  let modelTables: SqliteModelTables | undefined;
  return {
    runs: store,
    completions: store,
    catalog: store,
    // Prepared on first use: most commands never touch the server's tables.
    get serverTables() {
      return (serverTables ??= new SqliteServerTables(store));
    },
    get schedules() {
      return (scheduleTables ??= new SqliteScheduleTables(store));
    },
    get limits() {
      return (limitTables ??= new SqliteLimitTables(store));
    },
    get notifications() {
      return (notificationTables ??= new SqliteNotificationTables(store));
    },
    get models() {
      return (modelTables ??= new SqliteModelTables(store));
    },
    maintenance: store,
    outputs: {
      outputHashesWithPrefix: (prefix, options) => outputHashesWithPrefix(store, prefix, options),
    },
    artifactRows: store,
    close: () => store.close(),
  };
}
