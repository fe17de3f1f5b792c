// Checks the layering of the architecture: folders import each other only through index.ts, and only
// along the allowed arrows. Run by `npm run lint`; exits 1 and names each bad import.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const src = fileURLToPath(new URL("../src", import.meta.url));
const below = ["core", "store", "artifacts", "planner", "executors", "engine"];
const ALLOWED = {
  core: [],
  store: ["core"],
  artifacts: ["core"],
  planner: ["core", "store", "artifacts"],
  executors: ["core"],
  engine: ["core", "planner", "store", "artifacts", "executors"],
  arazzo: below,
  flows: below,
  schedule: below,
  server: [...below, "arazzo", "flows", "schedule", "client", "(root)"],
  client: ["core"],
  ui: ["client"],
  cli: null, // may import anything
  "(root)": [...below, "arazzo", "flows", "schedule"],
};

// Entry points besides a folder's index.ts, and who may use them: core/wire.ts holds the API's zod
// schemas, which the server needs at run time; core/index.ts re-exports only their types, so that
// commands that never serve HTTP do not load zod.
const SECOND_ENTRIES = { "core/wire.js": ["server"] };

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") && !/\.test(-helper)?\.ts$/.test(path) ? [path] : [];
  });
}

const folderOf = (path) => {
  const parts = relative(src, path).split(sep);
  return parts.length === 1 ? "(root)" : parts[0];
};

const problems = [];
for (const file of files(src)) {
  const from = folderOf(file);
  const text = readFileSync(file, "utf8");
  for (const match of text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)) {
    const target = join(dirname(file), match[1]);
    const to = folderOf(target);
    if (to === from) continue;
    const where = `${relative(process.cwd(), file)}: "${match[1]}"`;
    const entry = relative(src, target).split(sep).join("/");
    const allowedEntry = SECOND_ENTRIES[entry]?.includes(from);
    if (to !== "(root)" && !/[\\/]index\.js$/.test(match[1]) && !allowedEntry) problems.push(`${where} reaches inside ${to}/; import ${to}/index.js instead`);
    const allowed = ALLOWED[from];
    if (allowed === undefined) problems.push(`${where}: folder ${from} is not in the layering table of scripts/check-layers.mjs`);
    else if (allowed !== null && !allowed.includes(to)) problems.push(`${where}: ${from} may not import ${to} (see the layer rules at the top of scripts/check-layers.mjs)`);
  }
}
if (problems.length > 0) {
  process.stderr.write(`Layering problems:\n- ${problems.join("\n- ")}\n`);
  process.exit(1);
}
process.stdout.write("layers: ok\n");
