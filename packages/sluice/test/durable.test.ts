import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { sluice, sluiceAsync, startSluice } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";
import { until } from "../../../test/support/until.js";

/** The messages of `step` that the store of `home` has committed. */
function committedLogs(home: string, step: string): string[] {
  const db = new Database(join(home, "sluice.db"), { readonly: true });
  try {
    return db.prepare(`SELECT message FROM logs WHERE step = ?`).pluck().all(step) as string[];
  } finally {
    db.close();
  }
}

/**
 * Starts a run that blocks inside `step`, and kills it with SIGKILL once that step has started and its
 * log line was committed (with a group commit, soon after it was logged).
 */
async function crashIn(home: string, step: string, sideEffects: string): Promise<void> {
  const run = startSluice(["run", "test/fixtures/crashable.ts", "--quiet"], {
    home,
    env: { CRASH_IN: step, SIDE_EFFECTS: sideEffects },
  });
  await run.waitForStderr(`${step}: started`);
  await until(() => committedLogs(home, step).includes(`${step}: working on it`), {
    what: `the log line of ${step} to be committed`,
  });
  run.child.kill("SIGKILL");
  await run.result;
}

describe("the embedded store", () => {
  it("keeps outputs between processes: a second run has nothing to do", () => {
    const home = tempDir("sluice-home-");
    const first = sluice(["run", "test/fixtures/basic.ts", "--json", "--param", "n=4"], { home });
    expect(first.code).toBe(0);
    const second = sluice(["run", "test/fixtures/basic.ts", "--json", "--param", "n=4"], { home });
    expect(second.json().summary.ran).toEqual([]);
    expect(second.json().summary.complete).toHaveLength(4);
    expect(second.json().outputs.total).toEqual(first.json().outputs.total);
    const preview = sluice(["preview", "test/fixtures/basic.ts", "--json", "--param", "n=5"], {
      home,
    }).json();
    expect(
      Object.fromEntries(
        preview.steps.map((s: { name: string; reason: string }) => [s.name, s.reason]),
      ),
    ).toEqual({
      numbers: "params-changed",
      doubled: "upstream-changed",
      total: "upstream-changed",
      label: "complete",
    });
  });

  it("lists, shows and prints the logs of runs", () => {
    const home = tempDir("sluice-home-");
    const ok = sluice(["run", "test/fixtures/basic.ts", "--json"], { home }).json();
    const failed = sluice(["run", "test/fixtures/failing.ts", "--json"], { home }).json();
    const runs = sluice(["runs", "--json"], { home }).json().runs;
    expect(runs.map((r: { runId: string }) => r.runId)).toEqual([failed.runId, ok.runId]);
    expect(runs[0]).toMatchObject({ pipeline: "failing", status: "failed", running: false });
    expect(
      sluice(["runs", "--json", "--status", "succeeded"], { home })
        .json()
        .runs.map((r: { runId: string }) => r.runId),
    ).toEqual([ok.runId]);
    expect(
      sluice(["runs", "--json", "--pipeline", "basic", "--limit", "1"], { home }).json().runs,
    ).toHaveLength(1);
    // By how they were started and since when.
    expect(
      sluice(["runs", "--json", "--trigger", "manual", "--since", "1h"], { home }).json().runs,
    ).toHaveLength(2);
    expect(sluice(["runs", "--json", "--trigger", "schedule"], { home }).json().runs).toEqual([]);
    const wrong = sluice(["runs", "--trigger", "cron"], { home });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("--trigger must be one of manual, api, schedule, parent, event");
    const shown = sluice(["show", failed.runId, "--json"], { home }).json();
    expect(Object.keys(shown)[0]).toBe("firstFailure");
    expect(shown.firstFailure).toMatchObject({
      step: "broken",
      error: { code: "step-failed", message: "the data file is corrupt" },
    });
    expect(shown.firstFailure.error.stack).toContain("failing.ts");
    const broken = shown.steps.find((s: { name: string }) => s.name === "broken");
    expect(broken).toMatchObject({ status: "failed", reason: "missing-output", attempts: 1 });
    expect(shown.steps.find((s: { name: string }) => s.name === "independent")).toMatchObject({
      status: "succeeded",
      output: { kind: "json" },
    });
    const text = sluice(["show", failed.runId], { home }).stdout;
    expect(text.split("\n")[0]).toContain('First failure: step "broken"');
    const logs = sluice(["logs", ok.runId, "--json"], { home }).json().logs;
    expect(logs.map((l: { step: string; message: string }) => [l.step, l.message])).toContainEqual([
      "doubled",
      "doubling 5 numbers",
    ]);
    expect(sluice(["logs", ok.runId, "doubled", "--tail", "1"], { home }).stdout).toContain(
      "debug detail",
    );
    expect(sluice(["show", "no-such-run"], { home }).code).toBe(2);
  });

  it("after a kill -9, marks the run crashed and resumes it without redoing finished work", async () => {
    const home = tempDir("sluice-home-");
    const sideEffects = join(tempDir("sluice-fx-"), "effects.txt");
    writeFileSync(sideEffects, "");
    await crashIn(home, "b", sideEffects);
    const [crashed] = sluice(["runs", "--json"], { home }).json().runs;
    expect(crashed).toMatchObject({ status: "failed", reason: "crashed", running: false });
    const shown = sluice(["show", crashed.runId, "--json"], { home }).json();
    const status = Object.fromEntries(
      shown.steps.map((s: { name: string; status: string }) => [s.name, s.status]),
    );
    expect(status).toEqual({ a: "succeeded", b: "failed", c: "cancelled" });
    expect(shown.steps.find((s: { name: string }) => s.name === "b").error.code).toBe("crashed");
    // The interrupted step's last line was committed before the kill.
    expect(sluice(["logs", crashed.runId, "b"], { home }).stdout).toContain("b: working on it");

    const resumed = sluice(["resume", crashed.runId, "--json"], {
      home,
      env: { SIDE_EFFECTS: sideEffects },
    });
    expect(resumed.code).toBe(0);
    const result = resumed.json();
    expect(result.runId).toBe(crashed.runId);
    expect(result.steps.a).toMatchObject({ status: "succeeded", cached: true, reason: "complete" });
    expect(result.summary.ran).toEqual(["b", "c"]);
    expect(readFileSync(sideEffects, "utf8").trim().split("\n")).toEqual([
      "a done",
      "b done",
      "c done",
    ]);
    const after = sluice(["show", crashed.runId, "--json"], { home }).json();
    expect(after.status).toBe("succeeded");
    expect(after.steps.every((s: { status: string }) => s.status === "succeeded")).toBe(true);
  });

  it("a failed step's error and first stack lines are its last log line", () => {
    const home = tempDir("sluice-home-");
    const failed = sluice(["run", "test/fixtures/failing.ts", "--json"], { home });
    expect(failed.code).toBe(1);
    const last = sluice(["logs", failed.json().runId, "--tail", "1", "--json"], { home }).json()
      .logs;
    expect(last).toHaveLength(1);
    expect(last[0]).toMatchObject({
      step: "broken",
      level: "error",
      data: { code: "step-failed" },
    });
    expect(last[0].message).toMatch(/^failed \[step-failed\]: the data file is corrupt\n\s+at /);
  });

  it("after a kill -9, running the pipeline again reuses every finished step", async () => {
    const home = tempDir("sluice-home-");
    const sideEffects = join(tempDir("sluice-fx-"), "effects.txt");
    writeFileSync(sideEffects, "");
    await crashIn(home, "c", sideEffects);
    const again = sluice(["run", "test/fixtures/crashable.ts", "--json"], {
      home,
      env: { SIDE_EFFECTS: sideEffects },
    }).json();
    expect(again.success).toBe(true);
    expect(again.summary.complete.sort()).toEqual(["a", "b"]);
    expect(again.summary.ran).toEqual(["c"]);
    expect(readFileSync(sideEffects, "utf8").trim().split("\n")).toEqual([
      "a done",
      "b done",
      "c done",
    ]);
    const runs = sluice(["runs", "--json"], { home }).json().runs;
    expect(
      runs.map(
        (r: { status: string; reason?: string }) => `${r.status}${r.reason ? `/${r.reason}` : ""}`,
      ),
    ).toEqual(["succeeded", "failed/crashed"]);
  });
});

describe("two processes on one home", () => {
  it("both complete correctly, and each run's record is whole", async () => {
    const home = tempDir("sluice-home-");
    const [a, b] = await Promise.all([
      sluiceAsync(["run", "test/fixtures/basic.ts", "--json", "--param", "n=30"], { home }),
      sluiceAsync(["run", "test/fixtures/basic.ts", "--json", "--param", "n=40"], { home }),
    ]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    const [ra, rb] = [JSON.parse(a.stdout), JSON.parse(b.stdout)];
    expect(ra.outputs.total).toEqual({ sum: 930 });
    expect(rb.outputs.total).toEqual({ sum: 1640 });
    for (const result of [ra, rb]) {
      const shown = sluice(["show", result.runId, "--json"], { home }).json();
      expect(shown.status).toBe("succeeded");
      expect(shown.steps.map((s: { status: string }) => s.status)).toEqual([
        "succeeded",
        "succeeded",
        "succeeded",
        "succeeded",
      ]);
    }
    const again = sluice(["run", "test/fixtures/basic.ts", "--json", "--param", "n=40"], {
      home,
    }).json();
    expect(again.summary.ran).toEqual([]);
  });
});
