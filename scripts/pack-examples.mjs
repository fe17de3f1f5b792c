// `npm pack` / `npm publish` of the sluice package: the examples live at the repository root (the
// README runs `npx sluice run examples/iris/pipeline.ts` there), so prepack copies them into the
// package and postpack (`--remove`) takes the copy away again.
import { cpSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const from = fileURLToPath(new URL("../examples", import.meta.url));
const into = fileURLToPath(new URL("../packages/sluice/examples", import.meta.url));
rmSync(into, { recursive: true, force: true });
if (!process.argv.includes("--remove"))
  cpSync(from, into, { recursive: true, filter: (path) => !path.includes("/.sluice") });
