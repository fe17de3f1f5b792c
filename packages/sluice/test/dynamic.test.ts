// Dynamic fan-out: a step returns steps built at run time (one per learning rate); they run inside
// the run as sweep/child, are recorded, cached with their parent, and shown by preview.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryStores, pipeline, step, type AnyStep } from "sluice";

function build(failRate?: number) {
  const calls: string[] = [];
  const config = step("config", {
    params: { rates: z.array(z.number()).default([0.1, 0.01]) },
    run: ({ params }) => ({ rates: params.rates }),
  });
  const sweep = step("sweep", {
    inputs: { config },
    dynamic: true,
    run: ({ config }) => {
      const trains = config.rates.map((lr) =>
        step(`train_${lr}`, {
          run: () => {
            calls.push(`train ${lr}`);
            if (lr === failRate) throw new Error(`lr ${lr} diverged`);
            return { lr, loss: lr * 10 };
          },
        }),
      );
      const best = step("best", {
        inputs: Object.fromEntries(trains.map((t) => [t.name, t])),
        run: (results: Record<string, { lr: number; loss: number } | Record<string, unknown>>) => {
          calls.push("best");
          const runs = Object.values(results).filter(
            (r): r is { lr: number; loss: number } =>
              typeof (r as { lr?: unknown }).lr === "number",
          );
          return runs.sort((a, b) => a.loss - b.loss)[0]!.lr;
        },
      });
      return [best] as AnyStep[];
    },
  });
  const report = step("report", {
    inputs: { sweep },
    run: ({ sweep }) => (sweep as { outputs: { best: number } }).outputs.best,
  });
  return { calls, p: pipeline("dynamic", { steps: [report] }) };
}

describe("dynamic fan-out", () => {
  it("runs the steps a step returns inside the run, records them, and gives their outputs by name", async () => {
    const { calls, p } = build();
    const stores = memoryStores();
    const result = await p.run({ stores });
    expect(result.success, JSON.stringify(result.firstFailure)).toBe(true);
    expect(result.outputs.report).toBe(0.01);
    expect(result.outputs.sweep).toMatchObject({
      expanded: ["train_0.1", "train_0.01", "best"],
      outputs: { "train_0.1": { lr: 0.1, loss: 1 }, best: 0.01 },
    });
    expect(calls.sort()).toEqual(["best", "train 0.01", "train 0.1"]);
    const { steps } = (await stores.runs.getRun(result.runId))!;
    expect(
      steps
        .filter((s) => s.step.startsWith("sweep/"))
        .map((s) => [s.step, s.status])
        .sort(),
    ).toEqual([
      ["sweep/best", "succeeded"],
      ["sweep/train_0.01", "succeeded"],
      ["sweep/train_0.1", "succeeded"],
    ]);
  });

  it("is cached on rerun; a forced rerun of the parent reuses its finished children", async () => {
    const { calls, p } = build();
    const stores = memoryStores();
    await p.run({ stores });
    const again = await p.run({ stores });
    expect(again.steps.sweep).toMatchObject({ status: "succeeded", cached: true });
    expect(calls).toHaveLength(3);
    const forced = await p.run({ stores, force: ["sweep"] });
    expect(forced.steps.sweep).toMatchObject({ status: "succeeded", cached: false });
    expect(calls).toHaveLength(3);
    const { steps } = (await stores.runs.getRun(forced.runId))!;
    expect(steps.filter((s) => s.step.startsWith("sweep/")).every((s) => s.cached)).toBe(true);
    // Another config is another expansion.
    await p.run({ stores, params: { rates: [0.5] } });
    expect(calls.slice(3).sort()).toEqual(["best", "train 0.5"]);
  });

  it("shows the expansion as dynamic in preview until the parent has run, then the steps it expanded to", async () => {
    const { p } = build();
    const stores = memoryStores();
    const before = (await p.preview({ stores })).toJSON().steps;
    expect(before.find((s) => s.name === "sweep/*")).toMatchObject({
      status: "dynamic",
      deps: ["sweep"],
    });
    expect((await p.preview({ stores })).toTree()).toContain(
      'sweep/* (dynamic: known when "sweep" has run)',
    );
    await p.run({ stores });
    const after = (await p.preview({ stores })).toJSON().steps.map((s) => [s.name, s.status]);
    expect(after).toEqual(
      expect.arrayContaining([
        ["sweep/train_0.1", "complete"],
        ["sweep/best", "complete"],
      ]),
    );
    expect(after.some(([name]) => name === "sweep/*")).toBe(false);
  });

  it("fails the parent naming the child that failed, and skips what depends on it", async () => {
    const { p } = build(0.1);
    const stores = memoryStores();
    const result = await p.run({ stores });
    expect(result.steps.sweep!.status).toBe("failed");
    expect(result.steps.sweep!.error!.message).toContain('first "train_0.1": lr 0.1 diverged');
    expect(result.steps.report).toMatchObject({ status: "skipped", reason: "upstream-failed" });
    const { steps } = (await stores.runs.getRun(result.runId))!;
    expect(steps.find((s) => s.step === "sweep/best")).toMatchObject({
      status: "skipped",
      reason: "upstream-failed",
    });
  });

  it("refuses a body that does not return steps", async () => {
    const bad = pipeline("bad", { steps: [step("d", { dynamic: true, run: () => 42 })] });
    const result = await bad.run({ stores: memoryStores() });
    expect(result.steps.d!.error!.message).toContain(
      'dynamic step "d" must return the steps to run',
    );
  });

  it("files a child's log lines under the child's name; the parent's logs include its children's", async () => {
    const sweep = step("sweep", {
      dynamic: true,
      run: (_args, ctx) => {
        ctx.log("expanding");
        return [0.1, 0.01].map((lr) =>
          step(`train_${lr}`, { run: (_a, child) => child.log(`training at ${lr}`) }),
        );
      },
    });
    const stores = memoryStores();
    const result = await pipeline("dynamic-logs", { steps: [sweep] }).run({ stores });
    const lines = async (name: string) =>
      (await stores.runs.readLogs(result.runId, { step: name })).map(
        (l) => `${l.step}: ${l.message}`,
      );
    expect(await lines("sweep/train_0.1")).toEqual(["sweep/train_0.1: training at 0.1"]);
    expect((await lines("sweep")).sort()).toEqual([
      "sweep/train_0.01: training at 0.01",
      "sweep/train_0.1: training at 0.1",
      "sweep: expanding",
    ]);
  });
});
