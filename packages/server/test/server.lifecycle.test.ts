// The server as a process: live events over SSE, a kill -9 in the middle of a run and a restart,
// --insecure-local, and workspace configs (good and bad).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  api,
  createKey,
  inWorkspace,
  readEvents,
  root,
  startServer,
  waitForRun,
  type RunningServer,
} from "../../../test/support/sluice-server.js";
import { sluice } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";
import { until } from "../../../test/support/until.js";

const P = "/api/projects/demo";

/** Resolves once the run's first step (load) is running. */
function loadRunning(server: RunningServer, key: string, runId: string) {
  return until(
    async () =>
      (await api(server, key, "GET", `${P}/runs/${runId}`)).json.steps.find(
        (s: { name: string }) => s.name === "load",
      )?.status === "running",
    { what: `the first step of run ${runId} to start` },
  );
}

describe("server-sent events", () => {
  it("streams a run's events from a snapshot to run:end, and the project's events", async () => {
    const home = tempDir("sluice-server-test-");
    const { key } = await createKey(home);
    const server = await startServer(home);
    try {
      // Subscribed (the stream's "ready" event came) before the run starts, so no event is missed.
      let subscribed!: () => void;
      const ready = new Promise<void>((resolve) => (subscribed = resolve));
      const projectEvents = readEvents(
        `${server.url}${P}/events`,
        key,
        (e) => e.event === "run:end",
        (e) => e.event === "ready" && subscribed(),
      );
      await ready;
      const started = (
        await api(server, key, "POST", `${P}/flows/training/runs`, { params: { waitMs: 300 } })
      ).json;
      const runEvents = await readEvents(
        `${server.url}${P}/runs/${started.runId}/events`,
        key,
        (e) => e.event === "run:end",
      );
      expect(runEvents[0]!.event).toBe("snapshot");
      expect(runEvents[0]!.data.running).toBe(true);
      const names = runEvents.map((e) => e.event);
      expect(names).toContain("step:end");
      expect(names.at(-1)).toBe("run:end");
      expect(runEvents.at(-1)!.data).toMatchObject({
        runId: started.runId,
        status: "succeeded",
        success: true,
      });
      const all = await projectEvents;
      expect(all.map((e) => e.event)).toEqual(
        expect.arrayContaining([
          "ready",
          "run:start",
          "step:start",
          "step:log",
          "step:end",
          "run:end",
        ]),
      );
      expect(
        all
          .filter((e) => e.data.runId)
          .every((e) => e.data.runId === started.runId && e.data.project === "demo"),
      ).toBe(true);
      // A finished run's stream is its snapshot, then the end.
      const finished = await readEvents(
        `${server.url}${P}/runs/${started.runId}/events`,
        key,
        () => false,
      );
      expect(finished.map((e) => e.event)).toEqual(["snapshot"]);
      expect(finished[0]!.data.outcome).toBe("succeeded");
    } finally {
      await server.stop();
    }
  });
});

describe("a server restart while a run is in progress", () => {
  it("marks the run crashed (never left running), and resuming it through the API completes it", async () => {
    const home = tempDir("sluice-server-test-");
    const { key } = await createKey(home);
    const first = await startServer(home);
    const started = (
      await api(first, key, "POST", `${P}/flows/training/runs`, { params: { waitMs: 60_000 } })
    ).json;
    await loadRunning(first, key, started.runId);
    await first.kill9();
    // At once, before any restart: a reader sees the owner is dead (and writes nothing).
    expect(sluice(["runs", "--json"], inWorkspace(home)).json().runs[0]).toMatchObject({
      runId: started.runId,
      status: "failed",
      reason: "crashed",
      running: false,
    });

    const second = await startServer(home);
    try {
      const light = (await api(second, key, "GET", `${P}/runs/${started.runId}/light`)).json;
      expect(light).toMatchObject({ status: "failed", running: false, outcome: "failed" });
      const detail = (await api(second, key, "GET", `${P}/runs/${started.runId}`)).json;
      expect(detail.reason).toBe("crashed");
      expect(detail.steps.find((s: { name: string }) => s.name === "load").error.code).toBe(
        "crashed",
      );
      const resumed = await api(second, key, "POST", `${P}/runs/${started.runId}/resume`, {
        params: { waitMs: 0 },
      });
      expect(resumed.status, resumed.text).toBe(200);
      expect((await waitForRun(second, key, started.runId)).outcome).toBe("succeeded");
    } finally {
      await second.stop();
    }
  });

  it("on SIGTERM cancels the runs it started, so none is left running", async () => {
    const home = tempDir("sluice-server-test-");
    const { key } = await createKey(home);
    const server = await startServer(home);
    const started = (
      await api(server, key, "POST", `${P}/flows/training/runs`, { params: { waitMs: 60_000 } })
    ).json;
    await loadRunning(server, key, started.runId);
    expect(await server.stop()).toBe(0);
    const shown = sluice(["show", started.runId, "--json"], inWorkspace(home)).json();
    expect(shown.status).toBe("cancelled");
  });
});

describe("--insecure-local", () => {
  it("serves without keys on 127.0.0.1 and says so loudly; refuses any other address", async () => {
    const home = tempDir("sluice-server-test-");
    const server = await startServer(home, ["--insecure-local"]);
    try {
      expect(server.stderr()).toContain("NO API KEY IS CHECKED");
      expect((await api(server, undefined, "GET", `${P}/flows`)).status).toBe(200);
    } finally {
      await server.stop();
    }
    const refused = sluice(
      ["server", "--insecure-local", "--host", "0.0.0.0", "--port", "0"],
      inWorkspace(home),
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("only allowed on 127.0.0.1");
  });
});

describe("workspace config", () => {
  it("sluice flows lists the workspace's flows with version, hash and params", () => {
    const listed = sluice(["flows", "--json"], inWorkspace(tempDir("sluice-server-test-"))).json();
    expect(listed.project).toBe("demo");
    expect(listed.flows.map((f: { name: string; version: string }) => [f.name, f.version])).toEqual(
      [
        ["training", "1.2.0"],
        ["etl", expect.stringMatching(/^[0-9a-f]{12}$/)],
      ],
    );
    expect(listed.flows[0].params).toEqual(["rows", "waitMs", "lr", "token", "fail"]);
  });

  it("rejects a config with bad fields, naming the file and the field", () => {
    const dir = tempDir("sluice-config-");
    writeFileSync(
      join(dir, "sluice.config.json"),
      JSON.stringify({ project: "has space", pipelines: [], extra: 1 }),
    );
    const result = sluice(["flows", "--config", dir], inWorkspace(tempDir("sluice-server-test-")));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(join(dir, "sluice.config.json"));
    expect(result.stderr).toContain("project:");
    expect(result.stderr).toContain("pipelines:");
    expect(result.stderr).toMatch(/extra/);
  });

  it("says where to create a config when there is none, and names a missing pipeline module", () => {
    const empty = tempDir("sluice-config-");
    const none = sluice(["flows", "--config", empty], inWorkspace(tempDir("sluice-server-test-")));
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("No sluice.config.ts");
    writeFileSync(
      join(empty, "sluice.config.json"),
      JSON.stringify({ project: "p", pipelines: ["./missing.ts"] }),
    );
    const missing = sluice(
      ["flows", "--config", empty],
      inWorkspace(tempDir("sluice-server-test-")),
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(join(empty, "missing.ts"));
    expect(missing.stderr).toContain("pipelines[0]");
  });

  it("registers a changed module as a new version on restart", async () => {
    const dir = tempDir(".tmp-ws-", join(root, "test/fixtures"));
    const module = (n: number) =>
      `import { pipeline, step } from "sluice";\nexport default pipeline("p", { steps: [step("s", { run: () => ${n} })] });\n`;
    writeFileSync(
      join(dir, "sluice.config.json"),
      JSON.stringify({ project: "demo", pipelines: ["./p.mjs"] }),
    );
    writeFileSync(join(dir, "p.mjs"), module(1));
    const home = tempDir("sluice-server-test-");
    const first = sluice(["flows", "--config", dir, "--json"], inWorkspace(home)).json().flows[0];
    writeFileSync(join(dir, "p.mjs"), module(2));
    const second = sluice(["flows", "--config", dir, "--json"], inWorkspace(home)).json().flows[0];
    expect(second.hash).not.toBe(first.hash);
    const { key } = await createKey(home);
    const server = await startServer(home, ["--config", dir]);
    try {
      const flow = (await api(server, key, "GET", `${P}/flows/p`)).json;
      expect(flow.hash).toBe(second.hash);
      expect(flow.versions.map((v: { hash: string }) => v.hash)).toEqual([second.hash, first.hash]);
    } finally {
      await server.stop();
    }
  });
});
