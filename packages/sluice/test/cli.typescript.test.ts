// TypeScript pipeline files are loaded through the compile cache (src/loader/): what users see of it
// through the CLI. The cache itself is tested beside its code (src/loader/typescript.test.ts).
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { root, sluice } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";

describe("TypeScript pipeline files", () => {
  it("report a failing step's stack on the TypeScript file's own lines", () => {
    const { code, stdout } = sluice(["run", "test/fixtures/failing.ts", "--in-memory", "--json"]);
    expect(code).toBe(1);
    const stack = JSON.parse(stdout).firstFailure.error.stack as string;
    expect(stack).toContain(`${join(root, "test/fixtures/failing.ts")}:7:`);
  });

  it("have the code fingerprints they had under tsx, so upgrading sluice reruns nothing", () => {
    const dir = tempDir(".tmp-fingerprints-", join(root, "test/fixtures"));
    const script = join(dir, "fingerprints.mjs");
    writeFileSync(
      script,
      [
        'import { importUserModule } from "sluice/internal";',
        "const [how, file] = process.argv.slice(2);",
        'const module = how === "tsx" ? await import(file) : await importUserModule(file);',
        "const graph = module.default.graph();",
        "console.log(JSON.stringify([...graph.byName].map(([name, node]) => [name, node.def.fingerprint])));",
      ].join("\n"),
    );
    const fingerprints = (how: string, nodeArgs: string[]) => {
      const child = spawnSync(
        process.execPath,
        [...nodeArgs, script, how, join(root, "test/fixtures/basic.ts")],
        { cwd: root, encoding: "utf8" },
      );
      expect(child.status, child.stderr).toBe(0);
      return JSON.parse(child.stdout) as Array<[string, string]>;
    };
    const underTsx = fingerprints("tsx", ["--import", "tsx/esm"]);
    expect(underTsx.length).toBeGreaterThan(2);
    expect(fingerprints("cache", [])).toEqual(underTsx);
  });

  it("keep each step's code fingerprint when loaded again or when another file changes", () => {
    const dir = tempDir(".tmp-ts-", join(root, "test/fixtures"));
    const home = tempDir("sluice-ts-home-");
    const helperFile = join(dir, "helper.ts");
    const pipelineFile = join(dir, "pipeline.ts");
    const writePipeline = (startBody: string) =>
      writeFileSync(
        pipelineFile,
        [
          'import { pipeline, step } from "sluice";',
          'import { bump } from "./helper.js";',
          `const start = step("start", { run: (): number => ${startBody} });`,
          'const next = step("next", { inputs: { start }, run: ({ start }) => bump(start) });',
          'export default pipeline("ts-loading", { steps: [next] });',
        ].join("\n"),
      );
    const plan = () => {
      const preview = sluice(["preview", pipelineFile, "--json"], { home });
      expect(preview.code, preview.stderr).toBe(0);
      const steps = JSON.parse(preview.stdout).steps as Array<Record<string, string>>;
      return steps.map((s) => `${s.name}:${s.status}:${s.reason ?? ""}`);
    };
    writeFileSync(helperFile, "export const bump = (n: number): number => n + 1;\n");
    writePipeline("1");
    expect(sluice(["run", pipelineFile, "--quiet"], { home }).code).toBe(0);
    expect(plan()).toEqual(["start:complete:complete", "next:complete:complete"]);

    // The helper is not part of any step's own code (its `version` stands for it, as documented).
    writeFileSync(helperFile, "export const bump = (n: number): number => n + 2;\n");
    expect(plan()).toEqual(["start:complete:complete", "next:complete:complete"]);

    writePipeline("2");
    expect(plan()).toEqual(["start:pending:code-changed", "next:pending:upstream-changed"]);
  });
});
