// Temporary folders for tests, removed once nothing needs them. `tempDir()` made inside a test (its
// body, or a beforeEach) is removed when that test ends; made outside one (at the top of a file, in a
// beforeAll) once the file's tests are done. The hooks that remove them run for every test file:
// test/support/setup.ts registers them (vitest's setupFiles), after the file's own after-hooks, so a
// server or store that a test stops in its afterEach/afterAll is stopped before its folder goes.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach } from "vitest";

const madeInTest: string[] = [];
const madeForFile: string[] = [];
let inTest = false;

/** A new empty folder named `prefix` + random characters, in the system's temp folder or in `under`. */
export function tempDir(prefix = "sluice-test-", under = tmpdir()): string {
  const dir = mkdtempSync(join(under, prefix));
  (inTest ? madeInTest : madeForFile).push(dir);
  return dir;
}

/** Registers the removal hooks; called once per test file, by test/support/setup.ts. */
export function removeTempDirsAfterUse(): void {
  beforeEach(() => {
    inTest = true;
  });
  afterEach(() => {
    inTest = false;
    removeAll(madeInTest);
  });
  afterAll(() => removeAll(madeForFile));
}

function removeAll(dirs: string[]): void {
  // Retries: a child process that just exited may still have its last file open for a moment.
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
}
