// The seed's own document, verbatim ("Dataiku Run Scenario and Poll to Completion"): it uses a bare
// expression in its Authorization values ("Bearer $inputs.apiKey") and JSONPath criteria written as
// comparisons ("$.running == true"). It runs as meant, with one warning per place.
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runArazzo, validateArazzo, type Diagnostic } from "../src/index.js";
import { MemoryStore } from "sluice/internal";
import { startDataikuMock } from "../../../test/support/dataiku-server.js";
import { root, sluiceAsync } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";

const SEED = "test/fixtures/arazzo/dataiku/workflows/dataiku-run-scenario-and-poll-workflow.yml";
const inputs = { apiKey: "dss-key-0c1f", projectKey: "SALES", scenarioId: "nightly" };

describe("the seed's Dataiku run-and-poll document, unchanged", () => {
  it("validates with one warning per bare expression and per JSONPath comparison, each with its rewrite; --strict makes them errors", async () => {
    const { diagnostics, warnings } = await validateArazzo(SEED);
    expect(diagnostics).toEqual([]);
    const hints = warnings.map((w) => w.hint);
    expect(hints.filter((h) => h === 'write "Bearer {$inputs.apiKey}"')).toHaveLength(3);
    expect(hints).toContain('write "$[?@.running == true]"');
    expect(hints).toContain('write "$[?@.running == false]"');
    expect(warnings).toHaveLength(5);
    expect(warnings.every((w) => w.severity === "warning" && w.line > 0)).toBe(true);
    const strict = await validateArazzo(SEED, { strict: true });
    expect(strict.diagnostics).toHaveLength(5);
    expect(strict.warnings).toEqual([]);
  });

  it("checks the scenario, triggers it once, polls a 30 s scenario at a 1 s doubling pace until it stopped, and outputs runId and lastRun", async () => {
    let now = Date.now();
    const waits: number[] = [];
    const clock = {
      now: () => now,
      sleep: async (ms: number) => void (waits.push(ms), (now += ms)),
    };
    const dss = await startDataikuMock({
      apiKey: inputs.apiKey,
      durationMs: 30_000,
      now: clock.now,
    });
    try {
      const warnings: Diagnostic[] = [];
      const result = await runArazzo({
        file: SEED,
        inputs,
        sourceUrls: { dssPublicApi: dss.url },
        runs: new MemoryStore(),
        env: {},
        clock,
        onWarning: (w) => warnings.push(w),
      });
      expect(result).toMatchObject({
        success: true,
        workflowId: "run-scenario-and-poll",
        outputs: { runId: "run-1", lastRun: { runId: "run-1", outcome: "SUCCESS" } },
      });
      expect(dss.count("GET scenario")).toBe(1);
      expect(dss.count("POST run")).toBe(1);
      // Polls at 0, 1, 3, 7, 15 and 31 s of mock time: running until 30 s.
      expect(waits).toEqual([1000, 2000, 4000, 8000, 16000]);
      expect(dss.count("GET light")).toBe(6);
      expect(dss.calls.every((call) => call.authorization === `Bearer ${inputs.apiKey}`)).toBe(
        true,
      );
      expect(warnings).toHaveLength(5);
    } finally {
      await dss.close();
    }
  });

  it("runs from the CLI: warnings on stderr, only the JSON result on stdout, the key never printed", async () => {
    const dss = await startDataikuMock({ apiKey: inputs.apiKey, durationMs: 0 });
    try {
      const args = Object.entries(inputs).flatMap(([name, value]) => [
        "--input",
        `${name}=${value}`,
      ]);
      const ran = await sluiceAsync([
        "arazzo",
        "run",
        SEED,
        "--json",
        ...args,
        "--source-url",
        `dssPublicApi=${dss.url}`,
      ]);
      expect(ran.code).toBe(0);
      const result = JSON.parse(ran.stdout);
      expect(result).toMatchObject({
        success: true,
        outputs: { runId: "run-1", lastRun: { outcome: "SUCCESS" } },
      });
      expect(ran.stderr).toMatch(
        /dataiku-run-scenario-and-poll-workflow\.yml:\d+:\d+: warning: .*"Bearer \$inputs\.apiKey" holds a runtime expression without braces/,
      );
      expect(ran.stderr).toContain('(write "Bearer {$inputs.apiKey}")');
      expect(ran.stderr).toContain('(write "$[?@.running == true]")');
      expect(ran.stdout + ran.stderr).not.toContain(inputs.apiKey);

      // A rejected key: the failure is printed once, with the status and what the server said.
      const refused = await sluiceAsync([
        "arazzo",
        "run",
        SEED,
        ...args.map((a) => a.replace(inputs.apiKey, "wrong-key")),
        "--source-url",
        `dssPublicApi=${dss.url}`,
      ]);
      expect(refused.code).toBe(1);
      expect(refused.stderr.match(/answered 401/g)).toHaveLength(1);
      expect(refused.stderr).toContain(
        'answered 401: {"errorType":"Unauthorized","message":"no valid API key"}',
      );

      const validated = await sluiceAsync(["arazzo", "validate", SEED]);
      expect(validated.code).toBe(0);
      expect(validated.stderr).toContain("warning:");
      const strict = await sluiceAsync(["arazzo", "validate", SEED, "--strict"]);
      expect(strict.code).toBe(2);
      expect(strict.stdout).toContain('write "Bearer {$inputs.apiKey}"');
    } finally {
      await dss.close();
    }
  });

  it("sluice arazzo fix writes the standard forms beside it (only those values change), and --write rewrites it", async () => {
    const dir = tempDir("sluice-fix-");
    mkdirSync(join(dir, "workflows"));
    mkdirSync(join(dir, "openapi"));
    const original = join(dir, "workflows", "flow.yml");
    copyFileSync(join(root, SEED), original);
    copyFileSync(
      join(root, "test/fixtures/arazzo/dataiku/openapi/dataiku-public-api-openapi.yml"),
      join(dir, "openapi", "dataiku-public-api-openapi.yml"),
    );
    const before = readFileSync(original, "utf8");
    const fixed = await sluiceAsync(["arazzo", "fix", original]);
    expect(fixed.code).toBe(0);
    expect(fixed.stderr).toContain("5 fixes");
    expect(readFileSync(original, "utf8")).toBe(before);
    const after = readFileSync(join(dir, "workflows", "flow.fixed.yml"), "utf8");
    const changed = before.split("\n").filter((line, i) => line !== after.split("\n")[i]);
    expect(changed).toHaveLength(5);
    expect(after).toContain('value: "Bearer {$inputs.apiKey}"');
    expect(after).toContain('condition: "$[?@.running == false]"');
    expect(
      (
        await sluiceAsync([
          "arazzo",
          "validate",
          "--strict",
          join(dir, "workflows", "flow.fixed.yml"),
        ])
      ).code,
    ).toBe(0);
    expect((await sluiceAsync(["arazzo", "fix", original, "--write"])).code).toBe(0);
    expect(readFileSync(original, "utf8")).toBe(after);
    expect((await sluiceAsync(["arazzo", "fix", original])).stderr).toContain("nothing to fix");
  });
});
