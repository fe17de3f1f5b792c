import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { root, sluice, startSluice } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";

const fixture = (name: string) => `test/fixtures/${name}`;

function json(stdout: string) {
  return JSON.parse(stdout) as Record<string, any>;
}

describe("sluice run", () => {
  it("runs a TypeScript pipeline, prints the summary and exits 0", () => {
    const { code, stdout, stderr } = sluice(["run", fixture("basic.ts")]);
    expect(code).toBe(0);
    expect(stdout).toContain("sluice execution summary");
    expect(stdout).toContain("4 ran");
    expect(stderr).toContain("doubling 5 numbers");
    expect(stderr).not.toContain("debug detail");
  });

  it("--json prints only the result, with outputs inline and per-step details", () => {
    const { code, stdout } = sluice(["run", fixture("basic.ts"), "--json", "--param", "n=3"]);
    expect(code).toBe(0);
    const result = json(stdout);
    expect(result.success).toBe(true);
    expect(result.status).toBe("succeeded");
    expect(result.outputs.total).toEqual({ sum: 12 });
    expect(result.outputs.numbers).toEqual([1, 2, 3]);
    expect(result.steps.total).toMatchObject({
      status: "succeeded",
      reason: "missing-output",
      attempts: 1,
      cached: false,
    });
    expect(typeof result.runId).toBe("string");
    expect(result.summary.ran).toHaveLength(4);
  });

  it("parses --param values as JSON when they parse, else as strings", () => {
    const { code, stdout } = sluice([
      "run",
      fixture("basic.ts"),
      "--json",
      "--param",
      "prefix=abc",
      "--param",
      "n=2",
    ]);
    expect(code).toBe(0);
    expect(json(stdout).outputs.label).toBe("abc-label");
    expect(json(stdout).outputs.numbers).toEqual([1, 2]);
  });

  it("refuses __proto__, constructor and prototype keys in --param, --param-set and Arazzo --input/--inputs, before anything runs", () => {
    for (const args of [
      ["--param", '__proto__={"n":7}'],
      ["--param", 'prefix={"a":{"constructor":1}}'],
      ["--param", "prototype=1"],
    ]) {
      const { code, stdout } = sluice(["run", fixture("basic.ts"), "--json", ...args]);
      expect(code).toBe(2);
      expect(json(stdout).error).toMatchObject({
        code: "invalid-usage",
        message: expect.stringContaining("is not allowed"),
      });
    }
    const dir = tempDir("sluice-proto-");
    writeFileSync(join(dir, "sets.json"), '{"a":{"__proto__":{"n":7}}}');
    expect(
      sluice(["run", fixture("basic.ts"), "--param-set", join(dir, "sets.json")]).stderr,
    ).toContain('"a.__proto__" is not allowed');
    const arazzo = sluice([
      "arazzo",
      "run",
      fixture("arazzo/run-and-poll.arazzo.yaml"),
      "--inputs",
      '{"__proto__":{"scenarioId":"x"}}',
    ]);
    expect(arazzo.code).toBe(2);
    expect(arazzo.stderr).toContain('"__proto__" is not allowed');
  });

  it("shows debug logs with --log-level debug and hides info logs with --log-level warn", () => {
    expect(sluice(["run", fixture("basic.ts"), "--log-level", "debug"]).stderr).toContain(
      "debug detail",
    );
    expect(sluice(["run", fixture("basic.ts"), "--log-level", "warn"]).stderr).not.toContain(
      "doubling",
    );
  });

  it("--quiet prints no tree and no summary", () => {
    const { code, stdout, stderr } = sluice(["run", fixture("basic.ts"), "--quiet"]);
    expect(code).toBe(0);
    expect(stdout).toBe("");
    expect(stderr).not.toContain("numbers");
  });

  it("exits 2 with a JSON error for an invalid parameter, before any step runs", () => {
    const { code, stdout, stderr } = sluice([
      "run",
      fixture("basic.ts"),
      "--json",
      "--param",
      "n=-4",
    ]);
    expect(code).toBe(2);
    const { error } = json(stdout);
    expect(error.code).toBe("invalid-param");
    expect(error.message).toContain('"n"');
    expect(error.message).toContain('"numbers"');
    expect(stderr).not.toContain("doubling");
  });

  it("exits 2 for an unknown parameter and suggests the near name", () => {
    const { code, stderr } = sluice(["run", fixture("basic.ts"), "--param", "nn=3"]);
    expect(code).toBe(2);
    expect(stderr).toContain('Unknown parameter "nn"');
    expect(stderr).toContain('Did you mean "n"');
  });

  it("exits 2 with the cycle printed for a pipeline with a dependency cycle", () => {
    const { code, stdout } = sluice(["run", fixture("cycle.ts"), "--json"]);
    expect(code).toBe(2);
    const { error } = json(stdout);
    expect(error.code).toBe("dependency-cycle");
    expect(error.message).toMatch(/a -> b -> a|b -> a -> b/);
  });

  it("exits 1 when a step fails; downstream is skipped, the independent branch finishes", () => {
    const { code, stdout } = sluice(["run", fixture("failing.ts"), "--json"]);
    expect(code).toBe(1);
    const result = json(stdout);
    expect(result.success).toBe(false);
    expect(result.status).toBe("failed");
    expect(result.firstFailure.step).toBe("broken");
    expect(result.firstFailure.error.message).toBe("the data file is corrupt");
    expect(result.steps.broken.error.stack).toContain("failing.ts");
    expect(result.steps.after).toMatchObject({ status: "skipped", reason: "upstream-failed" });
    expect(result.steps.independent.status).toBe("succeeded");
    expect(result.outputs.independent).toBe(10);
  });

  it("prints the first failure on stderr without --json", () => {
    const { code, stderr } = sluice(["run", fixture("failing.ts")]);
    expect(code).toBe(1);
    expect(stderr).toContain('First failure: step "broken"');
    expect(stderr).toContain("the data file is corrupt");
  });

  it("--target runs only that step and what it needs", () => {
    const result = json(
      sluice(["run", fixture("basic.ts"), "--json", "--target", "doubled"]).stdout,
    );
    expect(Object.keys(result.steps).sort()).toEqual(["doubled", "numbers"]);
  });

  it("--force and --force-all mark steps forced", () => {
    const forced = json(
      sluice(["run", fixture("basic.ts"), "--json", "--force", "doubled"]).stdout,
    );
    expect(forced.steps.doubled.reason).toBe("forced");
    const all = json(sluice(["run", fixture("basic.ts"), "--json", "--force-all"]).stdout);
    expect(Object.values(all.steps).every((s: any) => s.reason === "forced")).toBe(true);
  });

  it("exits 2 for a --force naming an unknown step", () => {
    const { code, stdout } = sluice(["run", fixture("basic.ts"), "--json", "--force", "doubeld"]);
    expect(code).toBe(2);
    expect(json(stdout).error.code).toBe("unknown-step");
    expect(json(stdout).error.message).toContain('Did you mean "doubled"');
  });

  it("picks a named export with --pipeline and explains when several exist", () => {
    expect(
      json(sluice(["run", fixture("several.mjs"), "--pipeline", "second", "--json"]).stdout).outputs
        .two,
    ).toBe(2);
    expect(
      json(
        sluice(["run", fixture("several.mjs"), "--pipeline", "second-pipeline", "--json"]).stdout,
      ).pipeline,
    ).toBe("second-pipeline");
    const ambiguous = sluice(["run", fixture("several.mjs")]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain("--pipeline");
  });

  it("exits 2 for a missing file or a module without a pipeline", () => {
    const missing = sluice(["run", "test/fixtures/nope.ts", "--json"]);
    expect(missing.code).toBe(2);
    expect(json(missing.stdout).error.message).toContain("not found");
    const empty = sluice(["run", fixture("no-pipeline.mjs")]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("exports no pipeline");
  });

  it("Ctrl-C cancels the run: the step gets its signal, the run is cancelled, exit 130", async () => {
    const run = startSluice(["run", fixture("slow.ts"), "--json"]);
    await run.waitForStderr("wait: started");
    run.child.kill("SIGINT");
    const { code, stdout } = await run.result;
    expect(code).toBe(130);
    const result = json(stdout);
    expect(result.status).toBe("cancelled");
    expect(result.steps.wait.status).toBe("cancelled");
    expect(result.steps.next.status).toBe("cancelled");
  });
});

describe("sluice preview", () => {
  it("--json lists every step with status and reason", () => {
    const { code, stdout } = sluice(["preview", fixture("basic.ts"), "--json"]);
    expect(code).toBe(0);
    const { steps } = json(stdout);
    expect(steps.map((s: any) => s.name).sort()).toEqual(["doubled", "label", "numbers", "total"]);
    for (const s of steps) expect(s).toMatchObject({ status: "pending", reason: "missing-output" });
  });

  it("prints a dependency tree, final steps first", () => {
    const { stdout } = sluice(["preview", fixture("basic.ts"), "--param", "n=7"]);
    const lines = stdout.split("\n");
    const total = lines.findIndex((l) => l.includes("[total"));
    const numbers = lines.findIndex((l) => l.includes('[numbers {"n":7}'));
    expect(total).toBeGreaterThanOrEqual(0);
    expect(numbers).toBeGreaterThan(total);
    expect(stdout).toContain("4 of 4 steps would run");
  });

  it("--target limits the plan", () => {
    const { steps } = json(
      sluice(["preview", fixture("basic.ts"), "--json", "--target", "label"]).stdout,
    );
    expect(steps.map((s: any) => s.name)).toEqual(["label"]);
  });
});

describe("sluice graph", () => {
  it("prints the execution order with dependencies", () => {
    const { code, stdout } = sluice(["graph", fixture("basic.ts")]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/\d\. doubled {2}<- numbers/);
    expect(stdout.indexOf("numbers")).toBeLessThan(stdout.indexOf("doubled"));
  });

  it("prints Mermaid and Graphviz source", () => {
    expect(sluice(["graph", fixture("basic.ts"), "--format", "mermaid"]).stdout).toMatch(
      /^flowchart TD[\s\S]*n\d --> n\d/,
    );
    expect(sluice(["graph", fixture("basic.ts"), "--format", "dot"]).stdout).toContain(
      '"numbers" -> "doubled";',
    );
    expect(sluice(["graph", fixture("basic.ts"), "--format", "svg"]).code).toBe(2);
  });

  it("--json gives the steps in execution order with their upstream steps, after-only ones and params", () => {
    const dir = tempDir(".tmp-graph-", join(root, "test/fixtures")); // beside the package, so it imports "sluice"
    const file = join(dir, "ordered.mjs");
    writeFileSync(
      file,
      `import { pipeline, step } from "sluice";
import { z } from "zod";
const load = step("load", { params: { rows: z.number().default(3) }, run: ({ params }) => params.rows });
const audit = step("audit", { run: () => "ok" });
const report = step("report", { inputs: { load }, after: [audit], run: ({ load }) => load });
export default pipeline("ordered", { steps: [report] });
`,
    );
    const graph = json(sluice(["graph", file, "--json"]).stdout);
    expect(graph.pipeline).toBe("ordered");
    expect(graph.steps.map((s: any) => s.name).at(-1)).toBe("report");
    expect(graph.steps.find((s: any) => s.name === "report")).toEqual({
      name: "report",
      deps: ["load", "audit"],
      after: ["audit"],
      params: [],
    });
    expect(graph.steps.find((s: any) => s.name === "load")).toEqual({
      name: "load",
      deps: [],
      after: [],
      params: ["rows"],
    });
    expect(sluice(["graph", file, "--format", "json"]).stdout).toBe(
      sluice(["graph", file, "--json"]).stdout,
    );
  });
});

describe("files that are not pipeline modules", () => {
  it("an Arazzo document given to sluice run points to sluice arazzo run; other files say what is expected", () => {
    for (const document of [
      "test/fixtures/arazzo/run-and-poll.arazzo.yaml",
      "test/fixtures/arazzo/status-check.arazzo.json",
    ]) {
      const { code, stderr } = sluice(["run", document]);
      expect(code).toBe(2);
      expect(stderr).toContain(
        `is an Arazzo document, not a pipeline module. Run it with: sluice arazzo run ${join(root, document)}`,
      );
    }
    const other = sluice(["preview", "package.json"]);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain("is not a JavaScript or TypeScript module (.json)");
  });
});

describe("the iris example", () => {
  it("runs with few trees, and an out-of-range parameter is an invalid-param before anything runs", () => {
    expect(sluice(["run", "examples/iris/pipeline.ts", "--param", "trees=3", "--quiet"]).code).toBe(
      0,
    );
    const tooMany = sluice(["run", "examples/iris/pipeline.ts", "--param", "trees=5000", "--json"]);
    expect(tooMany.code).toBe(2);
    expect(json(tooMany.stdout).error).toMatchObject({
      code: "invalid-param",
      message: expect.stringContaining('Invalid parameter "trees" (step "train")'),
    });
  });
});

describe("retries in plain output", () => {
  it("are told once: by the step's warn log, or by one line when warnings are hidden", () => {
    const shown = sluice(["run", fixture("flaky.mjs")]);
    expect(shown.code).toBe(0);
    expect(shown.stderr.match(/attempt 1 failed/g)).toHaveLength(1);
    expect(shown.stderr).toContain("[flaky] warn attempt 1 failed: boom 1; retrying in 1 ms");
    const quiet = sluice(["run", fixture("flaky.mjs"), "--log-level", "error"]);
    expect(quiet.stderr.match(/attempt 1 failed/g)).toHaveLength(1);
    expect(quiet.stderr).toContain("↻ flaky attempt 1 failed (boom 1); retrying in 1 ms");
  });
});

describe("--home", () => {
  it("a home that cannot be made is refused at once, naming the path (a recursive mkdir under /proc never returned)", () => {
    for (const [home, reason] of [
      ["/proc/nope", "ENOENT"],
      ["/etc/hostname/x", "ENOTDIR"],
    ] as const) {
      const child = sluice(["runs", "--home", home], {
        env: { SLUICE_HOME: undefined },
        timeoutMs: 60_000,
      });
      expect(child.signal).toBeNull(); // not killed by the guard: it answered
      expect(child.code).toBe(1);
      expect(child.stderr).toContain(
        `error [store-unwritable]: Cannot create the sluice home ${home}: ${reason}`,
      );
    }
  });
});

describe("--no-color", () => {
  it("is taken by every command, anywhere on the line, and wins over FORCE_COLOR", () => {
    const home = tempDir("sluice-color-");
    const env = { NO_COLOR: undefined, FORCE_COLOR: "1" };
    const colored = sluice(["run", fixture("failing.ts")], { home, env });
    expect(colored.stdout + colored.stderr).toContain("\u001b[");
    for (const args of [
      ["--no-color", "run", fixture("failing.ts")],
      ["run", fixture("failing.ts"), "--no-color"],
    ]) {
      const plain = sluice(args, { home, env });
      expect(plain.code).toBe(1);
      expect(plain.stdout + plain.stderr).toContain("the data file is corrupt");
      expect(plain.stdout + plain.stderr).not.toContain("\u001b[");
    }
  });
});

describe("sluice (program)", () => {
  it("--version and --help exit 0; an unknown command exits 2", () => {
    const version = sluice(["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const help = sluice(["run", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--force-all");
    expect(sluice(["frobnicate"]).code).toBe(2);
  });
});
