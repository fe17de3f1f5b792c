// Bundles the sluice package's JavaScript into dist/ (npm run build runs it after tsc, which checks
// the types and writes the declarations). Node 20 spends most of a short run's start-up resolving,
// reading and linking modules one by one (about 90 files: 75 ms of CPU); a few bundled files load in
// a third of that. Entry points, all at dist/'s top so that their chunks share one folder: index
// ("sluice"), internal ("sluice/internal"), client ("sluice/client"), cli (bin/sluice.js) and
// thread-worker (worker threads). Shared code is split into chunks, so each module exists once in a
// process whichever entry loaded it; packages stay imports, for Node to resolve.
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const sluice = fileURLToPath(new URL("../packages/sluice", import.meta.url));
const dist = join(sluice, "dist");

// Only declarations (and tsc's build info) stay from tsc; older JavaScript output goes.
for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  if (entry.isFile() && /\.js(\.map)?$/.test(entry.name))
    rmSync(join(entry.parentPath, entry.name));
}

await esbuild.build({
  absWorkingDir: sluice,
  entryPoints: {
    index: "src/index.ts",
    internal: "src/internal.ts",
    client: "src/client.ts",
    cli: "src/cli/main.ts",
    "thread-worker": "src/executors/thread-worker.ts",
  },
  outdir: "dist",
  bundle: true,
  splitting: true,
  chunkNames: "chunk-[hash]",
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  keepNames: true,
  sourcemap: true,
  logLevel: "warning",
});
