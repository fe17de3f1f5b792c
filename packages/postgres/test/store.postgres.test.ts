// The PostgreSQL store against a real PostgreSQL (SLUICE_TEST_PG): the store conformance suite every
// store runs, then what is PostgreSQL's own: migrations, a newer schema refused, connection errors.
import { describe, expect, it } from "vitest";
import pg from "pg";
import { PostgresStore, LATEST_VERSION } from "@sluice/postgres";
import { describeStoreConformance } from "../../sluice/test/store-conformance.js";
import { PG_URL, dropSchema, freshSchema } from "../../../test/support/postgres.js";

async function openFresh() {
  const schema = freshSchema();
  const store = await PostgresStore.open({ url: PG_URL!, schema });
  return {
    store,
    schema,
    close: async () => {
      await store.close();
      await dropSchema(schema);
    },
  };
}

describe.runIf(PG_URL)("PostgreSQL store", () => {
  describeStoreConformance("postgres", async () => {
    const { store, close } = await openFresh();
    return { runs: store, completions: store, catalog: store, close };
  });

  it("writes the records queued before a transaction in it, and still commits them when the transaction fails", async () => {
    const { store, close } = await openFresh();
    const step = (name: string) => ({
      runId: "r1",
      step: name,
      identity: name,
      status: "succeeded" as const,
      reason: "missing-output" as const,
      cached: false,
      attempts: 1,
    });
    const stepsOf = async () =>
      ((await store.getRun("r1"))?.steps ?? []).map((record) => record.step).sort();
    try {
      await store.createRun({
        runId: "r1",
        pipeline: "p",
        status: "running",
        params: {},
        startedAt: 1,
      });
      // Queued (group commit), then a transaction: the queued record is written first, in it.
      const queued = store.putSteps([step("a")]);
      await store.transaction(async (client) => {
        const seen = await client.query("SELECT 1 FROM step_runs WHERE step = 'a'");
        expect(seen.rows).toHaveLength(1);
      });
      await queued;
      // A transaction that fails: what was queued before it is not lost with it.
      const kept = store.putSteps([step("b")]);
      await expect(
        store.transaction(async (client) => {
          await client.query("SELECT 1");
          throw new Error("the caller's own failure");
        }),
      ).rejects.toThrow("the caller's own failure");
      await kept;
      expect(await stepsOf()).toEqual(["a", "b"]);
    } finally {
      await close();
    }
  });

  it("migrates a new schema once when several processes open it at the same moment", async () => {
    const schema = freshSchema();
    const stores = await Promise.all(
      [1, 2, 3, 4].map(() => PostgresStore.open({ url: PG_URL!, schema })),
    );
    const rows = await stores[0]!.pool.query("SELECT version FROM sluice_schema");
    expect(rows.rows).toEqual([{ version: LATEST_VERSION }]);
    await Promise.all(stores.map((store) => store.close()));
    await dropSchema(schema);
  });

  it("refuses a database of a newer sluice, naming it without its password, and writes nothing", async () => {
    const { store, schema, close } = await openFresh();
    await store.pool.query("UPDATE sluice_schema SET version = 999");
    await store.close();
    await expect(PostgresStore.open({ url: PG_URL!, schema })).rejects.toMatchObject({
      code: "store-too-new",
      message: expect.stringMatching(/newer sluice \(schema 999; this one knows \d+\)/),
    });
    const password = new URL(PG_URL!).password;
    await expect(PostgresStore.open({ url: PG_URL!, schema })).rejects.not.toMatchObject({
      message: expect.stringContaining(`:${password}@`),
    });
    const check = new pg.Client({ connectionString: PG_URL });
    await check.connect();
    const version = await check.query(`SELECT version FROM ${schema}.sluice_schema`);
    expect(version.rows[0].version).toBe(999);
    await check.end();
    await dropSchema(schema);
    void close;
  });

  it("says what is wrong with a connection: an unreachable server, wrong credentials, a missing database", async () => {
    const url = new URL(PG_URL!);
    const unreachable = new URL(url);
    unreachable.port = "1";
    await expect(PostgresStore.open({ url: unreachable.toString() })).rejects.toMatchObject({
      code: "unreachable",
      message: expect.stringContaining(`Cannot reach PostgreSQL at ${url.hostname}:1`),
    });
    const wrongPassword = new URL(url);
    wrongPassword.password = "not-the-password";
    const refused = PostgresStore.open({ url: wrongPassword.toString() });
    await expect(refused).rejects.toMatchObject({
      code: "invalid-usage",
      message: expect.stringContaining(`refused user "${url.username}"`),
    });
    await expect(refused).rejects.not.toMatchObject({
      message: expect.stringContaining("not-the-password"),
    });
    const missing = new URL(url);
    missing.pathname = "/no_such_database";
    await expect(PostgresStore.open({ url: missing.toString() })).rejects.toMatchObject({
      message: expect.stringContaining('no database "no_such_database"'),
    });
    await expect(PostgresStore.open({ url: "mysql:/x" })).rejects.toMatchObject({
      code: "invalid-usage",
    });
  });
});
