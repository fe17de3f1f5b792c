// sluice compare: params as the steps saw them (a defaulted param has its default on both sides), and
// a step differs only when something that goes into its cache key differs.
import { describe, expect, it } from "vitest";
import { sluice } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";

const FILE = "test/fixtures/forest.ts";

describe("sluice compare", () => {
  it("compares effective params and lists only the steps whose cache keys differ", () => {
    const home = tempDir("sluice-compare-");
    // A: trees defaulted, and "check" fails; B: trees=50 given, everything reused but "check", which now succeeds.
    const a = sluice(["run", FILE, "--json"], { home, env: { SLUICE_TEST_FLAKY: "1" } }).json();
    expect(a.steps.check.status).toBe("failed");
    const b = sluice(["run", FILE, "--json", "--param", "trees=50"], { home }).json();
    expect(b.steps.score).toMatchObject({ status: "succeeded", cached: true });
    expect(b.steps.check.cacheKey).toBe(a.steps.check.cacheKey);

    const same = sluice(["compare", a.runId, b.runId, "--json"], { home }).json();
    expect(same.params).toEqual([]);
    expect(same.steps).toEqual([]);
    const text = sluice(["compare", a.runId, b.runId], { home }).stdout;
    expect(text).toContain("Params: the same");
    expect(text).toContain("Steps: all the same");

    // C: trees=100: the default is shown as the value it was, and train and check differ (their keys do).
    const c = sluice(["run", FILE, "--json", "--param", "trees=100"], { home }).json();
    const changed = sluice(["compare", a.runId, c.runId, "--json"], { home }).json();
    expect(changed.params).toEqual([{ name: "trees", a: 50, b: 100 }]);
    expect(changed.steps.map((s: { step: string }) => s.step).sort()).toEqual(["check", "train"]);
    const printed = sluice(["compare", a.runId, c.runId], { home }).stdout;
    expect(printed).toMatch(/trees\s+50\s+100/);
    expect(printed).toMatch(
      new RegExp(
        `train\\s+succeeded key ${a.steps.train.cacheKey.slice(0, 12)} output \\w{12}\\s+succeeded key ${c.steps.train.cacheKey.slice(0, 12)}`,
      ),
    );
  });
});
