// What plain commands load: `sluice --version` and a run of a pipeline that uses no params, datasets,
// threads or server load no zod, tinypool, hono, Arrow or YAML. The CLI is spawned (built dist/) with
// a module hook that records every ES module loaded.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { sluice } from "../../../test/support/cli.js";
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
  it.each([
    ["--version", ["--version"]],
    ["a plain run", ["run", "bench/workload.mjs", "--quiet"]],
  ])("%s loads none of the heavy optional modules", (_label, args) => {
    const modules = loaded(args);
    expect(modules.length).toBeGreaterThan(2);
    expect(modules.filter((url) => heavy.some((part) => url.includes(part)))).toEqual([]);
  });
});
