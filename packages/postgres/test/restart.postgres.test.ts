// A PostgreSQL restart in the middle of a run on workers, on a cluster of the test's own (the shared
// one is not restarted under other tests): the worker's connections are cut, it reconnects, the run
// that was going on completes, and a run dispatched afterwards runs too.
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sluice, startSluice, type SluiceProcess } from "../../../test/support/cli.js";
import { ownClusterAvailable, startOwnCluster } from "../../../test/support/own-postgres.js";
import { tempDir } from "../../../test/support/temp-dir.js";
import { until } from "../../../test/support/until.js";

const workspace = "test/fixtures/workers-workspace";

if (!ownClusterAvailable && process.env.CI)
  throw new Error("PostgreSQL's binaries are missing: .ci/run installs postgresql.");

describe.runIf(ownClusterAvailable)("a PostgreSQL restart under workers", () => {
  it("the worker reconnects: the run going on completes, and a new run runs", async () => {
    const cluster = await startOwnCluster();
    let worker: SluiceProcess | undefined;
    // The cluster is stopped in the test, before its temp folder is removed.
    try {
      const marks = tempDir("sluice-marks-");
      const env = {
        SLUICE_TEST_STORE: cluster.url,
        SLUICE_TEST_MARKS: marks,
        SLUICE_STACK: "prod",
        SLUICE_WORKER_LEASE_MS: "10000",
        SLUICE_WORKER_HEARTBEAT_MS: "200",
      };
      const cli = (args: string[]) => sluice(args, { env, cwd: workspace });
      worker = startSluice(["worker"], { env, cwd: workspace, home: undefined });
      await worker.waitForStderr(/worker \S+ on postgres/, 60_000);
      const queued = cli(["run", "pipelines.ts", "--pipeline", "slowFlow", "--no-wait"]);
      expect(queued.code, queued.stderr).toBe(0);
      const runId = queued.stdout.trim();
      await until(() => readdirSync(marks).some((name) => name.startsWith("slow-")), {
        what: "the slow step to start",
      });

      cluster.restart();
      writeFileSync(join(marks, "release"), "");
      const status = () => {
        const shown = cli(["show", runId, "--json"]);
        return shown.code === 0 ? (shown.json().status as string) : undefined;
      };
      await until(() => status() === "succeeded", {
        what: "the run to complete after the restart",
        timeoutMs: 60_000,
        intervalMs: 200,
      });

      const after = cli(["run", "pipelines.ts", "--pipeline", "fanout", "--json"]);
      expect(after.code, after.stderr).toBe(0);
      expect(after.json().outputs.join).toEqual({ total: 50, flaky: 4 });
      expect(worker.child.exitCode).toBeNull();
    } finally {
      worker?.child.kill("SIGKILL");
      cluster.stop();
    }
  }, 120_000);
});
