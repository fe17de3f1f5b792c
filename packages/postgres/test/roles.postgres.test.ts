// The PostgreSQL server, schedule, limit and notification tables and the artifacts in the database
// against the contracts every store runs; a second connection is a second process (another server or
// scheduler) on the same database.
import { describe } from "vitest";
import {
  PostgresArtifactStore,
  PostgresLimitTables,
  PostgresModelTables,
  PostgresNotificationTables,
  PostgresScheduleTables,
  PostgresServerTables,
  PostgresStore,
} from "@sluice/postgres";
import { describeServerTablesConformance } from "../../sluice/test/server-tables-conformance.js";
import {
  describeNotificationStoreConformance,
  describeScheduleStoreConformance,
} from "../../sluice/test/schedule-store-conformance.js";
import { describeLimitStoreConformance } from "../../sluice/test/limit-store-conformance.js";
import { describeArtifactStoreConformance } from "../../sluice/test/artifact-store-conformance.js";
import { describeModelRegistryConformance } from "../../sluice/test/model-registry-conformance.js";
import { PG_URL, dropSchema, freshSchema } from "../../../test/support/postgres.js";

/** A store in a fresh schema, and more connections to it; closing closes them all and drops it. */
async function fresh() {
  const schema = freshSchema();
  const stores = [await PostgresStore.open({ url: PG_URL!, schema })];
  return {
    store: stores[0]!,
    another: async () => {
      const store = await PostgresStore.open({ url: PG_URL!, schema });
      stores.push(store);
      return store;
    },
    close: async () => {
      await Promise.all(stores.map((store) => store.close()));
      await dropSchema(schema);
    },
  };
}

describe.runIf(PG_URL)("PostgreSQL roles", () => {
  describeServerTablesConformance("postgres", async () => {
    const { store, another, close } = await fresh();
    // The suite asks for the second connection synchronously: open it first.
    const second = new PostgresServerTables(await another());
    const tables = new PostgresServerTables(store);
    return {
      tables,
      runs: store,
      secondConnection: () => second,
      close: async () => {
        await Promise.all([tables.close(), second.close()]);
        await close();
      },
    };
  });

  describeScheduleStoreConformance("postgres", async () => {
    const { store, another, close } = await fresh();
    const second = new PostgresScheduleTables(await another());
    return {
      schedules: new PostgresScheduleTables(store),
      secondConnection: () => second,
      close,
    };
  });

  describeLimitStoreConformance("postgres", async () => {
    const { store, another, close } = await fresh();
    const second = new PostgresLimitTables(await another());
    return { limits: new PostgresLimitTables(store), secondConnection: () => second, close };
  });

  describeArtifactStoreConformance("postgres", async () => {
    const { store, close } = await fresh();
    return { artifacts: new PostgresArtifactStore(store), close };
  });

  describeModelRegistryConformance("postgres", async () => {
    const { store, another, close } = await fresh();
    return {
      models: new PostgresModelTables(store),
      second: new PostgresModelTables(await another()),
      close,
    };
  });

  describeNotificationStoreConformance("postgres", async () => {
    const { store, close } = await fresh();
    return { notifications: new PostgresNotificationTables(store), close };
  });
});
