// sluice export / import between two homes: runs with their steps, logs and metrics, cached outputs,
// catalog entries, artifacts and API keys move; the target reuses the cache; importing again skips
// what is there; a file that is not an export, or whose artifact was changed, is refused, naming it.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sluice } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";

describe("sluice export and import", () => {
  it("moves a home's history to another, whose next run reuses the cache", () => {
    const from = tempDir("sluice-from-");
    const to = tempDir("sluice-to-");
    const first = sluice(["run", "examples/iris/pipeline.ts", "--json"], { home: from }).json();
    const file = join(tempDir("sluice-export-"), "history.jsonl");
    const exported = sluice(["export", file, "--json"], { home: from });
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.json()).toMatchObject({ runs: 1, completions: 6, datasets: 3 });

    const imported = sluice(["import", file, "--json"], { home: to });
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.json()).toMatchObject({ runs: 1, completions: 6, skipped: 0 });
    const shown = sluice(["show", first.runId, "--json"], { home: to }).json();
    expect(shown.steps).toHaveLength(6);
    expect(sluice(["logs", first.runId], { home: to }).stdout).toContain("[validate]");
    expect(sluice(["head", "iris/validate", "-n", "1"], { home: to }).stdout).toContain("setosa");
    const next = sluice(["run", "examples/iris/pipeline.ts", "--json"], { home: to }).json();
    expect(next.summary.cached).toEqual(expect.arrayContaining(["validate", "train", "report"]));

    // Again: everything is there already.
    const again = sluice(["import", file, "--json"], { home: to }).json();
    expect(again).toMatchObject({ runs: 0, completions: 0, skipped: 7 });
  });

  it("refuses a file that is not an export, or whose artifact no longer matches its hash, naming the line", () => {
    const home = tempDir("sluice-from-");
    sluice(["run", "examples/iris/pipeline.ts", "-q"], { home });
    const dir = tempDir("sluice-export-");
    const notExport = join(dir, "notes.jsonl");
    writeFileSync(notExport, '{"hello": "world"}\n');
    const refused = sluice(["import", notExport], { home: tempDir("sluice-to-") });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${notExport} is not a sluice export`);

    const file = join(dir, "history.jsonl");
    sluice(["export", file], { home });
    const lines = readFileSync(file, "utf8").split("\n");
    const at = lines.findIndex((line) => line.includes('"type":"artifact"'));
    const artifact = JSON.parse(lines[at]!);
    artifact.text = `${artifact.text} `;
    lines[at] = JSON.stringify(artifact);
    writeFileSync(file, lines.join("\n"));
    const damaged = sluice(["import", file], { home: tempDir("sluice-to-") });
    expect(damaged.code).toBe(2);
    expect(damaged.stderr).toContain(`line ${at + 1}: artifact ${artifact.ref.hash.slice(0, 12)}`);

    const missing = sluice(["import", join(dir, "nope.jsonl")], { home });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("No file");
  });
});
