import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { root } from "../../../../test/support/cli.js";
import { tempDir } from "../../../../test/support/temp-dir.js";
import { compiledUrl, importUserModule } from "./typescript.js";

/** A folder with its own node_modules, so its cache folder is known and private to the test. */
function project(files: Record<string, string>): string {
  const dir = tempDir(".tmp-loader-", join(root, "test/fixtures"));
  mkdirSync(join(dir, "node_modules"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const cacheOf = (dir: string) => join(dir, "node_modules/.cache/sluice/ts");
const cacheFiles = (dir: string) => readdirSync(cacheOf(dir)).sort();

describe("TypeScript modules through the compile cache", () => {
  it("loads a file and the TypeScript files it imports, by .js, bare and folder names", async () => {
    const dir = project({
      "main.ts": [
        'import { twice } from "./lib/twice.js";',
        'import { three } from "./lib/three";',
        'import { four } from "./lib";',
        'import data from "./data.json" with { type: "json" };',
        "interface Shape { n: number }",
        "const shape: Shape = { n: twice(three) + four + data.extra };",
        "export const n: number = shape.n;",
        "export const where = { url: import.meta.url, dir: __dirname, file: import.meta.filename };",
      ].join("\n"),
      "lib/twice.ts": "export const twice = (x: number): number => x * 2;",
      "lib/three.ts": "export const three: number = 3;",
      "lib/index.ts": "export const four: number = 4;",
      "data.json": '{ "extra": 100 }',
    });
    const module = await importUserModule(join(dir, "main.ts"));
    expect(module.n).toBe(110);
    expect(module.where).toEqual({
      url: pathToFileURL(join(dir, "main.ts")).href,
      dir,
      file: join(dir, "main.ts"),
    });
    expect(cacheFiles(dir).map((name) => name.replace(/-[0-9a-f]{16}/, ""))).toEqual([
      "index.mjs",
      "main.mjs",
      "three.mjs",
      "twice.mjs",
    ]);
  });

  it("compiles again only the file that changed, and the others' text stays the same", async () => {
    const files = {
      "entry.ts": 'import { helper } from "./helper.ts";\nexport const run = () => helper() + 1;',
      "helper.ts": "export function helper(): number { return 1; }",
    };
    const dir = project(files);
    const entryUrl = await compiledUrl(join(dir, "entry.ts"));
    const names = cacheFiles(dir);
    const before = Object.fromEntries(
      names.map((name) => [name, readFileSync(join(cacheOf(dir), name), "utf8")]),
    );
    const modified = Object.fromEntries(
      names.map((name) => [name, statSync(join(cacheOf(dir), name)).mtimeMs]),
    );

    writeFileSync(join(dir, "helper.ts"), "export function helper(): number { return 2; }");
    // A new process would check again; compileTree is what it runs (the in-process memo is per path).
    const { compileTree } = await import("./typescript.js");
    expect(await compileTree(join(dir, "entry.ts"))).toBe(entryUrl);
    for (const name of names) {
      const path = join(cacheOf(dir), name);
      if (name.startsWith("entry-")) {
        expect(statSync(path).mtimeMs).toBe(modified[name]);
        expect(readFileSync(path, "utf8")).toBe(before[name]);
      } else {
        expect(readFileSync(path, "utf8")).not.toBe(before[name]);
        expect(readFileSync(path, "utf8")).toContain("return 2");
      }
    }
  });

  it("names the file, line and column of a syntax error", async () => {
    const dir = project({ "broken.ts": "export const a = 1;\nexport const b = (;\n" });
    const error = (await importUserModule(join(dir, "broken.ts")).catch(
      (e: unknown) => e,
    )) as Error;
    expect(error.message).toContain(`${join(dir, "broken.ts")}:2:`);
    expect(error.message).toMatch(/Unexpected/);
  });

  it("leaves a file in no folder with node_modules to tsx", async () => {
    const dir = tempDir("sluice-loader-");
    writeFileSync(join(dir, "plain.ts"), "export const value: number = 7;");
    expect(await compiledUrl(join(dir, "plain.ts"))).toBeUndefined();
    expect((await importUserModule(join(dir, "plain.ts"))).value).toBe(7);
  });
});
