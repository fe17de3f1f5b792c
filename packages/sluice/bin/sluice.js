#!/usr/bin/env node
// The installed `sluice` command: runs the compiled CLI (built by `npm install` through `prepare`).
import("../dist/cli/main.js").catch((error) => {
  if (
    error &&
    error.code === "ERR_MODULE_NOT_FOUND" &&
    String(error.message).includes("dist/cli/main.js")
  ) {
    process.stderr.write(
      "sluice is not built yet: run `npm install` (or `npm run build`) in the sluice package first.\n",
    );
    process.exit(2);
  }
  throw error;
});
