import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

function tempDir(prefix: string) {
  return mkdtempSync(join(tmpdir(), prefix));
}

function sluice(home: string, args: string[], env: Record<string, string> = {}) {
  const child = spawnSync(process.execPath, ["bin/sluice.js", ...args], { cwd: root, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", SLUICE_HOME: home, ...env } });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr, json: () => JSON.parse(child.stdout) };
}

/** Starts a run that blocks inside `step`, and kills it with SIGKILL once that step has started. */
async function crashIn(home: string, step: string, sideEffects: string): Promise<void> {
  const child = spawn(process.execPath, ["bin/sluice.js", "run", "test/fixtures/crashable.ts", "--quiet"], {
    cwd: root,
    env: { ...process.env, SLUICE_HOME: home, CRASH_IN: step, SIDE_EFFECTS: sideEffects },
  });
  await new Promise<void>((resolve, reject) => {
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      if (stderr.includes(`${step}: started`)) resolve();
    });
    child.on("exit", () => reject(new Error(`the run ended before ${step} started: ${stderr}`)));
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

describe("the embedded store", () => {
  it("keeps outputs between processes: a second run has nothing to do", () => {
    const home = tempDir("sluice-home-");
    const first = sluice(home, ["run", "test/fixtures/basic.ts", "--json", "--param", "n=4"]);
    expect(first.code).toBe(0);
    const second = sluice(home, ["run", "test/fixtures/basic.ts", "--json", "--param", "n=4"]);
    expect(second.json().summary.ran).toEqual([]);
    expect(second.json().summary.complete).toHaveLength(4);
    expect(second.json().outputs.total).toEqual(first.json().outputs.total);
    const preview = sluice(home, ["preview", "test/fixtures/basic.ts", "--json", "--param", "n=5"]).json();
    expect(Object.fromEntries(preview.steps.map((s: { name: string; reason: string }) => [s.name, s.reason]))).toEqual({
      numbers: "params-changed",
      doubled: "upstream-changed",
      total: "upstream-changed",
      label: "complete",
    });
  });

  it("lists, shows and prints the logs of runs", () => {
    const home = tempDir("sluice-home-");
    const ok = sluice(home, ["run", "test/fixtures/basic.ts", "--json"]).json();
    const failed = sluice(home, ["run", "test/fixtures/failing.ts", "--json"]).json();
    const runs = sluice(home, ["runs", "--json"]).json().runs;
    expect(runs.map((r: { runId: string }) => r.runId)).toEqual([failed.runId, ok.runId]);
    expect(runs[0]).toMatchObject({ pipeline: "failing", status: "failed", running: false });
    expect(sluice(home, ["runs", "--json", "--status", "succeeded"]).json().runs.map((r: { runId: string }) => r.runId)).toEqual([ok.runId]);
    expect(sluice(home, ["runs", "--json", "--pipeline", "basic", "--limit", "1"]).json().runs).toHaveLength(1);
    const shown = sluice(home, ["show", failed.runId, "--json"]).json();
    expect(Object.keys(shown)[0]).toBe("firstFailure");
    expect(shown.firstFailure).toMatchObject({ step: "broken", error: { code: "step-failed", message: "the data file is corrupt" } });
    expect(shown.firstFailure.error.stack).toContain("failing.ts");
    const broken = shown.steps.find((s: { name: string }) => s.name === "broken");
    expect(broken).toMatchObject({ status: "failed", reason: "missing-output", attempts: 1 });
    expect(shown.steps.find((s: { name: string }) => s.name === "independent")).toMatchObject({ status: "succeeded", output: { kind: "json" } });
    const text = sluice(home, ["show", failed.runId]).stdout;
    expect(text.split("\n")[0]).toContain('First failure: step "broken"');
    const logs = sluice(home, ["logs", ok.runId, "--json"]).json().logs;
    expect(logs.map((l: { step: string; message: string }) => [l.step, l.message])).toContainEqual(["doubled", "doubling 5 numbers"]);
    expect(sluice(home, ["logs", ok.runId, "doubled", "--tail", "1"]).stdout).toContain("debug detail");
    expect(sluice(home, ["show", "no-such-run"]).code).toBe(2);
  });

  it("after a kill -9, marks the run crashed and resumes it without redoing finished work", async () => {
    const home = tempDir("sluice-home-");
    const sideEffects = join(tempDir("sluice-fx-"), "effects.txt");
    writeFileSync(sideEffects, "");
    await crashIn(home, "b", sideEffects);
    const [crashed] = sluice(home, ["runs", "--json"]).json().runs;
    expect(crashed).toMatchObject({ status: "failed", reason: "crashed", running: false });
    const shown = sluice(home, ["show", crashed.runId, "--json"]).json();
    const status = Object.fromEntries(shown.steps.map((s: { name: string; status: string }) => [s.name, s.status]));
    expect(status).toEqual({ a: "succeeded", b: "failed", c: "cancelled" });
    expect(shown.steps.find((s: { name: string }) => s.name === "b").error.code).toBe("crashed");
    // The interrupted step's last line was committed before the kill.
    expect(sluice(home, ["logs", crashed.runId, "b"]).stdout).toContain("b: working on it");

    const resumed = sluice(home, ["resume", crashed.runId, "--json"], { SIDE_EFFECTS: sideEffects });
    expect(resumed.code).toBe(0);
    const result = resumed.json();
    expect(result.runId).toBe(crashed.runId);
    expect(result.steps.a).toMatchObject({ status: "succeeded", cached: true, reason: "complete" });
    expect(result.summary.ran).toEqual(["b", "c"]);
    expect(readFileSync(sideEffects, "utf8").trim().split("\n")).toEqual(["a done", "b done", "c done"]);
    const after = sluice(home, ["show", crashed.runId, "--json"]).json();
    expect(after.status).toBe("succeeded");
    expect(after.steps.every((s: { status: string }) => s.status === "succeeded")).toBe(true);
  });

  it("a failed step's error and first stack lines are its last log line", () => {
    const home = tempDir("sluice-home-");
    const failed = sluice(home, ["run", "test/fixtures/failing.ts", "--json"]);
    expect(failed.code).toBe(1);
    const last = sluice(home, ["logs", failed.json().runId, "--tail", "1", "--json"]).json().logs;
    expect(last).toHaveLength(1);
    expect(last[0]).toMatchObject({ step: "broken", level: "error", data: { code: "step-failed" } });
    expect(last[0].message).toMatch(/^failed \[step-failed\]: the data file is corrupt\n\s+at /);
  });

  it("after a kill -9, running the pipeline again reuses every finished step", async () => {
    const home = tempDir("sluice-home-");
    const sideEffects = join(tempDir("sluice-fx-"), "effects.txt");
    writeFileSync(sideEffects, "");
    await crashIn(home, "c", sideEffects);
    const again = sluice(home, ["run", "test/fixtures/crashable.ts", "--json"], { SIDE_EFFECTS: sideEffects }).json();
    expect(again.success).toBe(true);
    expect(again.summary.complete.sort()).toEqual(["a", "b"]);
    expect(again.summary.ran).toEqual(["c"]);
    expect(readFileSync(sideEffects, "utf8").trim().split("\n")).toEqual(["a done", "b done", "c done"]);
    const runs = sluice(home, ["runs", "--json"]).json().runs;
    expect(runs.map((r: { status: string; reason?: string }) => `${r.status}${r.reason ? `/${r.reason}` : ""}`)).toEqual(["succeeded", "failed/crashed"]);
  });
});

describe("two processes on one home", () => {
  it("both complete correctly, and each run's record is whole", async () => {
    const home = tempDir("sluice-home-");
    const start = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const child = spawn(process.execPath, ["bin/sluice.js", ...args], { cwd: root, env: { ...process.env, SLUICE_HOME: home } });
        let stdout = "";
        child.stdout.on("data", (chunk) => (stdout += chunk));
        child.on("close", (code) => resolve({ code, stdout }));
      });
    const [a, b] = await Promise.all([
      start(["run", "test/fixtures/basic.ts", "--json", "--param", "n=30"]),
      start(["run", "test/fixtures/basic.ts", "--json", "--param", "n=40"]),
    ]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    const [ra, rb] = [JSON.parse(a.stdout), JSON.parse(b.stdout)];
    expect(ra.outputs.total).toEqual({ sum: 930 });
    expect(rb.outputs.total).toEqual({ sum: 1640 });
    for (const result of [ra, rb]) {
      const shown = sluice(home, ["show", result.runId, "--json"]).json();
      expect(shown.status).toBe("succeeded");
      expect(shown.steps.map((s: { status: string }) => s.status)).toEqual(["succeeded", "succeeded", "succeeded", "succeeded"]);
    }
    const again = sluice(home, ["run", "test/fixtures/basic.ts", "--json", "--param", "n=40"]).json();
    expect(again.summary.ran).toEqual([]);
  });
});
