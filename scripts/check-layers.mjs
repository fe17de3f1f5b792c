// Checks the architecture's arrows (npm run lint): which package may import which, and inside a
// package which folder may import which. Exits 1 and names each bad import.
//
// Packages: the client depends on nothing; the engine package (sluice) on the client's types and
// runtime (for --server); the server and the Arazzo runner on the engine, through "sluice" or
// "sluice/internal". The engine loads the server and the Arazzo runner only on demand, by name
// (src/cli/parts.ts), never with an import statement.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const packagesDir = fileURLToPath(new URL("../packages", import.meta.url));

const PACKAGES = {
  client: { name: "@sluice/client", uses: [] },
  sluice: { name: "sluice", uses: ["@sluice/client"] },
  server: { name: "@sluice/server", uses: ["sluice", "@sluice/client"] },
  arazzo: { name: "@sluice/arazzo", uses: ["sluice"] },
  postgres: { name: "@sluice/postgres", uses: ["sluice", "@sluice/client"] },
  duckdb: { name: "@sluice/duckdb", uses: ["sluice"] },
};

// Folders inside a package and the folders each may import. `throughIndex`: other folders are
// reached only through their index.ts. "(root)" is the package's src/ itself (entry points).
const sluiceBelow = ["core", "loader", "store", "artifacts", "planner", "executors", "engine"];
const FOLDERS = {
  sluice: {
    throughIndex: true,
    allowed: {
      core: [],
      loader: ["core"],
      store: ["core"],
      artifacts: ["core"],
      planner: ["core", "store", "artifacts"],
      executors: ["core", "loader"],
      engine: ["core", "planner", "store", "artifacts", "executors"],
      runtime: sluiceBelow,
      flows: [...sluiceBelow, "runtime"],
      schedule: [...sluiceBelow, "runtime", "flows"],
      cli: null, // may import any folder
      "(root)": null,
    },
  },
  arazzo: {
    throughIndex: false,
    allowed: {
      expressions: [],
      criteria: ["expressions"],
      document: ["expressions", "criteria"],
      runtime: ["expressions", "criteria", "document"],
      "(root)": null,
    },
  },
};

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return path.endsWith(".ts") && !/\.test(-helper)?\.ts$/.test(path) ? [path] : [];
  });
}

const problems = [];
for (const [pkg, { uses }] of Object.entries(PACKAGES)) {
  const src = join(packagesDir, pkg, "src");
  const layout = FOLDERS[pkg];
  const folderOf = (path) => {
    const parts = relative(src, path).split(sep);
    return parts.length === 1 ? "(root)" : parts[0];
  };
  for (const file of files(src)) {
    const from = folderOf(file);
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)) {
      const spec = match[1];
      const where = `${relative(process.cwd(), file)}: "${spec}"`;
      if (!spec.startsWith(".")) {
        const other = Object.values(PACKAGES).find(
          (p) => spec === p.name || spec.startsWith(`${p.name}/`),
        );
        if (other && other.name !== PACKAGES[pkg].name && !uses.includes(other.name))
          problems.push(`${where}: ${PACKAGES[pkg].name} may not import ${other.name}`);
        continue;
      }
      const target = join(dirname(file), spec);
      if (!target.startsWith(src + sep)) {
        problems.push(`${where} leaves the package; import the other package by name`);
        continue;
      }
      const to = folderOf(target);
      if (!layout || to === from) continue;
      if (layout.throughIndex && to !== "(root)" && !/[\\/]index\.js$/.test(spec))
        problems.push(`${where} reaches inside ${to}/; import ${to}/index.js instead`);
      const allowed = layout.allowed[from];
      if (allowed === undefined)
        problems.push(
          `${where}: folder ${from} is not in the layering table of scripts/check-layers.mjs`,
        );
      else if (allowed !== null && !allowed.includes(to))
        problems.push(
          `${where}: ${from} may not import ${to} (see the layer rules in scripts/check-layers.mjs)`,
        );
    }
  }
}
if (problems.length > 0) {
  process.stderr.write(`Layering problems:\n- ${problems.join("\n- ")}\n`);
  process.exit(1);
}
process.stdout.write("layers: ok\n");
