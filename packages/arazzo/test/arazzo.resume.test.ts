// Durable Arazzo runs: a killed process, a cancelled run and a failed run continue from their checkpoint
// without executing finished steps again.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resumeArazzoRun, runArazzo } from "../src/index.js";
import { MemoryStore, SqliteStore } from "sluice/internal";
import { filesContaining } from "../../../test/support/home-files.js";
import { runFixture, useMockServer, type MockServer } from "../../../test/support/arazzo-server.js";
import { sluiceAsync, startSluice } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";
import { until } from "../../../test/support/until.js";

const fixture = runFixture;
let server: MockServer;
useMockServer((started) => (server = started));

describe("kill -9 and resume", () => {
  it("continues polling after the process died; the trigger call is not repeated", async () => {
    const home = tempDir("sluice-arazzo-kill-");
    server.state.pollsBeforeDone = 1e9; // running: true until told otherwise
    const run = startSluice(
      [
        "arazzo",
        "run",
        fixture("run-and-poll"),
        "--json",
        "--input",
        "scenarioId=s1",
        "--input",
        "reason=kill",
        "--source-url",
        `api=${server.url}`,
      ],
      { home },
    );
    await until(
      () =>
        server.count("POST /scenarios/{id}/runs") === 1 &&
        server.count("GET /runs/{id}/status") >= 2,
      { what: "the trigger and two polls" },
    );
    run.child.kill("SIGKILL");
    await run.result;
    const pollsBefore = server.count("GET /runs/{id}/status");

    const [crashed] = (await sluiceAsync(["runs", "--json"], { home })).json().runs;
    expect(crashed).toMatchObject({ pipeline: "runAndPoll", status: "failed", reason: "crashed" });
    const shownCrashed = (await sluiceAsync(["show", crashed.runId, "--json"], { home })).json();
    expect(shownCrashed.steps.find((s: { name: string }) => s.name === "trigger")).toMatchObject({
      status: "succeeded",
      attempts: 1,
    });

    server.state.done = true;
    const resumed = await sluiceAsync(["resume", crashed.runId, "--json"], { home });
    expect(resumed.code).toBe(0);
    const result = resumed.json();
    expect(result).toMatchObject({
      runId: crashed.runId,
      success: true,
      outputs: { runId: "run-1", outcome: "passed" },
    });
    expect(server.count("POST /scenarios/{id}/runs")).toBe(1);
    expect(server.count("GET /scenarios/{id}")).toBe(1);
    expect(server.count("GET /runs/{id}/status")).toBe(pollsBefore + 1);
    expect(result.steps.trigger).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(result.steps.poll.attempts).toBeGreaterThanOrEqual(pollsBefore);

    const shown = (await sluiceAsync(["show", crashed.runId, "--json"], { home })).json();
    expect(shown).toMatchObject({ status: "succeeded", runId: crashed.runId });
    expect(shown.steps.find((s: { name: string }) => s.name === "poll")).toMatchObject({
      status: "succeeded",
    });
    expect((await sluiceAsync(["runs", "--json"], { home })).json().runs).toHaveLength(1);
  });
});

describe("resumeArazzoRun", () => {
  it("continues a failed run at the failed step, keeping what finished", async () => {
    const runs = new MemoryStore();
    server.state.failures = 100;
    const failed = await runArazzo({
      file: fixture("actions"),
      workflowId: "retryAfter",
      sourceUrls: { api: server.url },
      runs,
      env: {},
    });
    expect(failed.success).toBe(false);
    expect(failed.steps.flaky).toMatchObject({ status: "failed", attempts: 4 });
    server.state.failures = 0;
    const resumed = await resumeArazzoRun({ runId: failed.runId, runs, env: {} });
    expect(resumed).toMatchObject({
      runId: failed.runId,
      success: true,
      status: "succeeded",
      outputs: { calls: 5 },
    });
    expect(resumed.steps.flaky).toMatchObject({ status: "succeeded", attempts: 5 });
    expect((await runs.getRun(failed.runId))!.run.status).toBe("succeeded");
  });

  it("of two resumes at once exactly one continues the run; the other is refused without a call", async () => {
    const runs = new MemoryStore();
    server.state.failures = 100;
    const failed = await runArazzo({
      file: fixture("actions"),
      workflowId: "retryAfter",
      sourceUrls: { api: server.url },
      runs,
      env: {},
    });
    server.state.failures = 0;
    const callsBefore = server.count("GET /flaky/{key}");
    const outcomes = await Promise.allSettled([
      resumeArazzoRun({ runId: failed.runId, runs, env: {} }),
      resumeArazzoRun({ runId: failed.runId, runs, env: {} }),
    ]);
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    const refused = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({
      code: "conflict",
      message: expect.stringMatching(/is being run by process \d+@|already succeeded/),
    });
    expect(server.count("GET /flaky/{key}")).toBe(callsBefore + 1);
  });

  it("continues a cancelled run; finished steps are not executed again", async () => {
    const runs = new MemoryStore();
    server.state.pollsBeforeDone = 1e9;
    const controller = new AbortController();
    const pending = runArazzo({
      file: fixture("run-and-poll"),
      inputs: { scenarioId: "s1", reason: "r" },
      sourceUrls: { api: server.url },
      runs,
      env: {},
      signal: controller.signal,
    });
    await until(() => server.count("GET /runs/{id}/status") >= 2, { what: "two polls" });
    controller.abort();
    const cancelled = await pending;
    expect(cancelled).toMatchObject({ success: false, status: "cancelled" });
    expect((await runs.getRun(cancelled.runId))!.run).toMatchObject({
      status: "cancelled",
      reason: "cancelled",
    });
    server.state.done = true;
    const resumed = await resumeArazzoRun({ runId: cancelled.runId, runs, env: {} });
    expect(resumed).toMatchObject({
      success: true,
      outputs: { runId: "run-1", outcome: "passed" },
    });
    expect(server.count("POST /scenarios/{id}/runs")).toBe(1);
    expect(server.count("GET /scenarios/{id}")).toBe(1);
  });

  it("continues inside a called workflow: the nested frame is in the checkpoint", async () => {
    const runs = new MemoryStore();
    server.state.pollsBeforeDone = 1e9;
    const controller = new AbortController();
    const pending = runArazzo({
      file: fixture("caller"),
      inputs: { scenario: "s5" },
      sourceUrls: { api: server.url },
      runs,
      env: {},
      signal: controller.signal,
    });
    await until(() => server.count("GET /runs/{id}/status") >= 2, {
      what: "two polls in the called workflow",
    });
    controller.abort();
    const cancelled = await pending;
    expect(cancelled.status).toBe("cancelled");
    server.state.done = true;
    const resumed = await resumeArazzoRun({ runId: cancelled.runId, runs, env: {} });
    expect(resumed).toMatchObject({
      success: true,
      outputs: { runId: "run-1", outcome: "passed" },
      steps: { runIt: { status: "succeeded", attempts: 1 } },
    });
    expect(server.count("POST /scenarios/{id}/runs")).toBe(1);
    const steps = (await runs.getRun(cancelled.runId))!.steps;
    expect(steps.find((s) => s.step === "flows.runAndPoll/trigger")).toMatchObject({
      status: "succeeded",
      attempts: 1,
    });
    expect(steps.find((s) => s.step === "nightly/runIt")).toMatchObject({ status: "succeeded" });
  });

  it("asks for secret inputs again, which are not stored", async () => {
    const runs = new MemoryStore();
    const first = await runArazzo({
      file: fixture("secrets"),
      inputs: { apiToken: "tok-XYZ", pin: "1111", user: "bo" },
      sourceUrls: { api: "http://127.0.0.1:40999" },
      runs,
      env: {},
    });
    expect(first.success).toBe(false);
    expect(JSON.stringify((await runs.getRun(first.runId))!.run)).not.toContain("tok-XYZ");
    await expect(resumeArazzoRun({ runId: first.runId, runs, env: {} })).rejects.toMatchObject({
      code: "invalid-inputs",
      message: expect.stringContaining('secret inputs "apiToken", "pin"'),
    });
    // Pointing the run at the server needs the secrets again; they go back where they were.
    const stored = (await runs.getRun(first.runId))!.run;
    await runs.updateRun(first.runId, {
      checkpoint: { ...(stored.checkpoint as object), sourceUrls: { api: server.url } },
    });
    const resumed = await resumeArazzoRun({
      runId: first.runId,
      runs,
      env: { SLUICE_INPUT_PIN: "1111" },
      inputs: { apiToken: "tok-XYZ" },
    });
    expect(resumed.success).toBe(true);
    expect(resumed.outputs).toEqual({ token: "tok-XYZ", auth: "Bearer tok-bo" });
    expect(JSON.parse(server.calls.find((c) => c.route === "POST /login")!.body)).toEqual({
      user: "bo",
      pin: "1111",
    });
  });

  it("stores no secret in any column or file, input or learned, and a resume logs in again for the token it did not keep", async () => {
    const home = tempDir("sluice-arazzo-secret-");
    const runs = SqliteStore.open(join(home, "sluice.db"));
    server.state.failures = 1;
    const inputs = { pin: "pw-55e1c9", user: "zed" };
    const failed = await runArazzo({
      file: fixture("secret-resume"),
      inputs,
      sourceUrls: { api: server.url },
      runs,
      env: {},
    });
    expect(failed).toMatchObject({
      success: false,
      steps: {
        login: { status: "succeeded" },
        call: { status: "succeeded" },
        flaky: { status: "failed" },
      },
    });
    runs.db.pragma("wal_checkpoint(TRUNCATE)");
    for (const secret of ["pw-55e1c9", "tok-zed"])
      expect(filesContaining(home, secret)).toEqual([]);

    const resumed = await resumeArazzoRun({
      runId: failed.runId,
      runs,
      env: {},
      inputs: { pin: "pw-55e1c9" },
    });
    // The echo of the old token was not kept either: it comes back masked.
    expect(resumed).toMatchObject({ success: true, outputs: { auth: "***" } });
    expect(server.count("POST /login")).toBe(2);
    expect(server.count("ANY /echo/{item}")).toBe(1);
    expect(
      server.calls
        .filter((c) => c.route === "GET /flaky/{key}")
        .map((c) => c.headers.authorization),
    ).toEqual(["Bearer tok-zed", "Bearer tok-zed"]);
    runs.close();
    for (const secret of ["pw-55e1c9", "tok-zed"])
      expect(filesContaining(home, secret)).toEqual([]);
  });

  it("refuses to resume when the workflow's steps changed since the run started", async () => {
    const runs = new MemoryStore();
    const failed = await runArazzo({
      file: fixture("actions"),
      workflowId: "noAction",
      sourceUrls: { api: server.url },
      runs,
      env: {},
    });
    const stored = (await runs.getRun(failed.runId))!.run;
    const checkpoint = stored.checkpoint as { layout: Record<string, string[]> };
    await runs.updateRun(failed.runId, {
      checkpoint: { ...checkpoint, layout: { ...checkpoint.layout, noAction: ["renamed"] } },
    });
    await expect(resumeArazzoRun({ runId: failed.runId, runs, env: {} })).rejects.toMatchObject({
      code: "invalid-usage",
      message: expect.stringContaining('the steps of workflow "noAction" changed'),
    });
  });

  it("refuses runs that are not Arazzo runs or that succeeded", async () => {
    const runs = new MemoryStore();
    const done = await runArazzo({
      file: fixture("actions"),
      workflowId: "endEarly",
      sourceUrls: { api: server.url },
      runs,
      env: {},
    });
    await expect(resumeArazzoRun({ runId: done.runId, runs })).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringContaining("already succeeded"),
    });
    await expect(resumeArazzoRun({ runId: "nope", runs })).rejects.toMatchObject({
      code: "not-found",
    });
  });
});

describe("interrupting the CLI", () => {
  it("SIGINT cancels the run and exits 130; the run is recorded cancelled", async () => {
    const home = tempDir("sluice-arazzo-int-");
    server.state.pollsBeforeDone = 1e9;
    const cli = startSluice(
      [
        "arazzo",
        "run",
        fixture("run-and-poll"),
        "--json",
        "--input",
        "scenarioId=s1",
        "--input",
        "reason=int",
        "--source-url",
        `api=${server.url}`,
      ],
      { home },
    );
    await until(() => server.count("GET /runs/{id}/status") >= 1, { what: "a poll" });
    cli.child.kill("SIGINT");
    const interrupted = await cli.result;
    expect(interrupted.code).toBe(130);
    expect(interrupted.json()).toMatchObject({
      success: false,
      status: "cancelled",
      steps: { check: { status: "succeeded" }, trigger: { status: "succeeded", attempts: 1 } },
    });
    const [run] = (await sluiceAsync(["runs", "--json"], { home })).json().runs;
    expect(run).toMatchObject({ status: "cancelled" });
  });
});
