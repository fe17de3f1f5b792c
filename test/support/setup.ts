// Runs before every test file (vitest.config.ts, setupFiles): registers the hooks that remove the
// test's temporary folders (test/support/temp-dir.ts).
import { removeTempDirsAfterUse } from "./temp-dir.js";

removeTempDirsAfterUse();
