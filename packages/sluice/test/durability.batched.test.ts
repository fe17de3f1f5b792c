// `durability: "batched"`: steps do not wait for their inputs' commits; the store commits a batch
// whenever it holds 1000 writes (or is 200 ms old), so a crash costs at most one batch, which the next
// run computes again. The default ("strict") is covered by durable.test.ts and ownership.test.ts.
import { describe, expect, it } from "vitest";
import { sluice, startSluice } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";
import { until } from "../../../test/support/until.js";

const FILE = "test/fixtures/long-chain.ts";

/** The steps the store of `home` has complete, by the planner's own account. */
function completeSteps(home: string): string[] {
  const preview = sluice(["preview", FILE, "--json"], { home });
  expect(preview.code, preview.stderr).toBe(0);
  return (preview.json().steps as Array<{ name: string; status: string }>)
    .filter((s) => s.status === "complete")
    .map((s) => s.name);
}

describe('durability: "batched"', () => {
  it("commits as the chain goes, and a kill -9 costs at most the last batch", async () => {
    const home = tempDir("sluice-batched-");
    const run = startSluice(["run", FILE, "--quiet"], { home, env: { BLOCK_AT: "2500" } });
    await run.waitForStderr("c2500: started");
    // The process is blocked inside c2500 and has not yielded since c0: whatever is committed was
    // committed by full batches along the way.
    const committed = completeSteps(home);
    run.child.kill("SIGKILL");
    await run.result;
    const count = committed.length;
    expect(committed).toEqual(Array.from({ length: count }, (_, i) => `c${i}`)); // a prefix
    expect(count).toBeGreaterThanOrEqual(2000); // lost: less than one batch of 1000 writes
    expect(count).toBeLessThanOrEqual(2500);

    const again = sluice(["run", FILE, "--json"], { home });
    expect(again.code, again.stderr).toBe(0);
    const result = again.json();
    expect(result.summary.complete).toHaveLength(count);
    expect(result.summary.ran).toHaveLength(3000 - count);
    expect(result.outputs.c2999).toBe(2999);
  });

  it("gives the same outputs as the default, and --durability strict overrides the pipeline", () => {
    const batched = sluice(["run", FILE, "--json", "--in-memory"]);
    const strict = sluice(["run", FILE, "--json", "--in-memory", "--durability", "strict"]);
    expect(batched.json().outputs.c2999).toBe(2999);
    expect(strict.json().outputs).toEqual(batched.json().outputs);
    const wrong = sluice(["run", FILE, "--durability", "eventual"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("strict, batched");
  });
});
