// A full disk, for real: a 600 KiB tmpfs. Needs root to mount; skipped where mounting is not allowed.
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sluice } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";

const mountPoint = tempDir("sluice-full-"); // removed after the file, once unmounted (afterAll below runs first)
const mounted = (() => {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=600k", "tmpfs", mountPoint], {
      stdio: "ignore",
    });
    return true;
  } catch {
    return false;
  }
})();

afterAll(() => {
  if (!mounted) return;
  try {
    execFileSync("umount", [mountPoint], { stdio: "ignore" });
  } catch {
    // Still busy (a child process not yet gone): detach it now, the kernel frees it when unused.
    execFileSync("umount", ["-l", mountPoint], { stdio: "ignore" });
  }
});

const home = join(mountPoint, "home");

describe.skipIf(!mounted)("a full disk", () => {
  it("fails the step with store-full naming the folder, and loses no finished work", () => {
    expect(sluice(["run", "test/fixtures/basic.ts", "--quiet"], { home }).code).toBe(0);
    const full = sluice(["run", "test/fixtures/big.mjs", "--json"], { home });
    expect(full.code).toBe(1);
    const { firstFailure } = JSON.parse(full.stdout);
    expect(firstFailure.step).toBe("big");
    expect(firstFailure.error.code).toBe("store-full");
    expect(firstFailure.error.message).toContain(mountPoint);
    expect(firstFailure.error.message).toContain("sluice gc");
    const preview = JSON.parse(
      sluice(["preview", "test/fixtures/basic.ts", "--json"], { home }).stdout,
    );
    expect(preview.steps.every((s: { status: string }) => s.status === "complete")).toBe(true);
    expect(
      JSON.parse(sluice(["runs", "--json"], { home }).stdout).runs.map(
        (r: { status: string }) => r.status,
      ),
    ).toEqual(["failed", "succeeded"]);
  });

  it("whenever the disk fills during a run, the run's result is printed and the run is never left running", () => {
    const filler = join(mountPoint, "filler");
    let results = 0;
    for (const leftKiB of [12, 16, 24, 32, 48, 64, 96, 128]) {
      const before = JSON.parse(sluice(["runs", "--json"], { home }).stdout).runs.length;
      const free = Number(
        execFileSync("df", ["--output=avail", "-k", mountPoint], { encoding: "utf8" })
          .trim()
          .split("\n")
          .pop(),
      );
      writeFileSync(filler, Buffer.alloc(Math.max(0, free - leftKiB) * 1024));
      const run = sluice(
        [
          "run",
          "test/fixtures/basic.ts",
          "--json",
          "--force-all",
          "--param",
          `n=${2000 + leftKiB}`,
        ],
        { home },
      );
      rmSync(filler);
      const printed = JSON.parse(run.stdout);
      const runs = JSON.parse(sluice(["runs", "--json"], { home }).stdout).runs;
      expect(runs.filter((r: { running: boolean }) => r.running)).toEqual([]);
      if (printed.error) {
        // Refused before the run existed: nothing was recorded.
        expect(printed.error.code).toBe("store-full");
        expect(runs).toHaveLength(before);
      } else {
        results++;
        expect(run.code).toBe(printed.success ? 0 : 1);
        expect(runs[0].runId).toBe(printed.runId);
        if (!printed.success) expect(printed.firstFailure.error.code).toBe("store-full");
      }
    }
    expect(results).toBeGreaterThan(0);
  });
});
