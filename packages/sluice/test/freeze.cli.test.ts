// `sluice freeze`: the snapshot file, --compare against an edited pipeline, and runs recording the hash.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { root, sluice } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";

const module = (factor: number, extra = "") => `import { pipeline, step } from "sluice";
const load = step("load", { run: () => [1, 2, 3] });
const scale = step("scale", { inputs: { load }, run: ({ load }) => load.map((x) => x * ${factor}) });
${extra}
export default pipeline("scaling", { steps: [scale${extra ? ", audit" : ""}], version: "${factor}.0.0" });
`;

describe("sluice freeze", () => {
  it("writes the snapshot, compares a changed pipeline with it, and runs record the snapshot hash", () => {
    const dir = tempDir(".tmp-freeze-", join(root, "test/fixtures"));
    const home = tempDir("sluice-freeze-home-");
    const file = join(dir, "p.mjs");
    writeFileSync(file, module(2));
    const out = join(dir, "snapshot.json");
    expect(sluice(["freeze", file, "--out", out], { home }).code).toBe(0);
    const snapshot = JSON.parse(readFileSync(out, "utf8"));
    expect(snapshot).toMatchObject({
      format: "sluice.snapshot/1",
      pipeline: "scaling",
      version: "2.0.0",
    });
    expect(snapshot.steps.map((s: { name: string }) => s.name)).toEqual(["load", "scale"]);

    const run = JSON.parse(sluice(["run", file, "--json"], { home }).stdout);
    expect(JSON.parse(sluice(["show", run.runId, "--json"], { home }).stdout).flow).toEqual({
      version: "2.0.0",
      hash: snapshot.hash,
    });

    writeFileSync(
      file,
      module(3, `const audit = step("audit", { inputs: { load }, run: () => "ok" });`),
    );
    const same = sluice(["freeze", file, "--compare", out, "--json"], { home });
    expect(same.code, same.stderr).toBe(0);
    const comparison = JSON.parse(same.stdout);
    expect(comparison).toMatchObject({
      same: false,
      added: ["audit"],
      removed: [],
      changed: [{ step: "scale", changes: ["code"] }],
      version: { from: "2.0.0", to: "3.0.0" },
    });
    expect(sluice(["freeze", file, "--compare", out], { home }).stdout).toContain("~ scale (code)");

    const edited = JSON.parse(readFileSync(out, "utf8"));
    edited.steps[0].fingerprint = "f".repeat(32);
    writeFileSync(out, JSON.stringify(edited));
    const tampered = sluice(["freeze", file, "--compare", out], { home });
    expect(tampered.code).toBe(2);
    expect(tampered.stderr).toContain("does not match its own hash");
  });
});
