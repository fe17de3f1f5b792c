// A full disk, for real: a 600 KiB tmpfs. Needs root to mount; skipped where mounting is not allowed.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const mountPoint = mkdtempSync(join(tmpdir(), "sluice-full-"));
const mounted = (() => {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=600k", "tmpfs", mountPoint], { stdio: "ignore" });
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

function sluice(args: string[]) {
  const child = spawnSync(process.execPath, ["bin/sluice.js", ...args], { cwd: root, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", SLUICE_HOME: join(mountPoint, "home") } });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}

describe.skipIf(!mounted)("a full disk", () => {
  it("fails the step with store-full naming the folder, and loses no finished work", () => {
    expect(sluice(["run", "test/fixtures/basic.ts", "--quiet"]).code).toBe(0);
    const full = sluice(["run", "test/fixtures/big.mjs", "--json"]);
    expect(full.code).toBe(1);
    const { firstFailure } = JSON.parse(full.stdout);
    expect(firstFailure.step).toBe("big");
    expect(firstFailure.error.code).toBe("store-full");
    expect(firstFailure.error.message).toContain(mountPoint);
    expect(firstFailure.error.message).toContain("sluice gc");
    const preview = JSON.parse(sluice(["preview", "test/fixtures/basic.ts", "--json"]).stdout);
    expect(preview.steps.every((s: { status: string }) => s.status === "complete")).toBe(true);
    expect(JSON.parse(sluice(["runs", "--json"]).stdout).runs.map((r: { status: string }) => r.status)).toEqual(["failed", "succeeded"]);
  });
});
