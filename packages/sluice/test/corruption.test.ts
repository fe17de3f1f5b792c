// Damaged data is never served: inline outputs are hash-checked like files, a malformed database is
// refused with store-corrupt, a run never reports an output it could not read, a deleted output is
// missing-output for the CLI as for the API, and gc never makes a step of a kept run run again.
import { randomBytes } from "node:crypto";
import { openSync, rmSync, writeSync, closeSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { sluice } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";

function withDb<T>(home: string, fn: (db: Database.Database) => T): T {
  const db = new Database(join(home, "sluice.db"));
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function outputOf(home: string, step: string): { hash: string; kind: string; size: number } {
  return sluice(["run", "test/fixtures/basic.ts", "--json"], { home }).json().steps[step].output;
}

describe("damaged data", () => {
  it("an inline output changed in the database is not served: the run reading it fails naming the step, the next recomputes it", () => {
    const home = tempDir("sluice-corrupt-");
    expect(sluice(["run", "test/fixtures/basic.ts", "--quiet"], { home }).code).toBe(0);
    const { hash } = outputOf(home, "doubled");
    withDb(home, (db) =>
      expect(
        db.prepare(`UPDATE artifacts SET inline = '[2,4,6,8,99]' WHERE hash = ?`).run(hash).changes,
      ).toBe(1),
    );
    const damaged = sluice(["run", "test/fixtures/basic.ts", "--json"], { home });
    expect(damaged.code).toBe(1);
    expect(damaged.json().firstFailure).toMatchObject({
      step: "doubled",
      error: { message: expect.stringContaining("missing or corrupted") },
    });
    expect(damaged.json().outputs.doubled).toBeUndefined();
    const preview = sluice(["preview", "test/fixtures/basic.ts", "--json"], { home }).json();
    expect(preview.steps.find((s: { name: string }) => s.name === "doubled")).toMatchObject({
      status: "pending",
      reason: "missing-output",
    });
    const again = sluice(["run", "test/fixtures/basic.ts", "--json"], { home }).json();
    expect(again.outputs).toMatchObject({ doubled: [2, 4, 6, 8, 10], total: { sum: 30 } });
    expect(again.summary.ran).toEqual(["doubled"]);
    withDb(home, (db) =>
      expect(db.prepare(`SELECT inline FROM artifacts WHERE hash = ?`).get(hash)).toEqual({
        inline: "[2,4,6,8,10]",
      }),
    );
  });

  it("a run whose output file fails its hash check when read reports failure, not the output; the next run recomputes it", () => {
    const home = tempDir("sluice-corrupt-");
    const first = sluice(["run", "test/fixtures/big.mjs", "--json"], { home }).json();
    const { hash } = first.steps.big.output;
    const file = join(home, "artifacts", hash.slice(0, 2), hash);
    const fd = openSync(file, "r+");
    writeSync(fd, Buffer.from("XX"), 0, 2, 100);
    closeSync(fd);
    const damaged = sluice(["run", "test/fixtures/big.mjs", "--json"], { home });
    expect(damaged.code).toBe(1);
    const result = damaged.json();
    expect(result.status).toBe("failed");
    expect(result.outputs.big).toBeUndefined();
    expect(result.firstFailure).toMatchObject({
      step: "big",
      error: { message: expect.stringContaining("missing or corrupted") },
    });
    expect(result.steps.big.output).toBeUndefined();
    const recomputed = sluice(["run", "test/fixtures/big.mjs", "--json"], { home });
    expect(recomputed.code).toBe(0);
    expect(recomputed.json().summary.ran).toEqual(["big"]);
    expect(recomputed.json().outputs.big.$ref.hash).toBe(hash);
  });

  it("a database with a damaged page is refused with store-corrupt by the command that meets it, and by gc", () => {
    const home = tempDir("sluice-corrupt-");
    expect(sluice(["run", "test/fixtures/basic.ts", "--quiet"], { home }).code).toBe(0);
    const runId = sluice(["runs", "--json"], { home }).json().runs[0].runId;
    const { page, pageSize } = withDb(home, (db) => {
      db.pragma("wal_checkpoint(TRUNCATE)");
      return {
        page: (
          db.prepare(`SELECT rootpage FROM sqlite_master WHERE name = 'logs'`).get() as {
            rootpage: number;
          }
        ).rootpage,
        pageSize: db.pragma("page_size", { simple: true }) as number,
      };
    });
    const fd = openSync(join(home, "sluice.db"), "r+");
    writeSync(fd, randomBytes(pageSize), 0, pageSize, (page - 1) * pageSize);
    closeSync(fd);
    const logs = sluice(["logs", runId, "--json"], { home });
    expect(logs.code).not.toBe(0);
    expect(logs.json().error).toMatchObject({
      code: "store-corrupt",
      message: expect.stringContaining("is damaged"),
    });
    const gc = sluice(["gc", "--keep-last", "1", "--json"], { home });
    expect(gc.code).not.toBe(0);
    expect(gc.json().error.code).toBe("store-corrupt");
  });

  it("a deleted output file is missing-output for preview and run alike, and the run recomputes it", () => {
    const home = tempDir("sluice-corrupt-");
    const { hash } = sluice(["run", "test/fixtures/big.mjs", "--json"], { home }).json().steps.big
      .output;
    rmSync(join(home, "artifacts", hash.slice(0, 2), hash));
    expect(
      sluice(["preview", "test/fixtures/big.mjs", "--json"], { home }).json().steps[0],
    ).toMatchObject({ name: "big", status: "pending", reason: "missing-output" });
    const quiet = sluice(["run", "test/fixtures/big.mjs", "--json"], { home }).json();
    expect(quiet.steps.big).toMatchObject({
      status: "succeeded",
      cached: false,
      reason: "missing-output",
    });
    expect(readFileSync(join(home, "artifacts", hash.slice(0, 2), hash)).length).toBeGreaterThan(
      64 * 1024,
    );
  });

  it("gc --keep-last 1 never makes a step of a kept run run again, though its params came back", () => {
    const home = tempDir("sluice-corrupt-");
    expect(
      sluice(["run", "test/fixtures/basic.ts", "--quiet", "--param", "n=3"], { home }).code,
    ).toBe(0);
    expect(
      sluice(["run", "test/fixtures/basic.ts", "--quiet", "--param", "n=4"], { home }).code,
    ).toBe(0);
    expect(
      sluice(["run", "test/fixtures/basic.ts", "--quiet", "--param", "n=3"], { home }).code,
    ).toBe(0);
    expect(sluice(["gc", "--keep-last", "1", "--json"], { home }).json().runs).toBe(2);
    const again = sluice(["run", "test/fixtures/basic.ts", "--json", "--param", "n=3"], {
      home,
    }).json();
    expect(again.summary.ran).toEqual([]);
    expect(again.outputs.total).toEqual({ sum: 12 });
  });
});
