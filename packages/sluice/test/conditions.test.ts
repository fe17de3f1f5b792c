// Conditional branches: a step skipped by `when` skips its consumers, unless they read it through
// optional(); failures still skip; caching with an absent input; preview names the conditions.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryStores, optional, pipeline, step } from "sluice";

function build() {
  const calls: string[] = [];
  const base = step("base", { run: () => [1, 2, 3] });
  const enrich = step("enrich", {
    inputs: { base },
    params: { enrich: z.boolean().default(false), explode: z.boolean().default(false) },
    when: ({ params }) => params.enrich,
    run: ({ base, params }) => {
      calls.push("enrich");
      if (params.explode) throw new Error("enrichment failed");
      return base.map((x) => x * 10);
    },
  });
  const strict = step("strict", { inputs: { enrich }, run: ({ enrich }) => enrich.length });
  const merged = step("merged", {
    inputs: { base, extra: optional(enrich) },
    run: ({ base, extra }) => {
      calls.push(`merged:${extra === undefined ? "none" : extra.join(",")}`);
      return extra === undefined ? base : [...base, ...extra];
    },
  });
  const report = step("report", { inputs: { merged }, run: ({ merged }) => merged.length });
  return { calls, p: pipeline("conditions", { steps: [strict, report] }) };
}

describe("conditional branches", () => {
  it("skips the consumers of a skipped step, but runs one that reads it through optional() with undefined", async () => {
    const { calls, p } = build();
    const result = await p.run({ stores: memoryStores() });
    expect(result.steps.enrich).toMatchObject({ status: "skipped", reason: "condition-false" });
    expect(result.steps.strict).toMatchObject({ status: "skipped", reason: "condition-false" });
    expect(result.steps.merged!.status).toBe("succeeded");
    expect(result.outputs.report).toBe(3);
    expect(calls).toEqual(["merged:none"]);
  });

  it("passes the value when the condition holds, and a failure still skips optional consumers", async () => {
    const { calls, p } = build();
    const ran = await p.run({ stores: memoryStores(), params: { enrich: true } });
    expect(ran.outputs.report).toBe(6);
    expect(calls).toEqual(["enrich", "merged:10,20,30"]);
    const failed = await p.run({ stores: memoryStores(), params: { enrich: true, explode: true } });
    expect(failed.steps.merged).toMatchObject({ status: "skipped", reason: "upstream-failed" });
  });

  it("caches a step that ran with an absent input, and reruns it once the input exists", async () => {
    const { calls, p } = build();
    const stores = memoryStores();
    await p.run({ stores });
    const again = await p.run({ stores });
    expect(again.steps.merged).toMatchObject({ status: "succeeded", cached: true });
    expect(calls).toEqual(["merged:none"]);
    const enriched = await p.run({ stores, params: { enrich: true } });
    expect(enriched.steps.merged).toMatchObject({ status: "succeeded", cached: false });
    expect(calls).toEqual(["merged:none", "enrich", "merged:10,20,30"]);
  });

  it("preview names the conditions each step depends on", async () => {
    const { p } = build();
    const preview = await p.preview({ stores: memoryStores() });
    const byName = Object.fromEntries(preview.toJSON().steps.map((s) => [s.name, s.conditions]));
    expect(byName).toEqual({
      base: undefined,
      enrich: ["enrich"],
      strict: ["enrich"],
      merged: undefined,
      report: undefined,
    });
    const tree = preview.toTree();
    expect(tree).toContain('strict (pending: missing-output; skipped if "enrich" is skipped)');
    expect(tree).toContain(
      `enrich {"enrich":false,"explode":false} (pending: missing-output; runs only if its condition holds)`,
    );
  });

  it("optional() refuses what is not a step or a step output", () => {
    expect(() => optional(42 as never)).toThrow(/optional\(\) takes a step or a step output/);
  });
});
