import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryStores, pipeline, step } from "sluice";
import { root, sluice } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";

function chain(calls: Record<string, number>) {
  const hit = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);
  const a = step("a", {
    params: { n: z.number().default(1) },
    run: ({ params }) => (hit("a"), params.n),
  });
  const b = step("b", { inputs: { a }, run: ({ a }) => (hit("b"), a + 1) });
  const c = step("c", { inputs: { b }, run: ({ b }) => (hit("c"), b + 1) });
  const side = step("side", { run: () => (hit("side"), "x") });
  return pipeline("chain", { steps: [c, side] });
}

describe("reset", () => {
  it("invalidates a step and its downstream for the given params; the next run says reset", async () => {
    const stores = memoryStores();
    const calls: Record<string, number> = {};
    const p = chain(calls);
    await p.run({ stores });
    await p.run({ stores, params: { n: 5 } });
    const dry = await p.reset("b", { stores, dryRun: true });
    expect(dry).toEqual({ steps: ["b", "c"], invalidated: 2, dryRun: true });
    const result = await p.reset("b", { stores });
    expect(result).toEqual({ steps: ["b", "c"], invalidated: 2, dryRun: false });
    const preview = await p.preview({ stores });
    expect(
      Object.fromEntries(preview.steps.map((s) => [s.name, `${s.status}:${s.reason}`])),
    ).toEqual({
      a: "complete:complete",
      b: "pending:reset",
      c: "pending:upstream-changed",
      side: "complete:complete",
    });
    expect(
      (await p.preview({ stores, params: { n: 5 } })).steps.every((s) => s.status === "complete"),
    ).toBe(true);
    await p.run({ stores });
    expect(calls).toEqual({ a: 2, b: 3, c: 3, side: 1 });
  });

  it("from the CLI: --dry-run shows, --yes resets, and the next run recomputes", () => {
    const home = tempDir();
    sluice(["run", "test/fixtures/basic.ts", "--quiet"], { home });
    const dry = sluice(["reset", "test/fixtures/basic.ts", "doubled", "--dry-run", "--json"], {
      home,
    }).json();
    expect(dry).toMatchObject({ steps: ["doubled", "total"], dryRun: true });
    // No terminal to ask on and no --yes: refused, saying what it would reset; nothing is reset.
    const unconfirmed = sluice(["reset", "test/fixtures/basic.ts", "doubled"], { home });
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain(
      'Not resetting without confirmation: it would reset 2 step(s) of "basic": doubled, total. Pass --yes',
    );
    expect(
      sluice(["preview", "test/fixtures/basic.ts", "--json"], { home })
        .json()
        .steps.every((s: { status: string }) => s.status === "complete"),
    ).toBe(true);
    const done = sluice(["reset", "test/fixtures/basic.ts", "doubled", "--yes"], { home });
    expect(done.code).toBe(0);
    expect(done.stdout).toContain("Reset 2 step(s): doubled, total");
    const rerun = sluice(["run", "test/fixtures/basic.ts", "--json"], { home }).json();
    expect(rerun.summary.ran.sort()).toEqual(["doubled", "total"]);
    expect(rerun.steps.doubled.reason).toBe("reset");
    expect(sluice(["reset", "test/fixtures/basic.ts", "nope", "--yes"], { home }).code).toBe(2);
  });
});

describe("reset on a terminal", () => {
  // `script` gives the command a pseudo-terminal, so it asks before resetting.
  const hasScript = spawnSync("script", ["--version"], { encoding: "utf8" }).status === 0;
  it.skipIf(!hasScript)("asks for confirmation and resets only on yes", () => {
    const home = tempDir();
    sluice(["run", "test/fixtures/basic.ts", "--quiet"], { home });
    const ask = (answer: string) =>
      spawnSync(
        "script",
        [
          "-qec",
          "node packages/sluice/bin/sluice.js reset test/fixtures/basic.ts doubled",
          "/dev/null",
        ],
        {
          cwd: root,
          encoding: "utf8",
          input: `${answer}\n`,
          env: { ...process.env, NO_COLOR: "1", SLUICE_HOME: home },
        },
      ).stdout;
    const declined = ask("n");
    expect(declined).toContain("[y/N]");
    expect(declined).toContain("Nothing was reset.");
    expect(
      sluice(["preview", "test/fixtures/basic.ts", "--json"], { home })
        .json()
        .steps.every((s: { status: string }) => s.status === "complete"),
    ).toBe(true);
    expect(ask("y")).toContain("Reset 2 step(s): doubled, total");
    expect(
      sluice(["preview", "test/fixtures/basic.ts", "--json"], { home })
        .json()
        .steps.find((s: { name: string }) => s.name === "doubled").reason,
    ).toBe("reset");
  });
});

describe("external files", () => {
  it("reruns a step whose declared file changed, with input-data-changed", () => {
    const home = tempDir();
    const data = join(tempDir(), "numbers.txt");
    copyFileSync(join(root, "test/fixtures/data/numbers.txt"), data);
    const env = { DATA_FILE: data };
    expect(
      sluice(["run", "test/fixtures/with-file.ts", "--json"], { home, env }).json().outputs.sum,
    ).toBe(6);
    expect(
      sluice(["preview", "test/fixtures/with-file.ts", "--json"], { home, env }).json().steps[0],
    ).toMatchObject({ name: "load", status: "complete" });
    writeFileSync(data, "10\n20\n");
    const preview = sluice(["preview", "test/fixtures/with-file.ts", "--json"], {
      home,
      env,
    }).json();
    expect(preview.steps.map((s: { reason: string }) => s.reason)).toEqual([
      "input-data-changed",
      "upstream-changed",
    ]);
    expect(
      sluice(["run", "test/fixtures/with-file.ts", "--json"], { home, env }).json().outputs.sum,
    ).toBe(30);
    const missing = sluice(["run", "test/fixtures/with-file.ts", "--json"], {
      home,
      env: { DATA_FILE: join(tempDir(), "absent.txt") },
    });
    expect(missing.code).toBe(2);
    expect(missing.json().error).toMatchObject({
      code: "missing-input",
      message: expect.stringContaining("absent.txt"),
    });
  });

  it("a relative path is from the declaring module's folder, and the default home is the workspace root's: a subfolder finds the same cache", () => {
    // A workspace beside the package (so its module imports "sluice"), marked by its sluice.config.json.
    const workspace = tempDir(".tmp-workspace-", join(root, "test/fixtures"));
    mkdirSync(join(workspace, "pipelines/data"), { recursive: true });
    mkdirSync(join(workspace, "notebooks"));
    writeFileSync(
      join(workspace, "sluice.config.json"),
      JSON.stringify({ project: "ws", pipelines: ["./pipelines/with-file.ts"] }),
    );
    copyFileSync(
      join(root, "test/fixtures/with-file.ts"),
      join(workspace, "pipelines/with-file.ts"),
    );
    writeFileSync(join(workspace, "pipelines/data/numbers.txt"), "4\n5\n");
    // No SLUICE_HOME: the home is the workspace root's .sluice.
    const run = (cwd: string, file: string) =>
      sluice(["run", file, "--json"], {
        cwd,
        env: { SLUICE_HOME: undefined, DATA_FILE: undefined },
      }).json();
    const first = run(join(workspace, "notebooks"), "../pipelines/with-file.ts");
    expect(first.outputs.sum).toBe(9);
    expect(existsSync(join(workspace, ".sluice/sluice.db"))).toBe(true);
    expect(existsSync(join(workspace, "notebooks/.sluice"))).toBe(false);
    const again = run(workspace, "pipelines/with-file.ts");
    expect(again.summary.complete.sort()).toEqual(["load", "sum"]);
  });
});

describe("checkDependencies: false", () => {
  it("treats a step with an existing output as complete whatever its upstream, and skips upstream only it needs", async () => {
    const stores = memoryStores();
    const calls: Record<string, number> = {};
    const p = chain(calls);
    await p.run({ stores, params: { n: 1 } });
    const checked = await p.preview({ stores, params: { n: 2 } });
    expect(checked.steps.filter((s) => s.status === "pending").map((s) => s.name)).toEqual([
      "a",
      "b",
      "c",
    ]);
    const unchecked = await p.preview({ stores, params: { n: 2 }, checkDependencies: false });
    expect(unchecked.steps.map((s) => `${s.name}:${s.status}`).sort()).toEqual([
      "b:complete",
      "c:complete",
      "side:complete",
    ]);
    const result = await p.run({ stores, params: { n: 2 }, checkDependencies: false });
    expect(result.summary().ran).toEqual([]);
    expect(result.outputs.c).toBe(3);
    expect(calls.a).toBe(1);
  });
});

describe("parameter sets", () => {
  it("runMany runs each set, sharing steps whose identity is the same", async () => {
    const stores = memoryStores();
    const calls: Record<string, number> = {};
    const results = await chain(calls).runMany(
      { one: { n: 1 }, two: { n: 2 }, again: { n: 1 } },
      { stores },
    );
    expect(Object.keys(results)).toEqual(["one", "two", "again"]);
    expect(results.two!.outputs.c).toBe(4);
    expect(results.again!.summary().ran).toEqual([]);
    expect(calls).toEqual({ a: 2, b: 2, c: 2, side: 1 });
  });

  it("sluice run --param-set runs one run per set", () => {
    const home = tempDir();
    const sets = join(tempDir(), "sets.json");
    writeFileSync(sets, JSON.stringify({ small: { n: 2 }, large: { n: 4 } }));
    const out = sluice(["run", "test/fixtures/basic.ts", "--param-set", sets, "--json"], { home });
    expect(out.code).toBe(0);
    const { runs } = out.json();
    expect(runs.small.outputs.total).toEqual({ sum: 6 });
    expect(runs.large.outputs.total).toEqual({ sum: 20 });
    expect(runs.large.steps.label).toMatchObject({ cached: true, reason: "complete" });
    writeFileSync(sets, "[1, 2]");
    expect(sluice(["run", "test/fixtures/basic.ts", "--param-set", sets], { home }).code).toBe(2);
  });

  it("checks every set before the first runs (exit 2 means nothing ran), and preview --param-set plans each set", () => {
    const home = tempDir();
    const sets = join(tempDir(), "sets.json");
    writeFileSync(sets, JSON.stringify({ good: { n: 2 }, bad: { n: -1 } }));
    const refused = sluice(["run", "test/fixtures/basic.ts", "--param-set", sets, "--json"], {
      home,
    });
    expect(refused.code).toBe(2);
    expect(refused.json().error).toMatchObject({
      code: "invalid-param",
      message: expect.stringMatching(/^Parameter set "bad": /),
    });
    expect(sluice(["runs", "--json"], { home }).json().runs).toEqual([]);
    writeFileSync(sets, JSON.stringify({ small: { n: 2 }, large: { n: 4 } }));
    sluice(["run", "test/fixtures/basic.ts", "--param", "n=2", "--quiet"], { home });
    const { previews } = sluice(
      ["preview", "test/fixtures/basic.ts", "--param-set", sets, "--json"],
      { home },
    ).json();
    const pending = (name: string) =>
      previews[name].steps
        .filter((s: { status: string }) => s.status === "pending")
        .map((s: { name: string }) => s.name)
        .sort();
    expect(pending("small")).toEqual([]);
    expect(pending("large")).toEqual(["doubled", "numbers", "total"]);
    const text = sluice(["preview", "test/fixtures/basic.ts", "--param-set", sets], {
      home,
    }).stdout;
    expect(text).toContain('== parameter set "small" ==');
    expect(text).toContain("3 of 4 steps would run");
  });

  it("runMany names the bad set and runs none", async () => {
    const calls: Record<string, number> = {};
    await expect(
      chain(calls).runMany({ one: { n: 1 }, broken: { n: "x" } }, { stores: memoryStores() }),
    ).rejects.toThrow(/^Parameter set "broken": /);
    expect(calls).toEqual({});
  });
});

describe("loading outputs (d6tflow's outputLoad)", () => {
  it("pipeline.output gives a finished step's output for its params, or says why there is none", async () => {
    const stores = memoryStores();
    const p = chain({});
    await expect(p.output("c", { stores, params: { n: 2 } })).rejects.toMatchObject({
      code: "not-found",
      message: expect.stringContaining("it would run (missing-output)"),
    });
    await p.run({ stores, params: { n: 2 } });
    expect(await p.output("c", { stores, params: { n: 2 } })).toBe(4);
    expect(await p.output("a", { stores, params: { n: 2 } })).toBe(2);
    await expect(p.output("c", { stores, params: { n: 3 } })).rejects.toMatchObject({
      code: "not-found",
    });
  });

  it("sluice output prints it (a table for a dataset), --json as JSON, --out writes it as stored; --params @file gives the params", () => {
    const home = tempDir();
    const params = join(tempDir(), "params.json");
    writeFileSync(params, JSON.stringify({ n: 5 }));
    const before = sluice(["output", "test/fixtures/tables.ts", "rows", "--params", `@${params}`], {
      home,
    });
    expect(before.code).toBe(2);
    expect(before.stderr).toContain(
      'Step "rows" of pipeline "tables" has no output to load for these params: it would run (missing-output)',
    );
    expect(
      sluice(["run", "test/fixtures/tables.ts", "--params", `@${params}`, "--quiet"], { home })
        .code,
    ).toBe(0);
    const text = sluice(["output", "test/fixtures/tables.ts", "rows", "--params", `@${params}`], {
      home,
    }).stdout;
    expect(text).toMatch(/^id\s+name\s+price\s+active\s+note\n0\s+item 0\s+0\s+true\s+ok\n/);
    const rows = sluice(["output", "test/fixtures/tables.ts", "rows", "--param", "n=5", "--json"], {
      home,
    }).json();
    expect(rows).toHaveLength(5);
    expect(rows[1]).toEqual({ id: 1, name: "item 1", price: 1.5, active: false, note: "ok" });
    expect(
      sluice(["output", "test/fixtures/tables.ts", "summary", "--json"], { home }).json(),
    ).toEqual({ rows: 5, total: 15 });
    const out = join(tempDir(), "rows.arrow");
    expect(sluice(["output", "test/fixtures/tables.ts", "rows", "--out", out], { home }).code).toBe(
      0,
    );
    expect(readFileSync(out).subarray(0, 6).toString()).toBe("ARROW1");
    expect(
      sluice(["output", "test/fixtures/tables.ts", "rows", "--param", "n=6"], { home }).code,
    ).toBe(2);
  });
});

describe("running one step alone, and without checking dependencies", () => {
  it("--only runs just that step with its upstream read from the store, and is refused when the upstream has no output", () => {
    const home = tempDir();
    const refused = sluice(["run", "test/fixtures/basic.ts", "--only", "total"], { home });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      "--only total: its upstream has no stored output for these params: numbers (missing-output), doubled (missing-output)",
    );
    expect(sluice(["runs", "--json"], { home }).json().runs).toEqual([]);
    sluice(["run", "test/fixtures/basic.ts", "--quiet"], { home });
    const alone = sluice(["run", "test/fixtures/basic.ts", "--only", "doubled", "--json"], {
      home,
    }).json();
    expect(alone.summary.ran).toEqual(["doubled"]);
    expect(alone.summary.scheduled.sort()).toEqual(["doubled", "numbers"]);
  });

  it("--no-check-dependencies: a step with its own output is complete whatever its upstream says (run and preview)", () => {
    const home = tempDir();
    sluice(["run", "test/fixtures/basic.ts", "--quiet"], { home });
    // Another n changes numbers' params, and so (checked) everything downstream of it.
    const checked = sluice(["preview", "test/fixtures/basic.ts", "--json", "--param", "n=4"], {
      home,
    })
      .json()
      .steps.filter((s: { status: string }) => s.status === "pending");
    expect(checked.map((s: { name: string }) => s.name).sort()).toEqual([
      "doubled",
      "numbers",
      "total",
    ]);
    const unchecked = sluice(
      [
        "preview",
        "test/fixtures/basic.ts",
        "--json",
        "--param",
        "n=4",
        "--target",
        "total",
        "--no-check-dependencies",
      ],
      { home },
    ).json();
    expect(unchecked.steps.filter((s: { status: string }) => s.status === "pending")).toEqual([]);
    expect(
      sluice(
        [
          "run",
          "test/fixtures/basic.ts",
          "--param",
          "n=4",
          "--target",
          "total",
          "--no-check-dependencies",
          "--json",
        ],
        { home },
      ).json().summary.ran,
    ).toEqual([]);
  });
});

describe("rerun", () => {
  it("reruns from a step with the params of an earlier run", async () => {
    const stores = memoryStores();
    const calls: Record<string, number> = {};
    const p = chain(calls);
    const first = await p.run({ stores, params: { n: 3 } });
    const again = await p.rerun(first.runId, { stores, fromStep: "b" });
    expect(again.summary().ran.sort()).toEqual(["b", "c"]);
    expect(again.outputs.c).toBe(5);
    expect(calls).toEqual({ a: 1, b: 2, c: 2, side: 1 });
  });

  it("sluice rerun RUN_ID [--from STEP] runs again with that run's params", () => {
    const home = tempDir();
    const first = sluice(["run", "test/fixtures/basic.ts", "--param", "n=3", "--json"], {
      home,
    }).json();
    const from = sluice(["rerun", first.runId, "--from", "doubled", "--json"], { home }).json();
    expect(from.summary.ran.sort()).toEqual(["doubled", "total"]);
    expect(from.outputs.total).toEqual({ sum: 12 });
    const all = sluice(["rerun", first.runId, "--json"], { home }).json();
    expect(all.summary.ran.sort()).toEqual(["doubled", "label", "numbers", "total"]);
    expect(sluice(["rerun", "nope"], { home }).code).toBe(2);
  });
});

describe("logs of concurrent steps", () => {
  it("attributes ctx.log and console output to the right step", async () => {
    const stores = memoryStores();
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const make = (name: string, delays: number[]) =>
      step(name, {
        run: async (_args, ctx) => {
          for (const [i, delay] of delays.entries()) {
            await sleep(delay);
            console.log(`${name} console ${i}`);
            ctx.log(`${name} ctx ${i}`);
          }
          return name;
        },
      });
    const syncStep = step("sync", { run: () => (console.warn("sync warning"), 1) });
    const result = await pipeline("logs", {
      steps: [make("left", [5, 20, 5]), make("right", [15, 2, 20]), syncStep],
    }).run({ stores });
    const logs = await stores.runs.readLogs(result.runId);
    for (const log of logs)
      expect(log.message.startsWith(log.step!) || log.message === "sync warning").toBe(true);
    expect(logs.filter((l) => l.step === "left").map((l) => l.message)).toEqual([
      "left console 0",
      "left ctx 0",
      "left console 1",
      "left ctx 1",
      "left console 2",
      "left ctx 2",
    ]);
    expect(logs.find((l) => l.step === "sync")).toMatchObject({
      level: "warn",
      message: "sync warning",
    });
  });
});
