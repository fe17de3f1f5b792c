// Map steps through the CLI, on a durable home: a map that succeeded with failed items is pending
// (`items-failed`) in `sluice preview` and its rerun retries only those items; `sluice logs` of one item.
import { describe, expect, it } from "vitest";
import { sluice } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";

const FILE = "test/fixtures/map-partial.ts";
/** The environment in which the fixture's items `items` fail. */
const failing = (items: number[]) => ({ SLUICE_TEST_FAILING: items.join(",") });

describe("a map that succeeded with failed items, through the CLI", () => {
  it("is pending with items-failed in sluice preview (text and --json), and sluice run retries only the failed items", () => {
    const home = tempDir("sluice-map-partial-");
    const first = sluice(["run", FILE, "--json"], { home, env: failing([3, 7, 11, 19, 42]) });
    expect(first.code, first.stderr).toBe(0);
    expect(first.json().outputs.score).toMatchObject({
      total: 50,
      successes: 45,
      failures: 5,
      cached: 0,
    });
    // A failed item's output is null in --json, with its error in `errors` by index.
    expect(first.json().outputs.score.outputs.slice(2, 5)).toEqual([20, null, 40]);
    expect(first.json().outputs.score.errors[0]).toEqual({
      index: 3,
      error: { code: "step-failed", message: "item 3 is bad", step: "score[3]" },
    });
    expect(first.stdout).not.toContain("$sluice");

    const plan = sluice(["preview", FILE, "--json"], { home }).json();
    expect(plan.steps.find((s: { name: string }) => s.name === "score")).toEqual({
      name: "score",
      status: "pending",
      reason: "items-failed",
      deps: ["docs"],
      itemsFailed: 5,
    });
    const text = sluice(["preview", FILE], { home }).stdout;
    expect(text).toContain("score (pending: items-failed, 5 items to retry)");
    expect(text).toContain("1 of 2 steps would run");

    // Now only item 42 fails: the rerun ran the body for the five failed items alone.
    const second = sluice(["run", FILE, "--json"], { home, env: failing([42]) });
    expect(second.code, second.stderr).toBe(0);
    const result = second.json();
    expect(result.steps.score).toMatchObject({
      status: "succeeded",
      reason: "items-failed",
      cached: false,
    });
    expect(result.outputs.score).toMatchObject({ successes: 49, failures: 1, cached: 45 });
    const ran = JSON.parse(sluice(["show", result.runId, "--json"], { home }).stdout).steps.filter(
      (s: { name: string; cached: boolean }) => s.name.startsWith("score[") && !s.cached,
    );
    expect(ran.map((s: { name: string }) => s.name).sort()).toEqual([
      "score[11]",
      "score[19]",
      "score[3]",
      "score[42]",
      "score[7]",
    ]);
    expect(sluice(["preview", FILE, "--json"], { home }).json().steps[1]).toMatchObject({
      reason: "items-failed",
      itemsFailed: 1,
    });

    // With nothing failing the map is complete.
    expect(sluice(["run", FILE, "--quiet"], { home }).code).toBe(0);
    expect(sluice(["preview", FILE, "--json"], { home }).json().steps[1]).toMatchObject({
      status: "complete",
      reason: "complete",
    });
  });
});

describe("map item logs through the CLI", () => {
  it("sluice logs RUN score[19] shows that item's lines; sluice logs RUN score shows every item's", () => {
    const home = tempDir("sluice-map-logs-");
    const { runId } = sluice(["run", FILE, "--json"], { home, env: failing([19]) }).json();
    const item = sluice(["logs", runId, "score[19]", "--json"], { home }).json();
    expect(item.logs.map((l: { step: string; message: string }) => [l.step, l.message])).toEqual([
      ["score[19]", "scoring item 19"],
    ]);
    expect(sluice(["logs", runId, "score[19]"], { home }).stdout).toMatch(
      /^\S+ \[score\[19\]\] info {2}scoring item 19\n$/,
    );
    const all = sluice(["logs", runId, "score", "--json"], { home }).json().logs;
    expect(all).toHaveLength(50);
    expect(new Set(all.map((l: { step: string }) => l.step)).size).toBe(50);
    expect(sluice(["logs", runId, "score[50]"], { home }).code).toBe(2);
  });
});
