// The shared test helpers (test/support/): temporary folders go when their test ends, until() waits
// with a deadline and says for what, and the CLI runner gives each run its own home.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sluice, sluiceAsync, startSluice } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";
import { until } from "../../../test/support/until.js";

const forTheFile = tempDir("sluice-support-file-");
let madeByTheFirstTest = "";

describe("tempDir", () => {
  it("makes a new empty folder", () => {
    madeByTheFirstTest = tempDir("sluice-support-");
    writeFileSync(join(madeByTheFirstTest, "x.txt"), "x");
    expect(existsSync(join(madeByTheFirstTest, "x.txt"))).toBe(true);
  });

  it("removes a test's folders when it ends, and the file's once all its tests are done", () => {
    expect(madeByTheFirstTest).not.toBe("");
    expect(existsSync(madeByTheFirstTest)).toBe(false);
    expect(existsSync(forTheFile)).toBe(true);
  });
});

describe("until", () => {
  it("resolves with the first truthy value of the probe", async () => {
    let calls = 0;
    expect(await until(() => ++calls >= 3 && calls, { what: "three calls", intervalMs: 1 })).toBe(
      3,
    );
  });

  it("fails naming what it waited for once the deadline passed", async () => {
    await expect(
      until(() => false, { what: "a condition that never holds", timeoutMs: 30 }),
    ).rejects.toThrow("Timed out after 30 ms waiting for a condition that never holds");
  });
});

describe("the CLI runner", () => {
  it("gives each run a fresh home unless one is given, and NO_COLOR", () => {
    const home = tempDir("sluice-support-home-");
    expect(sluice(["run", "test/fixtures/basic.ts", "--quiet"], { home }).code).toBe(0);
    expect(sluice(["runs", "--json"], { home }).json().runs).toHaveLength(1);
    expect(sluice(["runs", "--json"]).json().runs).toEqual([]);
    const failed = sluice(["run", "test/fixtures/failing.ts"]);
    expect(failed.code).toBe(1);
    expect(failed.stdout + failed.stderr).not.toContain("\u001b[");
  });

  it("says what was printed when the output is not JSON", () => {
    expect(() => sluice(["--version"]).json()).toThrow(
      /printed no JSON on stdout \(exit 0\): \d+\.\d+\.\d+/,
    );
  });

  it("runs asynchronously, and hands over a started process", async () => {
    expect((await sluiceAsync(["runs", "--json"])).json()).toEqual({ runs: [] });
    const run = startSluice(["run", "test/fixtures/slow.ts", "--json"]);
    expect(await run.waitForStderr(/wait: (\w+)/)).toEqual(["wait: started", "started"]);
    run.child.kill("SIGINT");
    expect((await run.result).code).toBe(130);
  });
});
