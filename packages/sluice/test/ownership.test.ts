// One owner per run: host + pid + process start time, claimed atomically. Concurrent resumes run a
// step once; a live owner is never declared crashed (even with a stale heartbeat); readers never
// write; a superseded owner's late writes are refused.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { ownerAlive, ownerFields } from "../src/engine/index.js";
import { memoryStores, pipeline, step, type RunRecord } from "../src/index.js";
import { sluice, sluiceAsync, startSluice } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";

/** Starts a run that blocks inside step `b`; resolves once b has started, with the child still running. */
async function runBlockedInB(home: string, sideEffects: string) {
  const run = startSluice(["run", "test/fixtures/crashable.ts", "--quiet"], {
    home,
    env: { CRASH_IN: "b", SIDE_EFFECTS: sideEffects },
  });
  await run.waitForStderr("b: started");
  return { child: run.child, exited: run.result };
}

/** A run killed with SIGKILL while its step b was running (a done, b and c not). */
async function crashedInB() {
  const home = tempDir("sluice-own-");
  const sideEffects = join(tempDir("sluice-own-fx-"), "effects.txt");
  writeFileSync(sideEffects, "");
  const { child, exited } = await runBlockedInB(home, sideEffects);
  child.kill("SIGKILL");
  await exited;
  return { home, sideEffects, runId: onlyRun(home).runId };
}

function onlyRun(home: string): RunRecord & { owner_pid: number } {
  const db = new Database(join(home, "sluice.db"), { readonly: true });
  try {
    const row = db
      .prepare(`SELECT run_id AS runId, status, reason, owner_pid, claim FROM runs`)
      .get() as RunRecord & { owner_pid: number };
    return row;
  } finally {
    db.close();
  }
}

describe("run ownership", () => {
  it("of concurrent `sluice resume`s of a crashed run, exactly one runs it; the others run no step and say why", async () => {
    const { home, sideEffects, runId } = await crashedInB();
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        sluiceAsync(["resume", runId, "--quiet"], { home, env: { SIDE_EFFECTS: sideEffects } }),
      ),
    );
    expect(results.filter((r) => r.code === 0)).toHaveLength(1);
    for (const loser of results.filter((r) => r.code !== 0))
      expect(loser.stderr).toMatch(
        /is being run by process \d+@|already succeeded \(run by process \d+@/,
      );
    expect(readFileSync(sideEffects, "utf8").trim().split("\n")).toEqual([
      "a done",
      "b done",
      "c done",
    ]);
    expect(onlyRun(home).status).toBe("succeeded");
  });

  it("a resume while the owner lives is refused naming pid@host, even when its heartbeat is stale (a step blocking the event loop)", async () => {
    const home = tempDir("sluice-own-live-");
    const sideEffects = join(tempDir("sluice-own-fx-"), "effects.txt");
    writeFileSync(sideEffects, "");
    const { child, exited } = await runBlockedInB(home, sideEffects);
    try {
      const db = new Database(join(home, "sluice.db"));
      db.prepare(`UPDATE runs SET heartbeat_at = 0`).run();
      db.close();
      const { runId } = onlyRun(home);
      const listed = JSON.parse(sluice(["runs", "--json"], { home }).stdout).runs[0];
      expect(listed).toMatchObject({ runId, status: "running", running: true });
      const refused = sluice(["resume", runId], { home, env: { SIDE_EFFECTS: sideEffects } });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(`is being run by process ${child.pid}@`);
      expect(onlyRun(home)).toMatchObject({ status: "running", owner_pid: child.pid });
      expect(readFileSync(sideEffects, "utf8").trim().split("\n")).toEqual(["a done"]);
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
  });

  it("read-only commands show a run whose owner died as failed (crashed) without writing; the next writing command records it", async () => {
    const { home, runId } = await crashedInB();
    expect(JSON.parse(sluice(["runs", "--json"], { home }).stdout).runs[0]).toMatchObject({
      runId,
      status: "failed",
      reason: "crashed",
      running: false,
    });
    const shown = JSON.parse(sluice(["show", runId, "--json"], { home }).stdout);
    expect(shown.steps.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([
      ["a", "succeeded"],
      ["b", "failed"],
      ["c", "cancelled"],
    ]);
    expect(onlyRun(home).status).toBe("running");
    sluice(["gc", "--keep-last", "10"], { home });
    expect(onlyRun(home)).toMatchObject({ status: "failed", reason: "crashed", claim: null });
  });

  it("a pid reused by another process is not the owner: the start time tells them apart", () => {
    const me = ownerFields();
    const base: RunRecord = {
      runId: "r",
      pipeline: "p",
      status: "running",
      params: {},
      startedAt: Date.now(),
      heartbeatAt: 0,
      ...me,
    };
    expect(ownerAlive(base)).toBe(true);
    expect(ownerAlive({ ...base, ownerStartedAt: me.ownerStartedAt - 60_000 })).toBe(false);
    expect(ownerAlive({ ...base, ownerPid: 2 ** 22 + 12345 })).toBe(false);
    // Another host: only the heartbeat lease tells.
    expect(ownerAlive({ ...base, ownerHost: "elsewhere", heartbeatAt: Date.now() })).toBe(true);
    expect(ownerAlive({ ...base, ownerHost: "elsewhere", heartbeatAt: Date.now() - 60_000 })).toBe(
      false,
    );
  });

  it("fencing: a superseded owner's late completion is refused, and its run ends failed without overwriting the new owner's record", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const slow = step("slow", { run: async () => (started(), await gate, 42) });
    const p = pipeline("fenced", { steps: [slow] });
    const stores = memoryStores();
    const pending = p.run({ stores, runId: "r-fenced" });
    await running;
    const current = (await stores.runs.findRun("r-fenced"))!;
    expect(
      await stores.runs.casRun("r-fenced", current.claim, { claim: "new-owner", ownerPid: 1 }),
    ).toBe(true);
    release();
    const result = await pending;
    expect(result.status).toBe("failed");
    expect(result.firstFailure?.error.code).toBe("superseded");
    const after = (await stores.runs.getRun("r-fenced"))!;
    expect(after.run).toMatchObject({ status: "running", claim: "new-owner", ownerPid: 1 });
    expect(after.steps[0]!.status).toBe("running");
    expect(await stores.completions.latestCompletion("fenced", "slow")).toBeUndefined();
  });
});
