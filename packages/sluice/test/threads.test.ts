// isolate: "thread": steps run in worker threads (the module imported again there), their logs and
// metrics come back, a throw fails the step, a timeout terminates the thread; the same pipeline runs
// unchanged in-process; parallelMap.
import { describe, expect, it } from "vitest";
import { parallelMap } from "sluice";
import { sluice, sluiceAsync } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";

/** The fixture's left and right steps wait for each other, in a new folder: both start only if they run at once. */
const meeting = () => ({ SLUICE_TEST_MEET_DIR: tempDir("sluice-meet-") });

/** `sluice run` of the threads fixture on a fresh home. */
function run(args: string[], env: Record<string, string> = {}) {
  const home = tempDir("sluice-threads-");
  const child = sluice(["run", "test/fixtures/threads.ts", "--json", ...args], {
    home,
    env: { ...meeting(), ...env },
  });
  return { code: child.code, result: child.json(), stderr: child.stderr, home };
}

describe("thread-isolated steps", () => {
  it("run off the main thread, in parallel, with their logs and metrics recorded", () => {
    const { code, result, home } = run([]);
    expect(code, JSON.stringify(result.firstFailure)).toBe(0);
    expect(result.outputs.join.sum).toBe(35);
    const [a, b] = result.outputs.join.threads;
    expect(a).not.toBe(0);
    expect(b).not.toBe(0);
    expect(a).not.toBe(b);
    const logs = sluice(["logs", result.runId, "left", "--json"], { home }).json().logs;
    expect(logs.map((l: { message: string }) => l.message)).toEqual([`left on thread ${a}`]);
    const listed = sluice(["runs", "--metrics", "--json"], { home }).json().runs;
    expect(listed[0].metrics.left).toEqual({ spins: 1 });
  });

  it("run unchanged in-process without the flag", () => {
    const { code, result } = run([], { ISOLATE: "0" });
    expect(code).toBe(0);
    expect(result.outputs.join).toEqual({ sum: 35, threads: [0, 0] });
  });

  it("fail the step when the body throws in its thread, and stop a stuck body at its timeout", async () => {
    const failed = run(["-p", "explode=true"]);
    expect(failed.code).toBe(1);
    expect(failed.result.steps.boom.status).toBe("failed");
    expect(failed.result.steps.boom.error.message).toContain("exploded in a thread");
    expect(failed.result.steps.join.status).toBe("succeeded");

    // The body spins for an hour: the command ends on its own (not killed by the guard) only because
    // the thread was terminated at the step's timeout.
    const stuck = await sluiceAsync(
      ["run", "test/fixtures/threads.ts", "--json", "-p", "stuckMs=3600000"],
      { env: meeting(), timeoutMs: 25_000 },
    );
    expect(stuck.signal).toBeNull();
    expect(stuck.code).toBe(1);
    expect(stuck.json().steps.stuck.error).toMatchObject({ code: "step-timeout" });
    expect(stuck.json().steps.stuck.error.message).toContain("its thread was terminated");
  });
});

describe("parallelMap", () => {
  it("calls a module's exported function on every item in worker threads, results in input order", async () => {
    const helper = new URL("../../../test/fixtures/square.mjs", import.meta.url);
    expect(await parallelMap(helper, "square", [1, 2, 3, 4, 5], { workers: 2 })).toEqual([
      1, 4, 9, 16, 25,
    ]);
    await expect(parallelMap(helper, "missing", [1])).rejects.toThrow(
      /no exported function "missing"/,
    );
  });
});

describe("a thread-isolated step whose module is not known", () => {
  it("fails that step with a message saying how to name the module, and the run goes on", async () => {
    const { memoryStores, pipeline, step } = await import("sluice");
    const other = step("other", { run: () => 1 });
    const heavy = step("heavy", { isolate: "thread", run: () => 2 });
    const result = await pipeline("no-module", { steps: [other, heavy] }).run({
      stores: memoryStores(),
    });
    expect(result.steps.other!.status).toBe("succeeded");
    expect(result.steps.heavy!.status).toBe("failed");
    expect(result.steps.heavy!.error!.message).toContain("module: import.meta.url");
  });
});
