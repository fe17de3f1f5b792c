// Map steps: per-item instances (records, cache, retries), the success ratio, growth of the list, and
// a kill -9 in the middle of a map that the next run finishes without redoing finished items.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { map, memoryStores, pipeline, step } from "sluice";
import { sluice, startSluice } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";
import { until } from "../../../test/support/until.js";

function scoring(
  list: (n: number) => unknown[],
  failing: (item: number) => boolean = () => false,
  options: { minSuccessRatio?: number; retry?: number } = {},
) {
  const calls: number[] = [];
  const docs = step("docs", {
    params: { n: z.number().default(0) },
    run: ({ params }) => list(params.n),
  });
  const score = map("score", {
    over: docs,
    concurrency: 3,
    ...options,
    run: ({ item }: { item: number }) => {
      calls.push(item);
      if (failing(item)) throw new Error(`item ${item} is bad`);
      return item * 10;
    },
  });
  const total = step("total", {
    inputs: { score },
    run: ({ score }) => score.outputs.reduce<number>((sum, x) => sum + (x ?? 0), 0),
  });
  return { calls, p: pipeline("scoring", { steps: [total] }) };
}

describe("map steps", () => {
  it("runs the body once per item, returns outputs in input order with counts, and records each item", async () => {
    const { calls, p } = scoring(() => [5, 1, 4, 2]);
    const stores = memoryStores();
    const result = await p.run({ stores });
    const score = result.outputs.score as {
      outputs: number[];
      total: number;
      successes: number;
      failures: number;
      cached: number;
    };
    expect(score).toEqual({
      total: 4,
      successes: 4,
      failures: 0,
      cached: 0,
      outputs: [50, 10, 40, 20],
      errors: [],
    });
    expect(result.outputs.total).toBe(120);
    expect(calls.sort()).toEqual([1, 2, 4, 5]);
    const { steps } = (await stores.runs.getRun(result.runId))!;
    const items = steps.filter((s) => s.step.startsWith("score["));
    expect(items.map((s) => s.step).sort()).toEqual([
      "score[0]",
      "score[1]",
      "score[2]",
      "score[3]",
    ]);
    expect(
      items.every(
        (s) =>
          s.status === "succeeded" && s.attempts === 1 && s.cacheKey && s.durationMs !== undefined,
      ),
    ).toBe(true);
  });

  it("after items are added, runs only the new ones; an unchanged list reuses the whole map", async () => {
    // n items: 0..29, then three more at the end.
    const { calls, p } = scoring((n) => Array.from({ length: n }, (_, i) => (i < 30 ? i : 70 + i)));
    const stores = memoryStores();
    await p.run({ stores, params: { n: 30 } });
    expect(calls).toHaveLength(30);
    const unchanged = await p.run({ stores, params: { n: 30 } });
    expect(unchanged.steps.score).toMatchObject({ status: "succeeded", cached: true });
    expect(calls).toHaveLength(30);
    const grown = await p.run({ stores, params: { n: 33 } });
    expect(calls.slice(30).sort()).toEqual([100, 101, 102]);
    expect(grown.outputs.score).toMatchObject({ total: 33, cached: 30, successes: 33 });
  });

  it("keeps going below the failure budget, and fails the step naming the failures above it", async () => {
    const lenient = scoring(
      () => [1, 2, 3, 4],
      (item) => item === 3,
      { minSuccessRatio: 0.75 },
    );
    const ok = await lenient.p.run({ stores: memoryStores() });
    expect(ok.success).toBe(true);
    expect(ok.outputs.score).toMatchObject({
      successes: 3,
      failures: 1,
      outputs: [10, 20, undefined, 40],
      errors: [{ index: 2, error: { message: "item 3 is bad" } }],
    });
    // In JSON a failed item's output is null (not the stored form of undefined), and its error is in errors by index.
    const json = ok.toJSON().outputs as Record<string, { outputs: unknown[]; errors: unknown[] }>;
    expect(json.score!.outputs).toEqual([10, 20, null, 40]);
    expect(json.score!.errors).toEqual([
      { index: 2, error: { code: "step-failed", message: "item 3 is bad", step: "score[2]" } },
    ]);
    expect(JSON.stringify(ok.toJSON())).not.toContain("$sluice");

    const strict = scoring(
      () => [1, 2, 3, 4],
      (item) => item % 2 === 1,
      { minSuccessRatio: 0.9, retry: 2 },
    );
    const stores = memoryStores();
    const failed = await strict.p.run({ stores });
    expect(failed.steps.score!.status).toBe("failed");
    expect(failed.steps.score!.error!.message).toContain(
      'map "score": 2 of 4 items failed (50.0% succeeded, below minSuccessRatio 0.9)',
    );
    expect(failed.steps.score!.error!.message).toContain("[0] item 1 is bad");
    expect(failed.steps.total).toMatchObject({ status: "skipped", reason: "upstream-failed" });
    // Each failing item was tried twice (retry: 2); the good ones once.
    expect(strict.calls.filter((x) => x === 1)).toHaveLength(2);
    expect(strict.calls.filter((x) => x === 2)).toHaveLength(1);
    const records = (await stores.runs.getRun(failed.runId))!.steps.filter((s) =>
      s.step.startsWith("score["),
    );
    expect(
      records
        .filter((s) => s.status === "failed")
        .map((s) => [s.step, s.attempts])
        .sort(),
    ).toEqual([
      ["score[0]", 2],
      ["score[2]", 2],
    ]);
    // A rerun retries only the failed items: the succeeded ones are cached.
    const before = strict.calls.length;
    await strict.p.run({ stores });
    expect(strict.calls.slice(before).sort()).toEqual([1, 1, 3, 3]);
  });

  it("refuses a list that is not an array, and bad options", async () => {
    const notList = pipeline("x", {
      steps: [map("m", { over: step("one", { run: () => 5 }), run: ({ item }) => item })],
    });
    const result = await notList.run({ stores: memoryStores() });
    expect(result.steps.m!.error!.message).toContain(
      'map "m": its `over` input must be an array, got number',
    );
    expect(() =>
      map("m", { over: step("l", { run: () => [1] }), concurrency: 0, run: ({ item }) => item }),
    ).toThrow(/concurrency must be a whole number/);
    expect(() =>
      map("m", {
        over: step("l", { run: () => [1] }),
        minSuccessRatio: 2,
        run: ({ item }) => item,
      }),
    ).toThrow(/minSuccessRatio must be a number from 0 to 1/);
  });
});

describe("map item logs", () => {
  it("are filed under the item's name (ctx.log, console, retry warnings); the map step's logs include its items'", async () => {
    const docs = step("docs", { run: () => [1, 2, 3] });
    const tries = new Map<number, number>();
    const score = map("score", {
      over: docs,
      retry: { attempts: 2, delayMs: 1, jitter: false },
      run: ({ item }: { item: number }, ctx) => {
        ctx.log(`scoring ${item}`);
        console.log(`printed by ${item}`);
        const attempt = (tries.get(item) ?? 0) + 1;
        tries.set(item, attempt);
        if (item === 2 && attempt === 1) throw new Error("flaky");
        return item;
      },
    });
    const asyncScore = map("asyncScore", {
      over: docs,
      run: async ({ item }: { item: number }, ctx) => {
        await Promise.resolve();
        ctx.log.warn(`async ${item}`);
        console.log(`async printed ${item}`);
        return item;
      },
    });
    const stores = memoryStores();
    const result = await pipeline("item-logs", { steps: [score, asyncScore] }).run({ stores });
    expect(result.success).toBe(true);
    const lines = async (step: string) =>
      (await stores.runs.readLogs(result.runId, { step })).map((l) => `${l.step}: ${l.message}`);
    expect(await lines("score[1]")).toEqual([
      "score[1]: scoring 2",
      "score[1]: printed by 2",
      expect.stringMatching(/^score\[1\]: attempt 1 failed: flaky; retrying in \d+ ms$/),
      "score[1]: scoring 2",
      "score[1]: printed by 2",
    ]);
    expect(await lines("asyncScore[2]")).toEqual([
      "asyncScore[2]: async 3",
      "asyncScore[2]: async printed 3",
    ]);
    const all = await lines("score");
    expect(all).toHaveLength(9);
    expect(new Set(all.map((line) => line.split(":")[0]))).toEqual(
      new Set(["score[0]", "score[1]", "score[2]"]),
    );
  });
});

describe("a map that succeeded with some items failed", () => {
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

  it("is no cache hit: preview says items-failed, and the next run retries only the failed items", async () => {
    const failing = new Set([3, 7, 11, 19, 42]);
    const { calls, p } = scoring(
      (n) => Array.from({ length: n }, (_, i) => i),
      (item) => failing.has(item),
      { minSuccessRatio: 0.85 },
    );
    const stores = memoryStores();
    const first = await p.run({ stores, params: { n: 50 } });
    expect(first.success).toBe(true);
    expect(first.outputs.score).toMatchObject({ successes: 45, failures: 5 });

    const preview = await p.preview({ stores, params: { n: 50 } });
    expect(preview.steps.find((s) => s.name === "score")).toMatchObject({
      status: "pending",
      reason: "items-failed",
      itemsFailed: 5,
    });
    expect(preview.toJSON().steps.find((s) => s.name === "score")).toEqual({
      name: "score",
      status: "pending",
      reason: "items-failed",
      deps: ["docs"],
      itemsFailed: 5,
    });
    expect(preview.toTree()).toContain("score (pending: items-failed, 5 items to retry)");

    // Nothing changed: the five are tried again and fail again. The output counts the reused items
    // (`cached`), so its consumer runs once more; after that the same output leaves it reused.
    for (const consumerReused of [false, true]) {
      calls.length = 0;
      const same = await p.run({ stores, params: { n: 50 } });
      expect(sorted(calls)).toEqual([3, 7, 11, 19, 42]);
      expect(same.steps.score).toMatchObject({
        status: "succeeded",
        reason: "items-failed",
        cached: false,
      });
      expect(same.outputs.score).toMatchObject({ cached: 45, failures: 5 });
      expect(same.steps.total).toMatchObject({ status: "succeeded", cached: consumerReused });
    }

    // Two of them succeed now; a forced upstream that gives the same list is checked at run time, and still retried.
    failing.delete(3);
    failing.delete(7);
    calls.length = 0;
    const second = await p.run({ stores, params: { n: 50 }, force: ["docs"] });
    expect(second.steps.score!.reason).toBe("upstream-changed");
    expect(sorted(calls)).toEqual([3, 7, 11, 19, 42]);
    expect(second.outputs.score).toMatchObject({ cached: 45, successes: 47, failures: 3 });
    expect(
      (await p.preview({ stores, params: { n: 50 } })).steps.find((s) => s.name === "score"),
    ).toMatchObject({ reason: "items-failed", itemsFailed: 3 });

    // A grown list runs the new items and the ones still failing.
    calls.length = 0;
    const grown = await p.run({ stores, params: { n: 53 } });
    expect(sorted(calls)).toEqual([11, 19, 42, 50, 51, 52]);
    expect(grown.outputs.score).toMatchObject({ total: 53, cached: 47, failures: 3 });

    // Once every item succeeded the map is complete: the next run runs no item.
    failing.clear();
    calls.length = 0;
    await p.run({ stores, params: { n: 53 } });
    expect(sorted(calls)).toEqual([11, 19, 42]);
    calls.length = 0;
    const done = await p.run({ stores, params: { n: 53 } });
    expect(calls).toEqual([]);
    expect(done.steps.score).toMatchObject({
      status: "succeeded",
      reason: "complete",
      cached: true,
    });
    expect(
      (await p.preview({ stores, params: { n: 53 } })).steps.find((s) => s.name === "score"),
    ).toMatchObject({ status: "complete", reason: "complete" });
  });
});

describe("a map killed in the middle", () => {
  it("is finished by the next run without redoing the items that had finished", async () => {
    const home = tempDir("sluice-map-crash-");
    const side = join(home, "side.txt");
    const options = { home, env: { SLUICE_TEST_SIDE_FILE: side } };
    const first = startSluice(["run", "test/fixtures/map-crash.ts", "--quiet"], options);
    const itemsDone = () =>
      existsSync(side) ? readFileSync(side, "utf8").trim().split("\n").length : 0;
    await until(() => itemsDone() >= 6, { what: "six items of the map to finish" });
    first.child.kill("SIGKILL");
    await first.result;
    const firstPid = String(first.child.pid);
    const shown = sluice(["runs", "--json"], options).json().runs[0];
    expect(shown).toMatchObject({ status: "failed", reason: "crashed" });
    const detail = sluice(["show", shown.runId, "--json"], options).json();
    const finished = new Set(
      detail.steps
        .filter(
          (s: { name: string; status: string }) =>
            s.name.startsWith("work[") && s.status === "succeeded",
        )
        .map((s: { name: string }) => Number(s.name.slice(5, -1))),
    );
    expect(finished.size).toBeGreaterThan(0);

    const again = sluice(["run", "test/fixtures/map-crash.ts", "--json"], options);
    expect(again.code, again.stderr).toBe(0);
    const result = again.json();
    expect(result.outputs.work.outputs).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    const lines = readFileSync(side, "utf8")
      .trim()
      .split("\n")
      .map((line) => line.split(":"));
    const second = lines.filter(([pid]) => pid !== firstPid).map(([, index]) => Number(index));
    // Nothing the first process finished was done again, and every item was done.
    expect(second.filter((index) => finished.has(index))).toEqual([]);
    expect(new Set([...finished, ...second]).size).toBe(20);
    expect(result.outputs.work.cached).toBe(finished.size + (20 - finished.size - second.length));
  });
});
