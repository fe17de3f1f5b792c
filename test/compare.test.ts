// sluice compare: params as the steps saw them (a defaulted param has its default on both sides), and
// a step differs only when something that goes into its cache key differs.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

function sluice(home: string, args: string[], env: Record<string, string> = {}) {
  const child = spawnSync(process.execPath, [join(root, "bin/sluice.js"), ...args], { cwd: root, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", SLUICE_HOME: home, ...env } });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr, json: () => JSON.parse(child.stdout) };
}

const FILE = "test/fixtures/forest.ts";

describe("sluice compare", () => {
  it("compares effective params and lists only the steps whose cache keys differ", () => {
    const home = mkdtempSync(join(tmpdir(), "sluice-compare-"));
    // A: trees defaulted, and "check" fails; B: trees=50 given, everything reused but "check", which now succeeds.
    const a = sluice(home, ["run", FILE, "--json"], { SLUICE_TEST_FLAKY: "1" }).json();
    expect(a.steps.check.status).toBe("failed");
    const b = sluice(home, ["run", FILE, "--json", "--param", "trees=50"]).json();
    expect(b.steps.score).toMatchObject({ status: "succeeded", cached: true });
    expect(b.steps.check.cacheKey).toBe(a.steps.check.cacheKey);

    const same = sluice(home, ["compare", a.runId, b.runId, "--json"]).json();
    expect(same.params).toEqual([]);
    expect(same.steps).toEqual([]);
    const text = sluice(home, ["compare", a.runId, b.runId]).stdout;
    expect(text).toContain("Params: the same");
    expect(text).toContain("Steps: all the same");

    // C: trees=100: the default is shown as the value it was, and train and check differ (their keys do).
    const c = sluice(home, ["run", FILE, "--json", "--param", "trees=100"]).json();
    const changed = sluice(home, ["compare", a.runId, c.runId, "--json"]).json();
    expect(changed.params).toEqual([{ name: "trees", a: 50, b: 100 }]);
    expect(changed.steps.map((s: { step: string }) => s.step).sort()).toEqual(["check", "train"]);
    const printed = sluice(home, ["compare", a.runId, c.runId]).stdout;
    expect(printed).toMatch(/trees\s+50\s+100/);
    expect(printed).toMatch(new RegExp(`train\\s+succeeded key ${a.steps.train.cacheKey.slice(0, 12)} output \\w{12}\\s+succeeded key ${c.steps.train.cacheKey.slice(0, 12)}`));
  });
});
