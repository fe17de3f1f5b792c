#!/usr/bin/env node
// The installed `sluice` command: runs the compiled CLI (built by `npm install` through `prepare`).
import { readFileSync } from "node:fs";

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  // Answered here, before the CLI and its dependencies load: scripts and shells ask for it often.
  const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  process.stdout.write(`${version}\n`);
} else {
  import("../dist/cli.js").catch((error) => {
    if (
      error &&
      error.code === "ERR_MODULE_NOT_FOUND" &&
      String(error.message).includes("dist/cli.js")
    ) {
      process.stderr.write(
        "sluice is not built yet: run `npm install` (or `npm run build`) in the sluice package first.\n",
      );
      process.exit(2);
    }
    throw error;
  });
}
