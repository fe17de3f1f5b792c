// Run metrics: ctx.metric and metrics() outputs are recorded per run and step; cached steps show the
// metrics of the run that computed them; `sluice runs --metrics` and `sluice compare`.
import { describe, expect, it } from "vitest";
import { memoryStores, pipeline, step } from "sluice";
import { metricsOfRuns } from "../src/runtime/views.js";
import { sluice } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";

describe("metrics", () => {
  it("records ctx.metric calls and the numeric fields of metrics() outputs, by run and step", async () => {
    const { default: experiment } = await import("../../../test/fixtures/experiment.js");
    const stores = memoryStores();
    const first = await experiment.run({ stores, params: { lr: 0.1 } });
    expect(first.success).toBe(true);
    const byRun = await metricsOfRuns(stores, [first.runId]);
    expect(byRun.get(first.runId)).toEqual({
      train: { loss: 1, epochs: 4 },
      evaluate: { accuracy: 1, "counts.tp": 3, "counts.fp": 1 },
    });

    // A rerun reuses every step: it shows the metrics of the run that computed them.
    const second = await experiment.run({ stores, params: { lr: 0.1 } });
    expect(Object.values(second.steps).every((s) => s.cached || s.status === "succeeded")).toBe(
      true,
    );
    expect((await metricsOfRuns(stores, [second.runId])).get(second.runId)).toEqual(
      byRun.get(first.runId),
    );
  });

  it("fails the step with a clear error for a bad metric name or a value that is not a finite number", async () => {
    const bad = (name: unknown, value: unknown) =>
      pipeline("bad", {
        steps: [step("s", { run: (_args, ctx) => ctx.metric(name as string, value as number) })],
      });
    const named = await bad("has space", 1).run({ stores: memoryStores() });
    expect(named.steps.s!.error).toMatchObject({ code: "invalid-usage" });
    expect(named.steps.s!.error!.message).toContain('ctx.metric("has space"');
    const nan = await bad("loss", Number.NaN).run({ stores: memoryStores() });
    expect(nan.steps.s!.error!.message).toContain('metric "loss" must be a finite number, got NaN');
  });

  it("sluice runs --metrics tabulates them, and sluice compare shows params, metric deltas and the steps that differed", () => {
    const home = tempDir("sluice-metrics-");
    const a = JSON.parse(
      sluice(["run", "test/fixtures/experiment.ts", "--json", "-p", "lr=0.1"], { home }).stdout,
    ).runId;
    const b = JSON.parse(
      sluice(["run", "test/fixtures/experiment.ts", "--json", "-p", "lr=0.05"], { home }).stdout,
    ).runId;
    const listed = JSON.parse(
      sluice(["runs", "--pipeline", "experiment", "--metrics", "--json"], { home }).stdout,
    ).runs;
    expect(listed.map((r: { runId: string }) => r.runId)).toEqual([b, a]);
    expect(listed[0].metrics.train).toEqual({ loss: 2, epochs: 4 });
    const text = sluice(["runs", "--metrics"], { home }).stdout;
    expect(text.split("\n")[0]).toMatch(
      /^RUN\s+PIPELINE\s+STATUS\s+epochs\s+loss\s+accuracy\s+counts\.fp\s+counts\.tp$/,
    );
    expect(text).toContain(b);

    const diff = JSON.parse(sluice(["compare", a, b, "--json"], { home }).stdout);
    expect(diff.params).toEqual([{ name: "lr", a: 0.1, b: 0.05 }]);
    expect(diff.metrics).toContainEqual({ step: "train", name: "loss", a: 1, b: 2, delta: 1 });
    expect(diff.metrics).toContainEqual({ step: "train", name: "epochs", a: 4, b: 4, delta: 0 });
    expect(diff.steps.map((s: { step: string }) => s.step).sort()).toEqual(["evaluate", "train"]);
    expect(diff.definition.same).toBe(true);
    const printed = sluice(["compare", a, b], { home }).stdout;
    expect(printed).toMatch(/lr\s+0\.1\s+0\.05/);
    expect(printed).toMatch(/train\s+loss\s+1\s+2\s+\+1/);
    expect(sluice(["compare", a, "nope"], { home }).code).toBe(2);
  });
});
