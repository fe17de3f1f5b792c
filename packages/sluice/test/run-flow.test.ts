// runFlow steps: the seed's flow of flows (flows A, B, C, D of project "examples", and a parent that runs
// A, then B with a param A made and C side by side, then D), through the CLI on a real home.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { root, sluice, startSluice } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";
import { until } from "../../../test/support/until.js";

const PARENT = "test/fixtures/flow-of-flows/parent.ts";

interface ListedRun {
  runId: string;
  pipeline: string;
  status: string;
  parentRunId?: string;
  trigger?: { kind: string; parentRunId?: string; parentStep?: string };
}

function runsOf(home: string): ListedRun[] {
  const listed = sluice(["runs", "--json"], { home });
  expect(listed.code, listed.stderr).toBe(0);
  return listed.json().runs as ListedRun[];
}

function setup() {
  const home = tempDir("sluice-flows-");
  const log = join(tempDir("sluice-flows-log-"), "flows.log");
  writeFileSync(log, "");
  return { home, log, lines: () => readFileSync(log, "utf8").trim().split("\n").filter(Boolean) };
}

describe("runFlow", () => {
  it("refuses a runFlow step naming no flow of the workspace before anything runs (exit 2)", () => {
    const { home } = setup();
    const run = sluice(["run", "test/fixtures/flow-of-flows/unknown-child.ts"], { home });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'step "Nope": runFlow("Nope") names no flow of project "examples"',
    );
    expect(run.stderr).toContain("Its flows: A, B, C, D, parent-flow.");
    expect(runsOf(home)).toEqual([]);
  });

  it("preview names the flow each runFlow step would start", () => {
    const { home } = setup();
    const preview = sluice(["preview", PARENT, "--json"], { home });
    expect(preview.code, preview.stderr).toBe(0);
    expect(
      preview.json().steps.map((s: { name: string; runsFlow?: string }) => [s.name, s.runsFlow]),
    ).toEqual([
      ["A", "A"],
      ["B", "B"],
      ["C", "C"],
      ["D", "D"],
    ]);
    expect(sluice(["preview", PARENT], { home }).stdout).toContain(
      'C (pending: forced; starts a run of flow "C")',
    );
    expect(runsOf(home)).toEqual([]);
  });

  it("runs A, then B (with A's param) and C side by side in 2 run slots, then D, each a child run linked to the parent", () => {
    const { home, log, lines } = setup();
    // B and C each wait for the other to start: the run ends only if they run at once.
    const run = sluice(["run", PARENT, "--json"], {
      home,
      env: { FLOW_LOG: log, RENDEZVOUS: tempDir("sluice-flows-meet-") },
      timeoutMs: 25_000,
    });
    expect(run.code, run.stderr).toBe(0);
    const result = run.json();
    expect(result.outputs.B).toMatchObject({
      status: "succeeded",
      outputs: { "use-key": "some-random-piece-of-data".length },
    });
    const order = lines();
    expect(order[0]).toBe("A");
    expect(order.slice(1, 3).sort()).toEqual(["B key=some-random-piece-of-data", "C"]);
    expect(order[3]).toBe("D");

    const runs = runsOf(home);
    const parent = runs.find((r) => r.pipeline === "parent-flow")!;
    expect(parent.trigger).toEqual({ kind: "manual" });
    const children = runs.filter((r) => r.parentRunId === parent.runId);
    expect(children.map((r) => r.pipeline).sort()).toEqual(["A", "B", "C", "D"]);
    for (const child of children) {
      expect(child.status).toBe("succeeded");
      expect(child.trigger).toEqual({
        kind: "parent",
        parentRunId: parent.runId,
        parentStep: child.pipeline,
      });
    }
    const shown = sluice(["show", parent.runId, "--json"], { home }).json();
    expect(shown.children.map((c: { pipeline: string }) => c.pipeline).sort()).toEqual([
      "A",
      "B",
      "C",
      "D",
    ]);
    expect(sluice(["show", parent.runId], { home }).stdout).toContain("Child runs");
    const tree = sluice(["runs", "--tree", "--json"], { home }).json().runs;
    expect(tree.map((run: ListedRun) => run.pipeline)).toEqual(["parent-flow"]);
    expect(tree[0].children.map((run: ListedRun) => run.pipeline).sort()).toEqual([
      "A",
      "B",
      "C",
      "D",
    ]);
    expect(sluice(["runs", "--tree"], { home }).stdout).toMatch(/└ \S+\s+A\s/);
  });

  it("fails the parent with the child's first failure, and a resume continues that same child run", () => {
    const { home, log } = setup();
    const failed = sluice(["run", PARENT, "--json"], { home, env: { FLOW_LOG: log, FAIL_C: "1" } });
    expect(failed.code).toBe(1);
    const result = failed.json();
    expect(result.firstFailure.step).toBe("C");
    expect(result.firstFailure.error.message).toContain('step "crunch": the warehouse is down');
    expect(result.steps.D.status).toBe("skipped");
    const childC = runsOf(home).find((r) => r.pipeline === "C")!;
    expect(childC.status).toBe("failed");

    const resumed = sluice(["resume", result.runId, "--json"], { home, env: { FLOW_LOG: log } });
    expect(resumed.code, resumed.stderr).toBe(0);
    const runs = runsOf(home);
    const runsOfC = runs.filter((r) => r.pipeline === "C");
    expect(runsOfC.map((r) => [r.runId, r.status])).toEqual([[childC.runId, "succeeded"]]);
    expect(runs.filter((r) => r.pipeline === "A")).toHaveLength(1);
    expect(runs.filter((r) => r.pipeline === "D")).toHaveLength(1);
  });

  it("never starts a second child when the parent is killed between trigger and wait", async () => {
    const { home, log, lines } = setup();
    const gate = join(tempDir("sluice-flows-gate-"), "open");
    const started = startSluice(["run", PARENT, "--quiet"], {
      home,
      env: { FLOW_LOG: log, SLOW_C: gate },
    });
    await started.waitForStderr("C: started");
    // While it waits, the parent's step shows what it waits on: the child run.
    const waiting = await until(
      () => {
        const parentRun = runsOf(home).find((r) => r.pipeline === "parent-flow");
        const cRun = runsOf(home).find((r) => r.pipeline === "C");
        if (!parentRun || !cRun) return undefined;
        const shown = sluice(["show", parentRun.runId, "--json"], { home }).json();
        const step = shown.steps.find((s: { name: string }) => s.name === "C");
        return step?.status === "waiting" ? { step, cRun } : undefined;
      },
      { what: "the parent's step C to show waiting", intervalMs: 100 },
    );
    expect(waiting.step.waitingOn).toBe(`child run ${waiting.cRun.runId}`);
    started.child.kill("SIGKILL");
    await started.result;
    const parent = runsOf(home).find((r) => r.pipeline === "parent-flow")!;
    const childC = runsOf(home).find((r) => r.pipeline === "C")!;

    writeFileSync(gate, "");
    const resumed = sluice(["resume", parent.runId, "--json"], {
      home,
      env: { FLOW_LOG: log, SLOW_C: gate },
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    const runs = runsOf(home);
    for (const flow of ["A", "B", "C", "D"])
      expect(
        runs.filter((r) => r.pipeline === flow),
        flow,
      ).toHaveLength(1);
    expect(runs.find((r) => r.pipeline === "C")).toMatchObject({
      runId: childC.runId,
      status: "succeeded",
    });
    expect(lines().filter((line) => line === "C")).toEqual(["C"]);
  });

  it("examples/flow-of-flows: the weekday schedule fires the parent, whose children run in order", async () => {
    const home = tempDir("sluice-flows-example-");
    const cwd = join(root, "examples/flow-of-flows");
    const fired = sluice(["scheduler", "--once", "--now", "2026-03-09T13:30:00Z"], { home, cwd });
    expect(fired.code, fired.stderr).toBe(0);
    expect(fired.stderr).toContain("2026-03-09T13:30:00.000Z weekday: started");
    const [parent] = sluice(["runs", "--tree", "--json"], { home, cwd }).json().runs;
    expect(parent).toMatchObject({ pipeline: "parent-flow", status: "succeeded" });
    expect(parent.trigger).toEqual({
      kind: "schedule",
      scheduleId: "weekday",
      tickAt: Date.parse("2026-03-09T13:30:00Z"),
    });
    const children = parent.children as ListedRun[];
    expect(children.map((run) => run.pipeline).sort()).toEqual(["A", "B", "C", "D"]);
    const d = children.find((run) => run.pipeline === "D")!;
    const published = sluice(["show", d.runId, "--json"], { home, cwd }).json();
    expect(published.status).toBe("succeeded");
  });

  it("runs in memory too, where the children live in the same process", () => {
    const { log, lines } = setup();
    const run = sluice(["run", PARENT, "--in-memory", "--json"], { env: { FLOW_LOG: log } });
    expect(run.code, run.stderr).toBe(0);
    expect(lines()).toHaveLength(4);
  });
});

describe("runFlow with wait: false", () => {
  it("the parent's caller cancelling (Ctrl-C while the CLI waits for children) cancels the child", async () => {
    const { childRunsEnded, memoryStores, pipeline, runFlow } = await import("sluice/internal");
    const gate = join(tempDir("sluice-flows-gate-"), "never");
    process.env.SLOW_C = gate;
    try {
      const stores = memoryStores();
      const config = join(root, "test/fixtures/flow-of-flows/sluice.config.json");
      const parent = pipeline("fire-and-forget", {
        steps: [runFlow("C", { wait: false, config })],
      });
      const controller = new AbortController();
      const result = await parent.run({ stores, signal: controller.signal });
      expect(result.status).toBe("succeeded");
      const childId = (result.outputs as { C: { runId: string } }).C.runId;
      await until(async () => (await stores.runs.findRun(childId))?.status === "running", {
        what: "the child to run",
      });
      controller.abort();
      await childRunsEnded();
      expect((await stores.runs.findRun(childId))?.status).toBe("cancelled");
    } finally {
      delete process.env.SLOW_C;
    }
  });
});
