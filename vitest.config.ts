import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Removes the folders tests make with tempDir() (test/support/temp-dir.ts).
    setupFiles: ["./test/support/setup.ts"],
    testTimeout: 30_000,
    reporters: ["default", "./scripts/plain-summary-reporter.ts"],
    hookTimeout: 60_000,
  },
});
