import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Each package's tests: unit tests beside its sources, the others in its test/ folder; test/ holds
    // the tests of the packages together (what they install as).
    include: ["packages/*/src/**/*.test.ts", "packages/*/test/**/*.test.ts", "test/*.test.ts"],
    // Removes the folders tests make with tempDir() (test/support/temp-dir.ts).
    setupFiles: ["./test/support/setup.ts"],
    testTimeout: 30_000,
    reporters: ["default", "./scripts/plain-summary-reporter.ts"],
    hookTimeout: 60_000,
  },
});
