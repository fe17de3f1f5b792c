// What plain commands load: a run of a pipeline that uses no params, datasets, threads or server loads
// no zod, tinypool, hono, Arrow or YAML; `sluice --version` loads nothing but the bin script. The CLI is spawned (built dist/) with
// a module hook that records every ES module loaded.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { root, sluice } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";

const dir = tempDir("sluice-startup-");
writeFileSync(
  join(dir, "hooks.mjs"),
  `import { appendFileSync } from "node:fs";\nexport async function load(url, context, next) {\n  appendFileSync(process.env.SLUICE_TEST_MODULES, url + "\\n");\n  return next(url, context);\n}\n`,
);
writeFileSync(
  join(dir, "register.mjs"),
  `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(join(dir, "hooks.mjs")).href)});\n`,
);

function loaded(args: string[]): string[] {
  const list = join(dir, `modules-${Math.random().toString(16).slice(2)}.txt`);
  writeFileSync(list, "");
  const child = sluice(args, {
    nodeArgs: ["--import", pathToFileURL(join(dir, "register.mjs")).href],
    env: { SLUICE_TEST_MODULES: list, SLUICE_BENCH_WORKLOAD: "w2", SLUICE_BENCH_N: "20" },
  });
  expect(child.code, child.stderr).toBe(0);
  return readFileSync(list, "utf8").trim().split("\n");
}

const heavy = [
  "/node_modules/zod/",
  "/node_modules/tinypool/",
  "/node_modules/hono/",
  "/node_modules/@hono/",
  "/node_modules/apache-arrow/",
  "/node_modules/yaml/",
  "/node_modules/ajv/",
];

describe("start-up", () => {
  it("a plain run loads none of the heavy optional modules", () => {
    const modules = loaded(["run", "bench/workload.mjs", "--quiet"]);
    expect(modules.some((url) => url.endsWith("/dist/cli.js"))).toBe(true); // the hook saw the CLI
    expect(modules.filter((url) => heavy.some((part) => url.includes(part)))).toEqual([]);
  });

  it.each([["--version"], ["-V"]])(
    "%s is answered by the bin script alone, with the package's version",
    (flag) => {
      const modules = loaded([flag]);
      expect(modules.some((url) => url.endsWith("/bin/sluice.js"))).toBe(true);
      expect(modules.filter((url) => url.includes("/dist/"))).toEqual([]);
      const { version } = JSON.parse(
        readFileSync(join(root, "packages/sluice/package.json"), "utf8"),
      );
      expect(sluice([flag]).stdout).toBe(`${version}\n`);
    },
  );
});
