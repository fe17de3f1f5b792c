// Map steps through the CLI, on a durable home: a map that succeeded with failed items is pending
// (`items-failed`) in `sluice preview` and its rerun retries only those items; `sluice logs` of one item.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

function sluice(home: string, args: string[], failing: number[] = []) {
  const env = { ...process.env, NO_COLOR: "1", SLUICE_HOME: home, SLUICE_TEST_FAILING: failing.join(",") };
  const child = spawnSync(process.execPath, [join(root, "bin/sluice.js"), ...args], { cwd: root, env, encoding: "utf8" });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr, json: () => JSON.parse(child.stdout) };
}

const FILE = "test/fixtures/map-partial.ts";

describe("a map that succeeded with failed items, through the CLI", () => {
  it("is pending with items-failed in sluice preview (text and --json), and sluice run retries only the failed items", () => {
    const home = mkdtempSync(join(tmpdir(), "sluice-map-partial-"));
    const failing = [3, 7, 11, 19, 42];
    const first = sluice(home, ["run", FILE, "--json"], failing);
    expect(first.code, first.stderr).toBe(0);
    expect(first.json().outputs.score).toMatchObject({ total: 50, successes: 45, failures: 5, cached: 0 });
    // A failed item's output is null in --json, with its error in `errors` by index.
    expect(first.json().outputs.score.outputs.slice(2, 5)).toEqual([20, null, 40]);
    expect(first.json().outputs.score.errors[0]).toEqual({ index: 3, error: { code: "step-failed", message: "item 3 is bad", step: "score[3]" } });
    expect(first.stdout).not.toContain("$sluice");

    const plan = sluice(home, ["preview", FILE, "--json"]).json();
    expect(plan.steps.find((s: { name: string }) => s.name === "score")).toEqual({ name: "score", status: "pending", reason: "items-failed", deps: ["docs"], itemsFailed: 5 });
    const text = sluice(home, ["preview", FILE]).stdout;
    expect(text).toContain("score (pending: items-failed, 5 items to retry)");
    expect(text).toContain("1 of 2 steps would run");

    // Now only item 42 fails: the rerun ran the body for the five failed items alone.
    const second = sluice(home, ["run", FILE, "--json"], [42]);
    expect(second.code, second.stderr).toBe(0);
    const result = second.json();
    expect(result.steps.score).toMatchObject({ status: "succeeded", reason: "items-failed", cached: false });
    expect(result.outputs.score).toMatchObject({ successes: 49, failures: 1, cached: 45 });
    const ran = JSON.parse(sluice(home, ["show", result.runId, "--json"]).stdout).steps.filter((s: { name: string; cached: boolean }) => s.name.startsWith("score[") && !s.cached);
    expect(ran.map((s: { name: string }) => s.name).sort()).toEqual(["score[11]", "score[19]", "score[3]", "score[42]", "score[7]"]);
    expect(sluice(home, ["preview", FILE, "--json"]).json().steps[1]).toMatchObject({ reason: "items-failed", itemsFailed: 1 });

    // With nothing failing the map is complete.
    expect(sluice(home, ["run", FILE, "--quiet"]).code).toBe(0);
    expect(sluice(home, ["preview", FILE, "--json"]).json().steps[1]).toMatchObject({ status: "complete", reason: "complete" });
  });
});

describe("map item logs through the CLI", () => {
  it("sluice logs RUN score[19] shows that item's lines; sluice logs RUN score shows every item's", () => {
    const home = mkdtempSync(join(tmpdir(), "sluice-map-logs-"));
    const { runId } = sluice(home, ["run", FILE, "--json"], [19]).json();
    const item = sluice(home, ["logs", runId, "score[19]", "--json"]).json();
    expect(item.logs.map((l: { step: string; message: string }) => [l.step, l.message])).toEqual([["score[19]", "scoring item 19"]]);
    expect(sluice(home, ["logs", runId, "score[19]"]).stdout).toMatch(/^\S+ \[score\[19\]\] info {2}scoring item 19\n$/);
    const all = sluice(home, ["logs", runId, "score", "--json"]).json().logs;
    expect(all).toHaveLength(50);
    expect(new Set(all.map((l: { step: string }) => l.step)).size).toBe(50);
    expect(sluice(home, ["logs", runId, "score[50]"]).code).toBe(2);
  });
});
