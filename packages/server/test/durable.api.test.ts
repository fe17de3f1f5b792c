import { rmSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { openHome, pipeline, step } from "sluice";
import { tempDir } from "../../../test/support/temp-dir.js";

const bigRows = () => Array.from({ length: 20_000 }, (_, i) => ({ i, label: `row ${i}` }));

function build(counter: { produce: number; consume: number }) {
  const produce = step("produce", { run: () => (counter.produce++, bigRows()) });
  const consume = step("consume", {
    inputs: { rows: produce },
    params: {},
    run: ({ rows }) => (counter.consume++, rows.length),
  });
  const report = step("report", {
    inputs: { n: consume },
    cache: false,
    run: ({ n }) => `${n} rows`,
  });
  return pipeline("big", { steps: [report] });
}

describe("durable outputs", () => {
  it("stores a large output as a file and returns an equal value from the cache", async () => {
    const home = tempDir("sluice-api-");
    const counter = { produce: 0, consume: 0 };
    const p = build(counter);
    const first = await p.run({ home });
    expect(first.steps.produce.output!.size).toBeGreaterThan(64 * 1024);
    const again = await p.run({ home, force: ["consume"] });
    expect(again.steps.produce).toMatchObject({ cached: true, reason: "complete" });
    expect(again.outputs.produce).toEqual(first.outputs.produce);
    expect(counter).toEqual({ produce: 1, consume: 2 });
  });

  it("never serves a corrupted output: the run fails naming the step, and the next run recomputes it", async () => {
    const home = tempDir("sluice-api-");
    const counter = { produce: 0, consume: 0 };
    const p = build(counter);
    const first = await p.run({ home });
    const opened = await openHome(home);
    const path = opened.artifacts.pathOf(first.steps.produce.output!.hash);
    writeFileSync(path, '[{"i":0,"label":"torn');
    const broken = await p.run({ home, force: ["consume"] });
    expect(broken.success).toBe(false);
    expect(broken.firstFailure!.error.message).toContain('"produce"');
    expect(broken.firstFailure!.error.message).toContain("corrupted");
    const healed = await p.run({ home, force: ["consume"] });
    expect(healed.success).toBe(true);
    expect(healed.steps.produce).toMatchObject({ cached: false, reason: "missing-output" });
    expect(healed.outputs.consume).toBe(20_000);
    expect(counter.produce).toBe(2);
  });

  it("reruns a producer whose output file disappeared when a consumer needs it", async () => {
    const home = tempDir("sluice-api-");
    const counter = { produce: 0, consume: 0 };
    const p = build(counter);
    const first = await p.run({ home });
    const opened = await openHome(home);
    rmSync(opened.artifacts.pathOf(first.steps.produce.output!.hash));
    const preview = await p.preview({ home, force: ["consume"] });
    expect(preview.steps.find((s) => s.name === "produce")).toMatchObject({
      status: "pending",
      reason: "missing-output",
    });
    const rerun = await p.run({ home, force: ["consume"] });
    expect(rerun.success).toBe(true);
    expect(counter.produce).toBe(2);
  });
});
