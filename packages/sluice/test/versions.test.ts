// Versions by name, through the real CLI: every run records its definition's snapshot; `sluice
// versions` lists versions with their first and last runs; `sluice compare --version V FILE` and
// `pipeline.compareWith(V)` set today's definition beside the recorded one, with metrics side by side.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { homeStores, loadPipeline } from "sluice/internal";
import { root, sluice } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";

/** A small training pipeline; `edited` changes the train step's body and adds a step. */
function source(version: string, edited: boolean): string {
  return `import { metrics, pipeline, step } from "sluice";
import { z } from "zod";
const load = step("load", { run: () => [1, 2, 3, 4] });
const train = step("train", {
  inputs: { load },
  params: { rate: z.number().default(0.1) },
  run: ({ load, params }) => metrics({ accuracy: ${edited ? "0.9" : "0.8"}, rows: load.length * params.rate }),
});
${edited ? 'const report = step("report", { inputs: { train }, run: ({ train }) => train.accuracy });\n' : ""}export default pipeline("trainer", { version: "${version}", steps: [${edited ? "report" : "train"}] });
`;
}

describe("versions by name", () => {
  it("lists versions with their runs, and compares today's definition with a recorded version", async () => {
    const dir = tempDir(".tmp-versions-", join(root, "test/fixtures"));
    const file = join(dir, "trainer.ts");
    const home = tempDir();
    writeFileSync(file, source("1.0.0", false));
    expect(sluice(["run", file], { home }).code).toBe(0);
    writeFileSync(file, source("1.1.0", true));
    expect(sluice(["run", file], { home }).code).toBe(0);
    expect(sluice(["run", file, "-p", "rate=0.5"], { home }).code).toBe(0);

    const versions = sluice(["versions", "trainer", "--json"], { home }).json().versions;
    expect(
      versions.map((v: { version: string; runs: number; lastRun: { status: string } }) => [
        v.version,
        v.runs,
        v.lastRun.status,
      ]),
    ).toEqual([
      ["1.1.0", 2, "succeeded"],
      ["1.0.0", 1, "succeeded"],
    ]);
    const table = sluice(["versions", "trainer"], { home }).stdout;
    expect(table).toMatch(/VERSION\s+HASH\s+RUNS\s+FIRST RUN\s+LAST RUN\s+LAST OUTCOME/);

    const compared = sluice(["compare", "--version", "1.0.0", file, "--json"], { home });
    expect(compared.code, compared.stderr).toBe(0);
    const diff = compared.json();
    expect(diff.from.version).toBe("1.0.0");
    expect(diff.to.version).toBe("1.1.0");
    expect(diff.changes.added).toEqual(["report"]);
    expect(diff.changes.removed).toEqual([]);
    expect(diff.changes.changed).toEqual([{ step: "train", changes: ["code"] }]);
    expect(diff.metrics).toEqual(
      expect.arrayContaining([
        { step: "train", name: "accuracy", a: 0.8, b: 0.9, delta: expect.closeTo(0.1, 10) },
        { step: "train", name: "rows", a: 0.4, b: 2, delta: 1.6 },
      ]),
    );
    const text = sluice(["compare", "--version", "1.0.0", file], { home }).stdout;
    expect(text).toContain("+ report (added)");
    expect(text).toContain("~ train (code changed)");
    expect(text).toMatch(/train\s+accuracy\s+0\.8\s+0\.9\s+\+0\.1/);

    // The same from the API, on the same home.
    const pipeline = await loadPipeline(file);
    const stores = await homeStores(home, { recover: false });
    const viaApi = await pipeline.compareWith("1.0.0", { stores });
    expect(viaApi.changes.added).toEqual(["report"]);
    expect(viaApi.from.runId).toBe(diff.from.runId);
  });

  it("refuses an unknown version, listing the known ones, with exit 2", () => {
    const dir = tempDir(".tmp-versions-", join(root, "test/fixtures"));
    const file = join(dir, "trainer.ts");
    const home = tempDir();
    writeFileSync(file, source("2.0.0", false));
    expect(sluice(["run", file], { home }).code).toBe(0);
    const unknown = sluice(["compare", "--version", "0.9.0", file], { home });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      'No version "0.9.0" of pipeline "trainer". Known versions: 2.0.0.',
    );
    const none = sluice(["versions", "nothing"], { home });
    expect(none.stdout).toContain('No versions of pipeline "nothing" recorded.');
  });
});
