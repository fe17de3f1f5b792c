// The packed packages, installed into empty projects as a user installs them: what each tarball
// holds, that a client-only install pulls no native module, that the CLI runs a pipeline and loads
// the server and Arazzo packages on demand, and says which package to install when one is missing.
// Slow (it installs from the registry and builds the native SQLite module), so it runs only when
// SLUICE_TEST_PACK=1 (.ci/run sets it); the rest of `npm test` does not need it.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { root } from "./support/cli.js";
import { tempDir } from "./support/temp-dir.js";

const enabled = process.env.SLUICE_TEST_PACK === "1";
if (!enabled)
  process.stdout.write(
    "test/pack.test.ts skipped: set SLUICE_TEST_PACK=1 to pack and install the packages\n",
  );

const PACKAGES = {
  sluice: "sluice",
  client: "@sluice/client",
  server: "@sluice/server",
  arazzo: "@sluice/arazzo",
  ui: "@sluice/ui",
} as const;
type Part = keyof typeof PACKAGES;

interface PackResult {
  name: string;
  filename: string;
  files: { path: string }[];
}

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", ...env },
    timeout: 900_000,
  });
  return { code: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}

function npm(args: string[], cwd: string) {
  const result = run("npm", [...args, "--no-audit", "--no-fund"], cwd);
  if (result.code !== 0)
    throw new Error(`npm ${args.join(" ")} failed in ${cwd}:\n${result.stderr}`);
  return result.stdout;
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

function newProject(name: string): string {
  const dir = tempDir(`sluice-pack-${name}-`);
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: `try-${name}`, version: "1.0.0", private: true, type: "module" }),
  );
  return dir;
}

describe.runIf(enabled)("the packed packages", () => {
  const tarballs = {} as Record<Part, string>;
  const contents = {} as Record<Part, string[]>;
  let full: string;

  beforeAll(() => {
    const into = tempDir("sluice-tarballs-");
    const packed = JSON.parse(
      npm(["pack", "--workspaces", "--json", "--pack-destination", into], root),
    ) as PackResult[];
    for (const [part, name] of Object.entries(PACKAGES) as [Part, string][]) {
      const result = packed.find((p) => p.name === name);
      if (!result) throw new Error(`npm pack made no tarball for ${name}`);
      tarballs[part] = join(into, result.filename);
      contents[part] = result.files.map((f) => f.path);
    }
    full = newProject("full");
    npm(["install", ...Object.values(tarballs)], full);
  }, 900_000);

  it("ship what their READMEs promise: built code with types, the sources behind the source maps, the examples", () => {
    expect(contents.sluice).toEqual(
      expect.arrayContaining([
        "bin/sluice.js",
        "dist/index.js",
        "dist/index.d.ts",
        "dist/index.js.map",
        "src/index.ts",
        "dist/internal.js",
        "dist/client.js",
        "README.md",
        "examples/iris/pipeline.ts",
        "examples/iris/iris.csv",
        "examples/run-and-poll/run-and-poll.arazzo.yaml",
      ]),
    );
    expect(contents.client).toEqual(
      expect.arrayContaining([
        "dist/index.js",
        "dist/index.d.ts",
        "dist/wire.d.ts",
        "src/wire.ts",
        "README.md",
      ]),
    );
    for (const part of ["server", "arazzo"] as const)
      expect(contents[part]).toEqual(
        expect.arrayContaining([
          "dist/index.js",
          "dist/index.d.ts",
          "dist/cli.js",
          "src/cli.ts",
          "README.md",
        ]),
      );
    // The web UI ships built: the server serves these files, and needs no front-end package.
    expect(contents.ui).toEqual(
      expect.arrayContaining(["dist/index.html", "index.js", "index.d.ts", "README.md"]),
    );
    expect(contents.ui.filter((path) => path.startsWith("src/"))).toEqual([]);
    for (const list of Object.values(contents))
      expect(list.filter((path) => /\.test(-helper)?\.(ts|js)$/.test(path))).toEqual([]);
    // The examples are copied in only while packing.
    expect(existsSync(join(root, "packages/sluice/examples"))).toBe(false);
  });

  it("a client-only install pulls no native module and no other package, and works with import and require", () => {
    const project = newProject("client");
    npm(["install", tarballs.client], project);
    const installed = readdirSync(join(project, "node_modules")).filter(
      (name) => !name.startsWith("."),
    );
    expect(installed).toEqual(["@sluice"]);
    expect(readdirSync(join(project, "node_modules/@sluice"))).toEqual(["client"]);
    expect(files(join(project, "node_modules")).filter((path) => path.endsWith(".node"))).toEqual(
      [],
    );
    const esm = run(
      "node",
      [
        "--input-type=module",
        "-e",
        'const { SluiceClient } = await import("@sluice/client"); console.log(typeof SluiceClient)',
      ],
      project,
    );
    expect(esm.stdout.trim()).toBe("function");
    const cjs = run(
      "node",
      [
        "-e",
        'const { SluiceClient } = require("@sluice/client"); console.log(typeof SluiceClient)',
      ],
      project,
    );
    expect(`${cjs.stdout}${cjs.stderr}`.trim()).toBe("function");
  });

  it("the installed CLI runs a TypeScript pipeline and the shipped examples", () => {
    writeFileSync(
      join(full, "pipeline.ts"),
      'import { pipeline, step } from "sluice";\nconst one = step("one", { run: () => 1 });\nexport default pipeline("packed", { steps: [one] });\n',
    );
    const first = run(
      join(full, "node_modules/.bin/sluice"),
      ["run", "pipeline.ts", "--json"],
      full,
    );
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).status).toBe("succeeded");
    const validate = run(
      join(full, "node_modules/.bin/sluice"),
      ["arazzo", "validate", "node_modules/sluice/examples/run-and-poll/run-and-poll.arazzo.yaml"],
      full,
    );
    expect(validate.code, validate.stderr).toBe(0);
    const openapi = run(join(full, "node_modules/.bin/sluice"), ["openapi"], full);
    expect(openapi.code, openapi.stderr).toBe(0);
    expect(JSON.parse(openapi.stdout).openapi).toMatch(/^3\.1\./);
    const cjs = run(
      "node",
      [
        "-e",
        'const { step, pipeline } = require("sluice"); console.log(typeof step, typeof pipeline)',
      ],
      full,
    );
    expect(`${cjs.stdout}${cjs.stderr}`.trim()).toBe("function function");
  });

  it("names the package to install when a command needs one that is missing", () => {
    rmSync(join(full, "node_modules/@sluice/arazzo"), { recursive: true });
    rmSync(join(full, "node_modules/@sluice/server"), { recursive: true });
    const arazzo = run(
      join(full, "node_modules/.bin/sluice"),
      ["arazzo", "validate", "x.arazzo.yaml"],
      full,
    );
    expect(arazzo.code).toBe(2);
    expect(arazzo.stderr).toContain("npm install @sluice/arazzo@0.1.0");
    const server = run(
      join(full, "node_modules/.bin/sluice"),
      ["server", "--insecure-local"],
      full,
    );
    expect(server.code).toBe(2);
    expect(server.stderr).toContain("npm install @sluice/server@0.1.0");
    // Commands of the engine package itself still run.
    expect(run(join(full, "node_modules/.bin/sluice"), ["runs", "--json"], full).code).toBe(0);
  });
});
