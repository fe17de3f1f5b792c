// One owner per run: host + pid + process start time, claimed atomically. Concurrent resumes run a
// step once; a live owner is never declared crashed (even with a stale heartbeat); readers never
// write; a superseded owner's late writes are refused.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { ownerAlive, ownerFields } from "../src/engine/index.js";
import { memoryStores, pipeline, step, type RunRecord } from "../src/index.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

function sluiceAsync(home: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["bin/sluice.js", ...args], { cwd: root, env: { ...process.env, NO_COLOR: "1", SLUICE_HOME: home, ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

function sluice(home: string, args: string[], env: Record<string, string> = {}) {
  const child = spawnSync(process.execPath, ["bin/sluice.js", ...args], { cwd: root, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", SLUICE_HOME: home, ...env } });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}

/** Starts a run that blocks inside step `b`; resolves once b has started, with the child still running. */
async function runBlockedInB(home: string, sideEffects: string) {
  const child = spawn(process.execPath, ["bin/sluice.js", "run", "test/fixtures/crashable.ts", "--quiet"], { cwd: root, env: { ...process.env, SLUICE_HOME: home, CRASH_IN: "b", SIDE_EFFECTS: sideEffects } });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      if (stderr.includes("b: started")) resolve();
    });
    child.on("exit", () => reject(new Error(`the run ended before b started: ${stderr}`)));
  });
  return { child, exited };
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
    const row = db.prepare(`SELECT run_id AS runId, status, reason, owner_pid, claim FROM runs`).get() as RunRecord & { owner_pid: number };
    return row;
  } finally {
    db.close();
  }
}

describe("run ownership", () => {
  it("of concurrent `sluice resume`s of a crashed run, exactly one runs it; the others run no step and say why", async () => {
    const { home, sideEffects, runId } = await crashedInB();
    const results = await Promise.all(Array.from({ length: 4 }, () => sluiceAsync(home, ["resume", runId, "--quiet"], { SIDE_EFFECTS: sideEffects })));
    expect(results.filter((r) => r.code === 0)).toHaveLength(1);
    for (const loser of results.filter((r) => r.code !== 0)) expect(loser.stderr).toMatch(/is being run by process \d+@|already succeeded \(run by process \d+@/);
    expect(readFileSync(sideEffects, "utf8").trim().split("\n")).toEqual(["a done", "b done", "c done"]);
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
      const listed = JSON.parse(sluice(home, ["runs", "--json"]).stdout).runs[0];
      expect(listed).toMatchObject({ runId, status: "running", running: true });
      const refused = sluice(home, ["resume", runId], { SIDE_EFFECTS: sideEffects });
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
    expect(JSON.parse(sluice(home, ["runs", "--json"]).stdout).runs[0]).toMatchObject({ runId, status: "failed", reason: "crashed", running: false });
    const shown = JSON.parse(sluice(home, ["show", runId, "--json"]).stdout);
    expect(shown.steps.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([["a", "succeeded"], ["b", "failed"], ["c", "cancelled"]]);
    expect(onlyRun(home).status).toBe("running");
    sluice(home, ["gc", "--keep-last", "10"]);
    expect(onlyRun(home)).toMatchObject({ status: "failed", reason: "crashed", claim: null });
  });

  it("a pid reused by another process is not the owner: the start time tells them apart", () => {
    const me = ownerFields();
    const base: RunRecord = { runId: "r", pipeline: "p", status: "running", params: {}, startedAt: Date.now(), heartbeatAt: 0, ...me };
    expect(ownerAlive(base)).toBe(true);
    expect(ownerAlive({ ...base, ownerStartedAt: me.ownerStartedAt - 60_000 })).toBe(false);
    expect(ownerAlive({ ...base, ownerPid: 2 ** 22 + 12345 })).toBe(false);
    // Another host: only the heartbeat lease tells.
    expect(ownerAlive({ ...base, ownerHost: "elsewhere", heartbeatAt: Date.now() })).toBe(true);
    expect(ownerAlive({ ...base, ownerHost: "elsewhere", heartbeatAt: Date.now() - 60_000 })).toBe(false);
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
    expect(await stores.runs.casRun("r-fenced", current.claim, { claim: "new-owner", ownerPid: 1 })).toBe(true);
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
