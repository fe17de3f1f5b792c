// The server's tables (API keys kept by hash, flow versions, idempotent triggers) as one suite every
// store runs: SQLite today; a shared database (PostgreSQL) adds one line to run it.
import { afterEach, describe, expect, it } from "vitest";
import type { RunRecord, RunStore, ServerTables } from "sluice";

export interface ServerTablesUnderTest {
  tables: ServerTables;
  /** Where triggered runs are created. */
  runs: RunStore;
  /** The same tables through another connection to the same database (a second server process). */
  secondConnection: () => ServerTables;
  close?: () => Promise<void> | void;
}

const queued = (runId: string, project = "demo"): RunRecord => ({
  runId,
  pipeline: "training",
  status: "queued",
  params: {},
  startedAt: Date.now(),
  project,
});

/** Registers the suite; `make` is called once per test and must return empty tables. */
export function describeServerTablesConformance(
  name: string,
  make: () => Promise<ServerTablesUnderTest> | ServerTablesUnderTest,
): void {
  describe(`server tables conformance: ${name}`, () => {
    let current: ServerTablesUnderTest | undefined;
    const fresh = async () => (current = await make());
    afterEach(async () => {
      await current?.close?.();
      current = undefined;
    });

    describe("API keys", () => {
      it("finds a key by its hash, lists keys by project, and revokes by id", async () => {
        const { tables } = await fresh();
        await tables.createApiKey(
          { keyId: "k1", project: "demo", readOnly: false, createdAt: 1 },
          "hash-1",
        );
        await tables.createApiKey(
          { keyId: "k2", project: "other", readOnly: true, name: "ci", createdAt: 2 },
          "hash-2",
        );
        expect(await tables.findApiKey("hash-1")).toEqual({
          keyId: "k1",
          project: "demo",
          readOnly: false,
          createdAt: 1,
        });
        expect(await tables.findApiKey("nope")).toBeUndefined();
        expect((await tables.listApiKeys()).map((k) => k.keyId)).toEqual(["k1", "k2"]);
        expect(await tables.listApiKeys("other")).toEqual([
          { keyId: "k2", project: "other", readOnly: true, name: "ci", createdAt: 2 },
        ]);
        expect(await tables.revokeApiKey("k2", 5)).toBe(true);
        expect(await tables.revokeApiKey("k2", 6)).toBe(false);
        // What `sluice export` copies to another stack: every key with its hash, oldest first.
        expect(await tables.exportApiKeys()).toEqual([
          { keyId: "k1", project: "demo", readOnly: false, createdAt: 1, keyHash: "hash-1" },
          {
            keyId: "k2",
            project: "other",
            readOnly: true,
            name: "ci",
            createdAt: 2,
            revokedAt: 5,
            keyHash: "hash-2",
          },
        ]);
        expect(await tables.revokeApiKey("missing", 6)).toBe(false);
        expect((await tables.findApiKey("hash-2"))!.revokedAt).toBe(5);
      });
    });

    describe("flow versions", () => {
      it("keeps one row per definition hash, newest registration first", async () => {
        const { tables } = await fresh();
        await tables.registerFlowVersion({
          project: "demo",
          flow: "training",
          version: "1.0.0",
          hash: "a",
          registeredAt: 1,
        });
        await tables.registerFlowVersion({
          project: "demo",
          flow: "training",
          version: "1.1.0",
          hash: "b",
          registeredAt: 2,
        });
        await tables.registerFlowVersion({
          project: "demo",
          flow: "etl",
          version: "x",
          hash: "c",
          registeredAt: 3,
        });
        await tables.registerFlowVersion({
          project: "demo",
          flow: "training",
          version: "1.0.0",
          hash: "a",
          registeredAt: 4,
        });
        expect(
          (await tables.listFlowVersions("demo", "training")).map((f) => [
            f.version,
            f.registeredAt,
          ]),
        ).toEqual([
          ["1.0.0", 4],
          ["1.1.0", 2],
        ]);
        expect((await tables.listFlowVersions("demo")).map((f) => f.flow)).toEqual([
          "training",
          "etl",
          "training",
        ]);
        expect(await tables.listFlowVersions("other")).toEqual([]);
      });

      it("keeps a definition's snapshot once given, and lists whether one is kept", async () => {
        const { tables } = await fresh();
        const snapshot = JSON.stringify({
          format: "sluice.snapshot/1",
          pipeline: "training",
          steps: [{ name: "a" }],
        });
        const base = { project: "demo", flow: "training", version: "1.0.0", hash: "h1" };
        await tables.registerFlowVersion({ ...base, registeredAt: 1 });
        expect(await tables.flowSnapshot("demo", "training", "h1")).toBeUndefined();
        expect((await tables.listFlowVersions("demo", "training"))[0]!.hasSnapshot).toBe(false);
        await tables.registerFlowVersion({ ...base, registeredAt: 2, snapshot });
        // A later registration without one (a server start) keeps it.
        await tables.registerFlowVersion({ ...base, registeredAt: 3 });
        expect(await tables.flowSnapshot("demo", "training", "h1")).toEqual(snapshot);
        expect((await tables.listFlowVersions("demo", "training"))[0]).toMatchObject({
          registeredAt: 3,
          hasSnapshot: true,
        });
        expect(await tables.flowSnapshot("demo", "training", "other")).toBeUndefined();
      });
    });

    describe("idempotent triggers", () => {
      it("creates one run per idempotency key and project, and always one without a key", async () => {
        const { runs, tables } = await fresh();
        expect(await tables.createTriggeredRun(queued("r1"), "key-1")).toEqual({
          runId: "r1",
          created: true,
        });
        expect(await tables.createTriggeredRun(queued("r2"), "key-1")).toEqual({
          runId: "r1",
          created: false,
        });
        expect(await tables.createTriggeredRun(queued("r3", "other"), "key-1")).toEqual({
          runId: "r3",
          created: true,
        });
        expect(await tables.createTriggeredRun(queued("r4"))).toEqual({
          runId: "r4",
          created: true,
        });
        expect((await runs.listRuns()).map((r) => r.runId).sort()).toEqual(["r1", "r3", "r4"]);
        expect((await runs.getRun("r1"))!.run.status).toBe("queued");
      });

      it("holds across two connections to one database (two server processes)", async () => {
        const { tables, secondConnection } = await fresh();
        const second = secondConnection();
        const results = await Promise.all([
          tables.createTriggeredRun(queued("x1"), "same"),
          second.createTriggeredRun(queued("x2"), "same"),
        ]);
        // Concurrent: either may win, but both answer with the one run it created.
        expect(results[0]!.runId).toBe(results[1]!.runId);
        expect(["x1", "x2"]).toContain(results[0]!.runId);
        expect(results.filter((r) => r.created)).toHaveLength(1);
      });
    });
  });
}
