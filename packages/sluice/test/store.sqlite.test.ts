import { spawn } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { FileArtifactStore, SqliteStore, openHome } from "sluice";
import { describeStoreConformance } from "./store-conformance.js";
import { tempDir } from "../../../test/support/temp-dir.js";

describeStoreConformance("sqlite", () => {
  const store = SqliteStore.open(join(tempDir("sluice-sqlite-"), "sluice.db"));
  return { runs: store, completions: store, catalog: store, close: () => store.close() };
});

/** Opens the store at `path` in a separate process; resolves with its exit code and output. */
function openInChild(path: string): Promise<{ code: number | null; output: string }> {
  const script = `import { SqliteStore } from "sluice/internal"; SqliteStore.open(process.argv[1]).close();`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script, path], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("close", (code) => resolve({ code, output }));
  });
}

describe("SQLite store", () => {
  it("creates a new home once when several processes open it at the same moment (no migration runs twice)", async () => {
    for (let round = 0; round < 5; round++) {
      const path = join(tempDir("sluice-sqlite-"), "sluice.db");
      const results = await Promise.all([1, 2, 3, 4].map(() => openInChild(path)));
      for (const result of results) expect(result, result.output).toMatchObject({ code: 0 });
      const store = SqliteStore.open(path);
      const { LATEST_VERSION } = await import("../src/store/sqlite/migrations.js");
      expect(store.db.pragma("user_version", { simple: true })).toBe(LATEST_VERSION);
      store.close();
    }
  });

  it("keeps steps that have not started in one roster row per run, and garbage collection keeps what rosters name", async () => {
    const store = SqliteStore.open(join(tempDir("sluice-sqlite-"), "sluice.db"));
    await store.createRun({
      runId: "kept",
      pipeline: "p",
      status: "succeeded",
      params: {},
      startedAt: 2,
    });
    await store.createRun({
      runId: "old",
      pipeline: "p",
      status: "succeeded",
      params: {},
      startedAt: 1,
    });
    await store.putArtifact({ hash: "named", kind: "json", size: 1, inline: "1" });
    await store.putArtifact({ hash: "orphan", kind: "json", size: 1, inline: "2" });
    const base = { identity: "i", reason: "complete" as const, attempts: 0 };
    await store.putSteps([
      {
        ...base,
        runId: "kept",
        step: "done",
        status: "succeeded",
        cached: true,
        output: { hash: "named", kind: "json", size: 1 },
      },
      {
        ...base,
        runId: "kept",
        step: "later",
        status: "pending",
        reason: "missing-output",
        cached: false,
      },
    ]);
    expect(store.db.prepare(`SELECT count(*) FROM step_runs`).pluck().get()).toBe(0);
    expect(store.db.prepare(`SELECT count(*) FROM step_rosters`).pluck().get()).toBe(1);
    expect((await store.getRun("kept"))!.steps.map((s) => s.step)).toEqual(["done", "later"]);
    const result = store.collectGarbage(["old"], false);
    expect(result.artifacts.map((a) => a.hash)).toEqual(["orphan"]);
    expect(store.getArtifact("named")).toBeDefined();
    store.close();
  });

  it("persists across reopening", async () => {
    const path = join(tempDir("sluice-sqlite-"), "sluice.db");
    const first = SqliteStore.open(path);
    await first.createRun({
      runId: "r1",
      pipeline: "p",
      status: "succeeded",
      params: {},
      startedAt: 1,
    });
    first.close();
    const second = SqliteStore.open(path);
    expect((await second.getRun("r1"))!.run.status).toBe("succeeded");
    second.close();
  });

  it("migrates a database made by an older sluice, keeping its data", async () => {
    const path = join(tempDir("sluice-sqlite-"), "sluice.db");
    const { MIGRATIONS, LATEST_VERSION } = await import("../src/store/sqlite/migrations.js");
    const db = new Database(path);
    db.exec(MIGRATIONS[0]!.sql);
    db.pragma("user_version = 1");
    db.prepare(
      `INSERT INTO runs (run_id, pipeline, status, params, started_at) VALUES ('old', 'p', 'succeeded', '{}', 1)`,
    ).run();
    db.close();
    const store = SqliteStore.open(path);
    expect(store.db.pragma("user_version", { simple: true })).toBe(LATEST_VERSION);
    expect((await store.getRun("old"))!.run.status).toBe("succeeded");
    await store.putCompletion({
      cacheKey: "k",
      pipeline: "p",
      step: "s",
      identity: "s@0",
      codeHash: "c",
      paramsHash: "p",
      inputHashes: {},
      fieldHashes: { x: "h" },
      output: { hash: "o", kind: "json", size: 1 },
      runId: "old",
      createdAt: 2,
    });
    expect(store.findCompletion("k")!.fieldHashes).toEqual({ x: "h" });
    store.close();
  });

  it("refuses a database from a newer sluice, naming the file", () => {
    const path = join(tempDir("sluice-sqlite-"), "sluice.db");
    SqliteStore.open(path).close();
    const db = new Database(path);
    db.pragma("user_version = 999");
    db.close();
    expect(() => SqliteStore.open(path)).toThrow(
      expect.objectContaining({ code: "store-too-new", message: expect.stringContaining(path) }),
    );
  });

  it("reports a file that is not a database, naming it and what to do", () => {
    const path = join(tempDir("sluice-sqlite-"), "sluice.db");
    writeFileSync(path, "this is not sqlite ".repeat(200));
    expect(() => SqliteStore.open(path)).toThrow(
      expect.objectContaining({
        code: "store-corrupt",
        message: expect.stringMatching(/Move it aside/),
      }),
    );
    expect(readFileSync(path, "utf8")).toContain("this is not sqlite");
  });

  it("reports an unwritable home with its path", async () => {
    const parent = join(tempDir("sluice-sqlite-"), "file");
    writeFileSync(parent, "x");
    await expect(openHome(join(parent, "home"))).rejects.toMatchObject({
      code: "store-unwritable",
      message: expect.stringContaining(parent),
    });
  });
});

describe("file artifacts", () => {
  it("keeps small JSON inline and large values as verified files; a corrupted file is treated as missing", async () => {
    const dir = tempDir("sluice-sqlite-");
    const index = SqliteStore.open(join(dir, "sluice.db"));
    const artifacts = new FileArtifactStore(join(dir, "artifacts"), index);
    const small = await artifacts.put({ kind: "json", text: '{"a":1}' });
    expect(index.getArtifact(small.hash)!.inline).toBe('{"a":1}');
    const bigText = JSON.stringify({ rows: Array.from({ length: 20_000 }, (_, i) => i) });
    const big = await artifacts.put({ kind: "json", text: bigText });
    expect(index.getArtifact(big.hash)!.inline).toBeUndefined();
    const path = artifacts.pathOf(big.hash);
    expect(readFileSync(path, "utf8")).toBe(bigText);
    expect(readdirSync(join(dir, "artifacts", big.hash.slice(0, 2)))).toEqual([big.hash]);
    expect(artifacts.get(big)).toEqual({ kind: "json", text: bigText });
    const blob = await artifacts.put({ kind: "blob", bytes: Buffer.from([1, 2, 3]) });
    expect([...(artifacts.get(blob) as { bytes: Uint8Array }).bytes]).toEqual([1, 2, 3]);

    writeFileSync(path, bigText.slice(0, 100));
    expect(artifacts.get(big)).toBeUndefined();
    expect(artifacts.has(big)).toBe(false);
    index.close();
  });
});
