// The Executor contract (src/executors/executor.ts) as one suite every executor runs: in-process and
// worker threads; a queue worker adds one line to run it. A body's value or error comes back, a
// timeout ends the attempt with step-timeout, a cancel with its reason, and logs and metrics reach ctx.
import { pathToFileURL } from "node:url";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { AttemptControl, type Executor, type StepContext, type StepLocation } from "sluice";
import cases from "../../../test/fixtures/executor-cases.mjs";

const location: StepLocation = {
  moduleUrl: pathToFileURL(
    fileURLToPath(new URL("../../../test/fixtures/executor-cases.mjs", import.meta.url)),
  ).href,
  pipeline: "executor-cases",
};

interface Recorded {
  logs: Array<{ level: string; message: string; data?: unknown }>;
  metrics: Array<{ name: string; value: number }>;
}

function callOf(
  step: string,
  args: Record<string, unknown>,
  options: { timeoutMs?: number; attempt?: number } = {},
) {
  const control = new AttemptControl();
  const recorded: Recorded = { logs: [], metrics: [] };
  const write = (level: string) => (message: string, data?: unknown) =>
    void recorded.logs.push(data === undefined ? { level, message } : { level, message, data });
  const log = Object.assign(write("info"), {
    debug: write("debug"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
  });
  const ctx: StepContext = {
    runId: "r1",
    step,
    attempt: options.attempt ?? 1,
    signal: control.signal,
    log,
    metric: (name, value) => void recorded.metrics.push({ name, value }),
    files: {},
  };
  const body = cases.graph().byName.get(step)!.def.run;
  return {
    call: { step, body, args, ctx, control, timeoutMs: options.timeoutMs },
    control,
    recorded,
  };
}

/** Runs the call, turning a synchronous throw into a rejection (an executor may do either). */
const outcome = (executor: Executor, call: ReturnType<typeof callOf>["call"]) =>
  (async () => executor.execute(call))();

/** Registers the suite; `make` gets where the cases' module is and returns a fresh executor. */
export function describeExecutorConformance(
  name: string,
  make: (location: StepLocation) => Executor & { close?: () => Promise<void> | void },
): void {
  describe(`executor conformance: ${name}`, () => {
    let current: (Executor & { close?: () => Promise<void> | void }) | undefined;
    const fresh = () => (current = make(location));
    afterEach(async () => {
      await current?.close?.();
      current = undefined;
    });

    it("gives back a synchronous or an asynchronous body's value", async () => {
      const executor = fresh();
      expect(await outcome(executor, callOf("double", { x: 21 }).call)).toBe(42);
      expect(await outcome(executor, callOf("later", { x: 41 }).call)).toBe(42);
    });

    it("gives back what the body threw", async () => {
      await expect(outcome(fresh(), callOf("fails", {}).call)).rejects.toThrow("fails on purpose");
    });

    it("ends an attempt at its timeout with step-timeout, naming the step", async () => {
      const { call } = callOf("hangs", {}, { timeoutMs: 100 });
      await expect(outcome(fresh(), call)).rejects.toMatchObject({
        code: "step-timeout",
        message: expect.stringContaining('step "hangs" timed out after 100 ms'),
      });
    });

    it("ends an attempt that is cancelled with the cancel's reason", async () => {
      const { call, control } = callOf("hangs", {});
      const running = outcome(fresh(), call);
      const reason = new Error("cancelled by the test");
      control.abort(reason);
      await expect(running).rejects.toBe(reason);
    });

    it("hands the body's logs, metrics and attempt number to the step's context", async () => {
      const { call, recorded } = callOf("reports", {}, { attempt: 2 });
      expect(await outcome(fresh(), call)).toBe(2);
      expect(recorded.logs).toEqual([
        { level: "info", message: "hello", data: { a: 1 } },
        { level: "warn", message: "careful" },
      ]);
      expect(recorded.metrics).toEqual([{ name: "score", value: 3 }]);
    });
  });
}
