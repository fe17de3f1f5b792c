// Flows of flows and limits with a server: runFlow children of a local run triggered on a server with the
// caller's key (linked to their parent, no key in any param), and a project cap that queues triggers
// (each still answered 201, `queued` with what it waits on) and never runs more than the cap at once.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SluiceClient } from "@sluice/client";
import { createApiKey, SluiceServer } from "@sluice/server";
import { openHome } from "sluice/internal";
import { root, sluiceAsync } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";
import { until } from "../../../test/support/until.js";

describe("flows with a server", () => {
  let server: SluiceServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
    delete process.env.GATE;
  });

  it("triggers a local run's runFlow children on the server with the caller's key, linked to the parent", async () => {
    const serverHome = tempDir("sluice-flows-server-");
    const home = await openHome(serverHome);
    const { key } = await createApiKey(home.serverTables, { project: "examples" });
    home.close();
    server = await SluiceServer.start({
      config: join(root, "test/fixtures/flow-of-flows"),
      home: serverHome,
      port: 0,
    });
    const localHome = tempDir("sluice-flows-local-");
    const parent = "test/fixtures/flow-of-flows/parent.ts";
    const run = await sluiceAsync(["run", parent, "--server", server.url, "--json"], {
      home: localHome,
      env: { SLUICE_API_KEY: key },
    });
    expect(run.code, run.stderr).toBe(0);
    const result = run.json();
    expect(result.outputs.B.outputs).toEqual({ "use-key": "some-random-piece-of-data".length });

    const project = new SluiceClient({ baseUrl: server.url, apiKey: key }).project("examples");
    const children = await project.runs.list();
    expect(children.map((r) => r.pipeline).sort()).toEqual(["A", "B", "C", "D"]);
    for (const child of children) {
      expect(child.trigger).toEqual({
        kind: "parent",
        parentRunId: result.runId,
        parentStep: child.pipeline,
      });
      expect(JSON.stringify(child.params)).not.toContain(key);
    }
    // Locally, only the parent was recorded.
    const local = await sluiceAsync(["runs", "--json"], { home: localHome });
    expect(local.json().runs.map((r: { pipeline: string }) => r.pipeline)).toEqual(["parent-flow"]);

    // Without a key the server refuses, and the step says where and why.
    const refused = await sluiceAsync(["run", parent, "--server", server.url], {
      home: tempDir("sluice-flows-local-"),
      env: { SLUICE_API_KEY: undefined },
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /runFlow\("A"\): the trigger on http:\/\/127\.0\.0\.1:\d+ failed \(HTTP 401\)/,
    );
  });

  it("answers triggers over the project's cap 201 queued, and runs at most the cap at once", async () => {
    const gate = join(tempDir("sluice-gate-"), "open");
    process.env.GATE = gate;
    server = await SluiceServer.start({
      config: join(root, "test/fixtures/capped-server"),
      home: tempDir("sluice-capped-"),
      port: 0,
      insecureLocal: true,
    });
    const project = new SluiceClient({ baseUrl: server.url }).project("capped-server");
    const triggered = [];
    for (let i = 0; i < 6; i++) triggered.push(await project.flow("gated").trigger());
    expect(triggered.map((t) => [t.created, t.status])).toEqual(Array(6).fill([true, "queued"]));
    const waiting = await until(
      async () => {
        const runs = await project.runs.list();
        const running = runs.filter((r) => r.status === "running");
        const queued = runs.filter((r) => r.status === "queued" && r.waitingOn);
        return running.length === 2 && queued.length === 4 ? queued : undefined;
      },
      { what: "2 runs running and 4 queued on the cap", intervalMs: 50 },
    );
    expect(waiting[0]!.waitingOn).toBe('limit runs of project "capped-server" 2/2');
    writeFileSync(gate, "");
    let most = 0;
    await until(
      async () => {
        const runs = await project.runs.list();
        most = Math.max(most, runs.filter((r) => r.status === "running").length);
        return runs.every((r) => r.status === "succeeded");
      },
      { what: "every run to succeed", intervalMs: 20 },
    );
    expect(most).toBeLessThanOrEqual(2);
  });
});
