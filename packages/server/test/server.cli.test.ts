// The CLI against a server (--server / SLUICE_SERVER with SLUICE_API_KEY) and `sluice trigger`, both
// remote and local (from the workspace, without a server).
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createKey,
  inWorkspace,
  startServer,
  type RunningServer,
} from "../../../test/support/sluice-server.js";
import { sluice } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";

let server: RunningServer;
let env: Record<string, string>;

beforeAll(async () => {
  const home = tempDir("sluice-server-test-");
  const { key } = await createKey(home);
  server = await startServer(home);
  env = { SLUICE_SERVER: server.url, SLUICE_API_KEY: key };
});
afterAll(async () => {
  await server?.stop();
});

// A different home for the CLI: what it prints comes from the server, not from a local store.
const elsewhere = tempDir("sluice-server-test-");

describe("the CLI against a server", () => {
  it("triggers and waits, then lists, shows, logs and reads datasets over HTTP", () => {
    const triggered = sluice(
      ["trigger", "training", "-p", "rows=2", "--wait", "--json"],
      inWorkspace(elsewhere, env),
    );
    expect(triggered.code, triggered.stderr).toBe(0);
    const run = JSON.parse(triggered.stdout);
    expect(run).toMatchObject({ status: "succeeded", project: "demo", flow: { version: "1.2.0" } });

    const runs = JSON.parse(sluice(["runs", "--json"], inWorkspace(elsewhere, env)).stdout).runs;
    expect(runs[0].runId).toBe(run.runId);
    const shown = sluice(["show", run.runId], inWorkspace(elsewhere, env));
    expect(shown.stdout).toContain(`Run ${run.runId} of pipeline "training": succeeded`);
    expect(shown.stdout).toMatch(/train\s+succeeded/);
    const logs = JSON.parse(
      sluice(["logs", run.runId, "train", "--json"], inWorkspace(elsewhere, env)).stdout,
    ).logs;
    expect(logs.map((l: { message: string }) => l.message)).toEqual([
      "training on 2 rows with lr=0.1",
    ]);
    expect(sluice(["datasets"], inWorkspace(elsewhere, env)).stdout).toContain("training/load");
    expect(
      JSON.parse(
        sluice(["schema", "training/load", "--json"], inWorkspace(elsewhere, env)).stdout,
      ).columns.map((c: { name: string }) => c.name),
    ).toEqual(["id", "score", "label"]);
    const withMetrics = JSON.parse(
      sluice(["runs", "--metrics", "--json"], inWorkspace(elsewhere, env)).stdout,
    ).runs;
    expect(withMetrics.find((r: { runId: string }) => r.runId === run.runId).metrics).toEqual({
      train: { accuracy: 0.9 },
    });
    // The local store of `elsewhere` saw none of it.
    expect(JSON.parse(sluice(["runs", "--json"], inWorkspace(elsewhere)).stdout).runs).toEqual([]);
  });

  it("exits 1 for a failed run with --wait, printing its first failure; without --wait prints the run id at once", () => {
    const failed = sluice(
      ["trigger", "training", "-p", "fail=true", "--wait"],
      inWorkspace(elsewhere, env),
    );
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('First failure: step "train" [step-failed]: training diverged');
    const started = sluice(["trigger", "etl"], inWorkspace(elsewhere, env));
    expect(started.code).toBe(0);
    expect(started.stdout.trim()).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/);
  });

  it("gives the server's errors with their code and exit 2 for the caller's mistakes", () => {
    const missing = sluice(["show", "nope", "--json"], inWorkspace(elsewhere, env));
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout).error.code).toBe("not-found");
    const badParam = sluice(["trigger", "training", "-p", "rowz=1"], inWorkspace(elsewhere, env));
    expect(badParam.code).toBe(2);
    expect(badParam.stderr).toContain("unknown-param");
    const noKey = sluice(
      ["runs"],
      inWorkspace(elsewhere, { SLUICE_SERVER: server.url, SLUICE_API_KEY: "" }),
    );
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain("unauthorized");
  });

  it("exits 3 with code unreachable, naming the address and what to check, when no server answers", () => {
    const down = sluice(["runs"], inWorkspace(elsewhere, { SLUICE_SERVER: "http://127.0.0.1:1" }));
    expect(down.code).toBe(3);
    expect(down.stderr).toContain(
      "error [unreachable]: Cannot reach the sluice server at http://127.0.0.1:1",
    );
    expect(down.stderr).toContain("--server or SLUICE_SERVER");
    const json = sluice(
      ["show", "some-run", "--server", "http://127.0.0.1:1", "--project", "demo", "--json"],
      inWorkspace(elsewhere),
    );
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout).error).toMatchObject({
      code: "unreachable",
      message: expect.stringContaining("http://127.0.0.1:1"),
      details: { server: "http://127.0.0.1:1" },
    });
  });
});

describe("lineage and compare against a server", () => {
  /** The CLI in `cwd`, with no SLUICE_HOME: a command that opened a home would make `cwd/.sluice`. */
  function cliIn(cwd: string, args: string[], env: Record<string, string> = {}) {
    return sluice(args, { cwd, env: { SLUICE_HOME: undefined, SLUICE_SERVER: undefined, ...env } });
  }

  it("gives what the server's own store gives, and makes no .sluice folder in the working directory", () => {
    const runs = ["rows=2", "rows=3"].map((param) =>
      JSON.parse(
        sluice(
          ["trigger", "training", "-p", param, "--wait", "--json"],
          inWorkspace(elsewhere, env),
        ).stdout,
      ),
    );
    const [a, b] = runs.map((run) => run.runId as string);
    const trained = runs[1].steps.find((s: { name: string }) => s.name === "train").output
      .hash as string;
    const cwd = tempDir("sluice-remote-cwd-");
    const remoteEnv = { SLUICE_API_KEY: env.SLUICE_API_KEY!, SLUICE_PROJECT: "demo" };
    for (const args of [
      ["lineage", "training/train", "--json"],
      ["lineage", trained.slice(0, 12), "--depth", "1"],
      ["compare", a!, b!, "--json"],
      ["compare", a!, b!],
    ]) {
      const remote = cliIn(cwd, [...args, "--server", server.url], remoteEnv);
      expect(remote.code, `${args.join(" ")}: ${remote.stderr}`).toBe(0);
      expect(
        cliIn(cwd, args, { ...remoteEnv, SLUICE_SERVER: server.url }).stdout,
        args.join(" "),
      ).toBe(remote.stdout);
      const local = cliIn(cwd, [...args, "--home", server.home]);
      expect(local.code, local.stderr).toBe(0);
      expect(remote.stdout, args.join(" ")).toBe(local.stdout);
    }
    expect(
      JSON.parse(
        cliIn(cwd, ["compare", a!, b!, "--json", "--server", server.url], remoteEnv).stdout,
      ).params,
    ).toEqual([{ name: "rows", a: 2, b: 3 }]);
    expect(existsSync(join(cwd, ".sluice"))).toBe(false);
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe("sluice trigger without a server", () => {
  it("runs the workspace's flow here, recorded with its project and version", () => {
    const home = tempDir("sluice-server-test-");
    const result = sluice(["trigger", "training", "-p", "rows=2", "--json"], inWorkspace(home));
    expect(result.code, result.stderr).toBe(0);
    const run = JSON.parse(result.stdout);
    expect(run).toMatchObject({ status: "succeeded", project: "demo", flow: { version: "1.2.0" } });
    expect(
      JSON.parse(sluice(["show", run.runId, "--json"], inWorkspace(home)).stdout).project,
    ).toBe("demo");
    // An artifact named by the 12 hex digits the CLI prints.
    const trained = run.steps.find((s: { name: string }) => s.name === "train").output.hash;
    expect(
      JSON.parse(sluice(["lineage", trained.slice(0, 12), "--json"], inWorkspace(home)).stdout)
        .artifact,
    ).toBe(trained);
    const unknown = sluice(["trigger", "nope"], inWorkspace(home));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Flows: training, etl");
  });

  it("goes the server's trigger path here: an idempotency key run again shows the earlier run, another request with it is refused", () => {
    const home = tempDir("sluice-server-test-");
    const first = sluice(
      ["trigger", "training", "-p", "rows=2", "--idempotency-key", "nightly-1", "--json"],
      inWorkspace(home),
    );
    expect(first.code, first.stderr).toBe(0);
    const again = sluice(
      ["trigger", "training", "-p", "rows=2", "--idempotency-key", "nightly-1", "--json"],
      inWorkspace(home),
    );
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).runId).toBe(JSON.parse(first.stdout).runId);
    const runs = JSON.parse(sluice(["runs", "--json"], inWorkspace(home)).stdout).runs;
    expect(runs).toHaveLength(1);
    const other = sluice(
      ["trigger", "training", "-p", "rows=3", "--idempotency-key", "nightly-1"],
      inWorkspace(home),
    );
    expect(other.code).toBe(2);
    expect(other.stderr).toContain("was used for another request");
  });
});
