// What `sluice arazzo run` loads before and while it runs: only what the document needs. The CLI is
// spawned (built dist/) with a module hook that records every module loaded, ESM and CommonJS.
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockServer, type MockServer } from "../../../test/support/arazzo-server.js";
import { sluiceAsync } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";

let server: MockServer;
let dir: string;
let hook: string;

beforeAll(async () => {
  server = await startMockServer();
  dir = tempDir("sluice-arazzo-startup-");
  copyFileSync("test/fixtures/arazzo/run/api.openapi.yaml", join(dir, "api.openapi.yaml"));
  // Records ESM loads through a loader hook, and CommonJS ones from require.cache at exit.
  writeFileSync(
    join(dir, "hooks.mjs"),
    `import { appendFileSync } from "node:fs";
export async function load(url, context, next) {
  appendFileSync(process.env.SLUICE_TEST_MODULES, url + "\\n");
  return next(url, context);
}
`,
  );
  writeFileSync(
    join(dir, "register.mjs"),
    `import { register, createRequire } from "node:module";
import { appendFileSync } from "node:fs";
register(${JSON.stringify(pathToFileURL(join(dir, "hooks.mjs")).href)});
const require = createRequire(import.meta.url);
const builtins = () => process.moduleLoadList.filter((m) => m.startsWith("NativeModule ")).map((m) => "builtin:" + m.slice(13));
process.on("exit", () => appendFileSync(process.env.SLUICE_TEST_MODULES, [...Object.keys(require("node:module")._cache), ...builtins()].join("\\n") + "\\n"));
`,
  );
  hook = join(dir, "register.mjs");
});
afterAll(() => server.close());

function document(name: string, criterion: string): string {
  const file = join(dir, `${name}.arazzo.yaml`);
  writeFileSync(
    file,
    `arazzo: 1.0.1
info: { title: startup, version: "1" }
sourceDescriptions: [{ name: api, url: ./api.openapi.yaml, type: openapi }]
workflows:
  - workflowId: chain
    steps:
      - stepId: first
        operationId: next
        parameters: [{ name: id, in: path, value: a }]
        successCriteria: [${criterion}]
        outputs: { next: $response.body#/next }
      - stepId: second
        operationId: next
        parameters: [{ name: id, in: path, value: $steps.first.outputs.next }]
        successCriteria: [{ condition: $statusCode == 200 }]
    outputs: { last: $steps.first.outputs.next }
`,
  );
  return file;
}

async function modulesOf(
  args: string[],
  name: string,
): Promise<{ code: number | null; modules: string[]; stdout: string; stderr: string }> {
  const record = join(dir, `${name}.modules.txt`);
  writeFileSync(record, "");
  const result = await sluiceAsync(args, {
    env: { NODE_OPTIONS: `--import ${pathToFileURL(hook).href}`, SLUICE_TEST_MODULES: record },
  });
  return { ...result, modules: readFileSync(record, "utf8").split("\n").filter(Boolean) };
}

const loads = (modules: string[], pkg: string) =>
  modules.some((m) => m.includes(`/node_modules/${pkg}/`));
const OPTIONAL = [
  "yaml",
  "ajv",
  "ajv-formats",
  "jsonpath-rfc9535",
  "jsonpath-plus",
  "xpath",
  "@xmldom/xmldom",
];

describe("sluice arazzo run loads only what the document needs", () => {
  it("a plain YAML document: no yaml package, no JSON Schema, JSONPath or XPath libraries, no https", async () => {
    const file = document("plain", "{ condition: $statusCode == 200 }");
    const { code, modules, stdout, stderr } = await modulesOf(
      ["arazzo", "run", file, "--json", "--source-url", `api=${server.url}`],
      "plain",
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ success: true, outputs: { last: "a+" } });
    expect(modules.some((m) => m.includes("/arazzo/dist/runtime/runner.js"))).toBe(true); // the hook saw the run
    expect(loads(modules, "js-yaml")).toBe(true);
    for (const pkg of OPTIONAL) expect([pkg, loads(modules, pkg)]).toEqual([pkg, false]);
    expect(modules.some((m) => m.endsWith("/arazzo/dist/criteria/criteria.js"))).toBe(false);
    expect(modules).toContain("builtin:http");
    expect(modules).not.toContain("builtin:https");
    expect(modules).not.toContain("builtin:zlib");
  });

  it("a jsonpath criterion brings in the JSONPath libraries", async () => {
    const file = document(
      "jsonpath",
      "{ context: $response.body, condition: $.next, type: jsonpath }",
    );
    const { code, modules } = await modulesOf(
      ["arazzo", "run", file, "--json", "--source-url", `api=${server.url}`],
      "jsonpath",
    );
    expect(code).toBe(0);
    expect(loads(modules, "jsonpath-rfc9535")).toBe(true);
    expect(modules.some((m) => m.endsWith("/arazzo/dist/criteria/criteria.js"))).toBe(true);
  });

  it("a diagnostic loads the yaml package, to say where the problem is", async () => {
    const file = document("invalid", "{ condition: $statusCode == 200 }");
    writeFileSync(
      file,
      readFileSync(file, "utf8").replace(
        "operationId: next\n        parameters: [{ name: id, in: path, value: a }]",
        "operationId: nope\n        parameters: [{ name: id, in: path, value: a }]",
      ),
    );
    const { code, modules, stdout } = await modulesOf(["arazzo", "validate", file], "invalid");
    expect(code).toBe(2);
    expect(stdout).toMatch(/invalid\.arazzo\.yaml:8:22: .*"nope"/);
    expect(loads(modules, "yaml")).toBe(true);
  });
});
