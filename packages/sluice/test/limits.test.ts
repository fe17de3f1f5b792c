// Concurrency limits: steps sharing a limit key, a flow's maxConcurrentRuns, a parent that gives its run
// slot up while it waits on a child, and a slot held by a process killed with kill -9.
import { describe, expect, it } from "vitest";
import { memoryStores, pipeline, SluiceError, step, type SluiceEvent, type Stores } from "sluice";
import { openHome } from "sluice/internal";
import { sluice, startSluice } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";
import { until } from "../../../test/support/until.js";

/** A body that waits until `gate` opens, counting how many such bodies run at once. */
function gated() {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const state = { running: 0, most: 0, started: [] as string[] };
  const body = (name: string) => async () => {
    state.started.push(name);
    state.running++;
    state.most = Math.max(state.most, state.running);
    await gate;
    state.running--;
    return name;
  };
  return { state, open: () => open(), body };
}

describe("concurrency limits", () => {
  it("runs at most `limit` steps of a key at once across runs, the others waiting in order", async () => {
    const stores = memoryStores();
    const { state, open, body } = gated();
    const gpu = { key: "gpu", limit: 2 };
    const make = (flow: string) =>
      pipeline(flow, {
        steps: ["a", "b"].map((name) =>
          step(`${flow}-${name}`, { concurrency: gpu, cache: false, run: body(`${flow}-${name}`) }),
        ),
      });
    const events: SluiceEvent[] = [];
    const one = make("one").run({ stores, onEvent: (e) => events.push(e) });
    const two = make("two").run({ stores, onEvent: (e) => events.push(e) });
    await until(() => state.running === 2 && events.some((e) => e.type === "step:waiting"), {
      what: "two steps running and the others waiting",
    });
    const waiting = events.filter((e) => e.type === "step:waiting");
    expect(waiting.map((e) => e.type === "step:waiting" && e.waitingOn)).toContain("limit gpu 2/2");
    const waitingRun = waiting[0]!.runId;
    const waitingStep = (waiting[0] as { step: string }).step;
    const recorded = await stores.runs.getRun(waitingRun);
    expect(recorded?.steps.find((s) => s.step === waitingStep)).toMatchObject({
      status: "waiting",
      waitingOn: "limit gpu 2/2",
    });
    open();
    const results = await Promise.all([one, two]);
    expect(results.map((r) => r.status)).toEqual(["succeeded", "succeeded"]);
    expect(state.most).toBe(2);
    expect(state.started).toHaveLength(4);
    expect(await stores.limits!.limitLeases()).toEqual([]);
  });

  it("queues a run of a flow over its maxConcurrentRuns, shown queued with what it waits on", async () => {
    const home = await openHome(tempDir("sluice-limits-home-"));
    const stores: Stores = home.stores;
    const { state, open, body } = gated();
    const train = pipeline("train", {
      maxConcurrentRuns: 1,
      steps: [step("fit", { cache: false, run: body("fit") })],
    });
    const first = train.run({ stores, runId: "run-first" });
    await until(() => state.running === 1, { what: "the first run's step to start" });
    const events: SluiceEvent[] = [];
    const second = train.run({ stores, runId: "run-second", onEvent: (e) => events.push(e) });
    const queued = await until(
      async () => {
        const run = await stores.runs.findRun("run-second");
        return run?.status === "queued" ? run : undefined;
      },
      { what: "the second run to be recorded queued" },
    );
    expect(queued.waitingOn).toBe('limit runs of flow "train" 1/1');
    expect(events.map((e) => e.type)).toEqual(["run:waiting"]);
    expect(state.started).toEqual(["fit"]);
    open();
    expect((await first).status).toBe("succeeded");
    expect((await second).status).toBe("succeeded");
    const after = await stores.runs.findRun("run-second");
    expect(after?.waitingOn).toBeUndefined();
    expect(state.most).toBe(1);
    home.close();
  });

  it("ends a queued run cancelled when it is cancelled while waiting, its steps never started", async () => {
    const stores = memoryStores();
    const { state, open, body } = gated();
    const train = pipeline("train", {
      maxConcurrentRuns: 1,
      steps: [step("fit", { cache: false, run: body("fit") })],
    });
    const first = train.run({ stores });
    await until(() => state.running === 1, { what: "the first run's step to start" });
    const controller = new AbortController();
    const events: SluiceEvent[] = [];
    const second = train.run({
      stores,
      signal: controller.signal,
      onEvent: (e) => events.push(e),
    });
    await until(() => events.some((e) => e.type === "run:waiting"), { what: "the run to wait" });
    controller.abort();
    const cancelled = await second;
    expect(cancelled.status).toBe("cancelled");
    expect(state.started).toEqual(["fit"]);
    open();
    expect((await first).status).toBe("succeeded");
  });

  it("refuses a limit below 1 or a bad key, naming the field", () => {
    const bad = (concurrency: unknown) => {
      try {
        step("s", { concurrency: concurrency as never, run: () => 1 });
      } catch (error) {
        return error as SluiceError;
      }
      throw new Error("accepted");
    };
    expect(bad({ key: "gpu", limit: 0 }).message).toContain(
      'step "s": concurrency.limit must be a whole number of at least 1, got 0',
    );
    expect(bad({ key: "", limit: 1 }).message).toContain('step "s": concurrency.key');
    expect(() =>
      pipeline("p", { maxConcurrentRuns: -1, steps: [step("s", { run: () => 1 })] }),
    ).toThrow(/pipeline "p": maxConcurrentRuns must be a whole number of at least 1, got -1/);
  });

  it("frees the slot of a process killed with kill -9, so a waiting run in another process goes on", async () => {
    const home = tempDir("sluice-limits-kill-");
    const holder = startSluice(["run", "test/fixtures/limited.ts"], {
      home,
      env: { HOLD: "forever" },
    });
    await holder.waitForStderr("train: holding");
    const waiter = startSluice(["run", "test/fixtures/limited.ts", "--json"], {
      home,
      timeoutMs: 25_000,
    });
    const waitingRun = await until(
      () => {
        const runs = sluice(["runs", "--json"], { home }).json().runs as Array<{
          runId: string;
          status: string;
        }>;
        const mine = runs.filter((r) => r.status === "running");
        if (mine.length < 2) return undefined;
        for (const run of mine) {
          const shown = sluice(["show", run.runId, "--json"], { home }).json();
          const train = shown.steps.find((s: { name: string }) => s.name === "train");
          if (train?.status === "waiting") return { run: run.runId, train };
        }
        return undefined;
      },
      { what: "the second run's step to wait for the gpu limit", intervalMs: 100 },
    );
    expect(waitingRun.train.waitingOn).toBe("limit gpu 1/1");
    holder.child.kill("SIGKILL");
    await holder.result;
    const done = await waiter.result;
    expect(done.code, done.stderr).toBe(0);
    expect(done.json().runId).toBe(waitingRun.run);
    expect(done.stderr).toContain("train: holding");
  });
});

describe("a parent waiting on a child", () => {
  it("gives its run slot up, so under a cap of 1 running run nested children run and all end", () => {
    const home = tempDir("sluice-limits-nested-");
    const config = "test/fixtures/capped-flows/sluice.config.json";
    // A deadlock would hang: the process is stopped after 25 s and the test fails.
    const run = sluice(["trigger", "top", "--config", config, "--json"], {
      home,
      timeoutMs: 25_000,
    });
    expect(run.code, run.stderr).toBe(0);
    const runs = sluice(["runs", "--json"], { home }).json().runs as Array<{
      pipeline: string;
      status: string;
      parentRunId?: string;
    }>;
    expect(runs.map((r) => `${r.pipeline} ${r.status}`).sort()).toEqual([
      "leaf succeeded",
      "leaf succeeded",
      "middle succeeded",
      "top succeeded",
    ]);
    expect(runs.filter((r) => r.parentRunId !== undefined)).toHaveLength(3);
  });
});
