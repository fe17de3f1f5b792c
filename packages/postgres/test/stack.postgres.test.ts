// The same pipeline code on a PostgreSQL stack, through the real CLI and servers: SLUICE_STORE or a
// named stack (--stack), runs cached across processes, two servers on one database sharing keys, runs
// and idempotent triggers, and the errors of a stack that cannot be used.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SluiceClient } from "@sluice/client";
import pg from "pg";
import { sluice, sluiceAsync, root } from "../../../test/support/cli.js";
import { startServer, type RunningServer } from "../../../test/support/sluice-server.js";
import { tempDir } from "../../../test/support/temp-dir.js";
import { until } from "../../../test/support/until.js";
import { PG_URL, dropSchema, freshSchema } from "../../../test/support/postgres.js";

const schemas: string[] = [];
/** A store URL of a fresh schema (dropped after the tests). */
function freshStore(): string {
  const schema = freshSchema();
  schemas.push(schema);
  const url = new URL(PG_URL!);
  url.searchParams.set("schema", schema);
  return url.toString();
}
afterAll(async () => {
  for (const schema of schemas) await dropSchema(schema);
});

describe.runIf(PG_URL)("a PostgreSQL stack", () => {
  it("runs the same pipeline with SLUICE_STORE: cached across processes, inspected by runs, show, logs and head", () => {
    const env = { SLUICE_STORE: freshStore() };
    const first = sluice(["run", "examples/iris/pipeline.ts", "--json"], { env });
    expect(first.code, first.stderr).toBe(0);
    const again = sluice(["run", "examples/iris/pipeline.ts", "--json"], { env }).json();
    expect(again.summary.cached.length).toBeGreaterThanOrEqual(5);
    // Another home folder, same database: the history is the database's, not the folder's.
    const runs = sluice(["runs", "--json"], { env, home: tempDir("sluice-other-home-") }).json()
      .runs;
    expect(runs.map((r: { runId: string }) => r.runId)).toEqual([again.runId, first.json().runId]);
    const shown = sluice(["show", again.runId, "--json"], { env }).json();
    expect(shown.steps.find((s: { name: string }) => s.name === "validate")).toMatchObject({
      status: "succeeded",
      cached: true,
    });
    expect(sluice(["logs", first.json().runId], { env }).stdout).toContain("[validate]");
    expect(sluice(["head", "iris/validate", "-n", "2"], { env }).stdout).toContain("setosa");
    // Garbage collection: the older run goes; the newest outputs stay, so nothing reruns.
    const gc = sluice(["gc", "--keep-last", "1", "--json"], { env });
    expect(gc.code, gc.stderr).toBe(0);
    expect(gc.json()).toMatchObject({ runs: 1, dryRun: false });
    expect(sluice(["runs", "--json"], { env }).json().runs).toHaveLength(1);
    const third = sluice(["run", "examples/iris/pipeline.ts", "--json"], { env }).json();
    expect(third.summary.cached.length + third.summary.complete.length).toBeGreaterThanOrEqual(5);
  });

  it("takes a named stack from the workspace config with --stack, and names the stacks it knows when one is missing", () => {
    const dir = join(root, "test/fixtures", `.tmp-stack-${process.pid}-${Date.now()}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "sluice.config.json"),
      JSON.stringify({
        project: "demo",
        pipelines: ["../../../examples/iris/pipeline.ts"],
        stacks: { prod: { store: freshStore() }, local: { store: "./.sluice-local" } },
      }),
    );
    const ran = sluice(["run", "../../../examples/iris/pipeline.ts", "--stack", "prod"], {
      cwd: dir,
      env: { SLUICE_HOME: undefined },
    });
    expect(ran.code, ran.stderr).toBe(0);
    const listed = sluice(["--stack", "prod", "runs", "--json"], {
      cwd: dir,
      env: { SLUICE_HOME: undefined },
    }).json().runs;
    expect(listed).toHaveLength(1);
    // The local stack is another store: nothing ran there.
    expect(
      sluice(["runs", "--json", "--stack", "local"], {
        cwd: dir,
        env: { SLUICE_HOME: undefined },
      }).json().runs,
    ).toEqual([]);
    const missing = sluice(["runs", "--stack", "staging"], {
      cwd: dir,
      env: { SLUICE_HOME: undefined },
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('No stack "staging"');
    expect(missing.stderr).toContain("Its stacks: prod, local");
  });

  it("plans an output gone from the database as missing (every output's presence asked in one query)", async () => {
    const env = { SLUICE_STORE: freshStore() };
    const ran = sluice(["run", "test/fixtures/basic.ts", "--json"], { env }).json();
    const numbers = sluice(["show", ran.runId, "--json"], { env })
      .json()
      .steps.find((step: { name: string }) => step.name === "numbers");
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    const schema = new URL(env.SLUICE_STORE).searchParams.get("schema");
    await client.query(`DELETE FROM ${schema}.artifacts WHERE hash = $1`, [numbers.output.hash]);
    await client.end();
    const preview = sluice(["preview", "test/fixtures/basic.ts", "--json"], { env }).json();
    const planned = (name: string) =>
      preview.steps.find((step: { name: string }) => step.name === name);
    expect(planned("numbers")).toMatchObject({ status: "pending", reason: "missing-output" });
    expect(planned("label")).toMatchObject({ status: "complete" });
  });

  it("moves a home's history and API keys to PostgreSQL with export and import; the cache comes along", async () => {
    const home = tempDir("sluice-local-");
    const local = sluice(["run", "examples/iris/pipeline.ts", "--json"], { home }).json();
    const made = await sluiceAsync(["keys", "create", "--project", "demo", "--json"], {
      cwd: join(root, "test/fixtures/workspace"),
      home,
    });
    expect(made.code, made.stderr).toBe(0);
    const file = join(tempDir("sluice-export-"), "history.jsonl");
    expect(sluice(["export", file], { home }).code).toBe(0);

    const env = { SLUICE_STORE: freshStore() };
    const imported = sluice(["import", file, "--json"], { env });
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.json()).toMatchObject({ runs: 1, completions: 6, keys: 1 });
    expect(sluice(["runs", "--json"], { env }).json().runs[0].runId).toBe(local.runId);
    const keys = await sluiceAsync(["keys", "list", "--json"], {
      cwd: join(root, "test/fixtures/workspace"),
      env,
    });
    expect(JSON.stringify(keys.json())).toContain(made.json().keyId);
    const next = sluice(["run", "examples/iris/pipeline.ts", "--json"], { env }).json();
    expect(next.summary.cached).toEqual(expect.arrayContaining(["validate", "train", "report"]));
  });

  it("says, exit 3, that the database is unreachable, naming host and port, without a stack trace", () => {
    const url = new URL(PG_URL!);
    url.port = "1";
    const result = sluice(["runs"], { env: { SLUICE_STORE: url.toString() } });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`Cannot reach PostgreSQL at ${url.hostname}:1`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr).not.toContain(url.password);
  });

  describe("two servers on one database", () => {
    const servers: RunningServer[] = [];
    afterAll(async () => {
      for (const server of servers) await server.stop();
    });

    it("share API keys, runs and idempotent triggers", async () => {
      const env = { SLUICE_STORE: freshStore() };
      const made = await sluiceAsync(["keys", "create", "--project", "demo", "--json"], {
        cwd: join(root, "test/fixtures/workspace"),
        env,
      });
      expect(made.code, made.stderr).toBe(0);
      const key = made.json().key as string;
      for (let i = 0; i < 2; i++)
        servers.push(await startServer(tempDir("sluice-pg-server-"), [], env));
      const [a, b] = servers.map((server) =>
        new SluiceClient({ baseUrl: server.url, apiKey: key }).project("demo"),
      );
      // A key made once works on both; a run triggered on one is seen, and waited for, on the other.
      const started = await a!.flow("training").trigger({
        params: { rows: 3 },
        idempotencyKey: "nightly-2026-12-04",
      });
      const again = await b!.flow("training").trigger({
        params: { rows: 3 },
        idempotencyKey: "nightly-2026-12-04",
      });
      expect(again).toMatchObject({ runId: started.runId, created: false });
      const finished = await b!.runs.wait(started.runId);
      expect(finished.status).toBe("succeeded");
      expect((await a!.runs.get(started.runId)).steps.map((s) => s.status)).toEqual([
        "succeeded",
        "succeeded",
      ]);
      // Both servers registered the workspace's flows in the one database.
      expect((await b!.flow("training").get()).versions).toHaveLength(1);
      // A key revoked elsewhere (another process) is refused by both servers, each of which had
      // just accepted it (and keeps keys it looked up until the database says one changed).
      await a!.runs.list();
      await b!.runs.list();
      const revoked = await sluiceAsync(["keys", "revoke", made.json().keyId], {
        cwd: join(root, "test/fixtures/workspace"),
        env,
      });
      expect(revoked.code, revoked.stderr).toBe(0);
      for (const project of [a!, b!])
        await until(
          () =>
            project.runs.list().then(
              () => false,
              (error: { status?: number }) => error.status === 401,
            ),
          { what: "the revoked key refused by each server" },
        );
    });
  });
});
