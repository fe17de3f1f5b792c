// The Arazzo runner through its library API, over real HTTP on 127.0.0.1 (test/arazzo-server.ts).
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runArazzo, type ArazzoRunOptions } from "../src/index.js";
import { MemoryStore } from "sluice/internal";
import {
  freePort,
  runFixture,
  useMockServer,
  type MockServer,
} from "../../../test/support/arazzo-server.js";
import { tempDir } from "../../../test/support/temp-dir.js";

const fixture = runFixture;
let server: MockServer;
useMockServer((started) => (server = started));

/** A clock whose waits pass at once (recorded), so loops of minutes run in milliseconds. */
function fakeClock() {
  let now = Date.now();
  const waits: number[] = [];
  return {
    waits,
    now: () => now,
    sleep: async (ms: number) => {
      waits.push(ms);
      now += ms;
    },
  };
}

function run(name: string, options: Partial<ArazzoRunOptions> = {}) {
  const runs = options.runs ?? new MemoryStore();
  return runArazzo({
    file: fixture(name),
    sourceUrls: { api: server.url },
    runs,
    env: {},
    ...options,
  }).then((result) => ({ result, runs }));
}

describe("run and poll", () => {
  it("checks, triggers once, polls until the status stops running, and returns the outputs", async () => {
    server.state.pollsBeforeDone = 3;
    const { result, runs } = await run("run-and-poll", {
      inputs: { scenarioId: "s1", reason: "nightly" },
    });
    expect(result).toMatchObject({
      success: true,
      status: "succeeded",
      workflowId: "runAndPoll",
      outputs: { runId: "run-1", outcome: "passed", polls: 4 },
    });
    expect(result.steps.poll).toMatchObject({
      status: "succeeded",
      attempts: 4,
      statusCode: 200,
      outputs: { outcome: "passed" },
    });
    expect(result.steps.trigger).toMatchObject({
      status: "succeeded",
      attempts: 1,
      statusCode: 202,
      outputs: { runId: "run-1" },
    });
    expect(server.count("POST /scenarios/{id}/runs")).toBe(1);
    expect(server.count("GET /runs/{id}/status")).toBe(4);
    expect(
      JSON.parse(server.calls.find((c) => c.route === "POST /scenarios/{id}/runs")!.body),
    ).toEqual({ reason: "nightly" });
    const recorded = await runs.getRun(result.runId);
    expect(recorded!.run).toMatchObject({
      pipeline: "runAndPoll",
      status: "succeeded",
      source: { kind: "arazzo", exportName: undefined },
    });
    expect(recorded!.steps.map((s) => [s.step, s.status, s.attempts])).toEqual([
      ["check", "succeeded", 1],
      ["trigger", "succeeded", 1],
      ["poll", "succeeded", 4],
    ]);
  });

  it("waits x-sluice-poll's intervalMs between polls", async () => {
    server.state.pollsBeforeDone = 2;
    const clock = fakeClock();
    await run("run-and-poll", { inputs: { scenarioId: "s1", reason: "r" }, clock });
    expect(server.count("GET /runs/{id}/status")).toBe(3);
    expect(clock.waits).toEqual([40, 40]); // the document's intervalMs, before each poll but the first
  });

  it("fails the workflow when a success criterion does not hold, naming it", async () => {
    const { result } = await run("run-and-poll", {
      inputs: { scenarioId: "missing", reason: "r" },
    });
    expect(result.success).toBe(false);
    expect(result.error).toMatchObject({ code: "criteria-failed" });
    expect(result.error!.message).toContain("$statusCode == 200");
    expect(result.error!.message).toContain("answered 404");
    expect(result.steps.trigger).toMatchObject({ status: "skipped", attempts: 0 });
    expect(server.count("POST /scenarios/{id}/runs")).toBe(0);
  });
});

describe("actions", () => {
  it("end on success ends the workflow as succeeded; later steps do not run", async () => {
    const { result, runs } = await run("actions", { workflowId: "endEarly" });
    expect(result).toMatchObject({
      success: true,
      outputs: { next: "a+", lastStatus: 200, lastNext: "a+" },
    });
    expect(result.steps.never).toMatchObject({ status: "skipped", attempts: 0 });
    expect(server.calls.map((c) => c.rawPath)).toEqual(["/next/a"]);
    const steps = (await runs.getRun(result.runId))!.steps;
    expect(steps.find((s) => s.step === "never")).toMatchObject({
      status: "skipped",
      reason: "condition-false",
    });
  });

  it("goto a step jumps over the steps between", async () => {
    const { result } = await run("actions", { workflowId: "gotoStep" });
    expect(result).toMatchObject({ success: true, outputs: { c: "a++" } });
    expect(server.calls.map((c) => c.rawPath)).toEqual(["/next/a", "/next/a%2B"]);
  });

  it("goto a workflow runs it and ends with its result", async () => {
    const { result } = await run("actions", { workflowId: "gotoWorkflow" });
    expect(result.success).toBe(true);
    expect(result.outputs).toEqual({ started: "g+" });
    expect(result.workflows?.endEarly).toMatchObject({ success: true, outputs: { next: "a+" } });
    expect(server.calls.map((c) => c.rawPath)).toEqual(["/next/g", "/next/a"]);
    expect(result.steps.after.status).toBe("skipped");
  });

  it("retry waits retryAfter seconds between attempts and succeeds", async () => {
    server.state.failures = 2;
    const clock = fakeClock();
    const { result } = await run("actions", { workflowId: "retryAfter", clock });
    expect(result).toMatchObject({ success: true, outputs: { calls: 3 } });
    expect(result.steps.flaky).toMatchObject({ status: "succeeded", attempts: 3, statusCode: 200 });
    expect(clock.waits).toEqual([50, 50]); // retryAfter: 0.05 before each retry
  });

  it("a response's Retry-After header overrides retryAfter", async () => {
    server.state.failures = 1;
    server.state.retryAfter = "1";
    const clock = fakeClock();
    const { result } = await run("actions", { workflowId: "retryHeader", clock });
    expect(result).toMatchObject({ success: true, outputs: { calls: 2 } });
    expect(clock.waits).toEqual([1000]); // the header's 1 s, not the document's retryAfter: 0
  });

  it("a used-up retryLimit falls through to the next matching failure action", async () => {
    const { result } = await run("actions", { workflowId: "retryExhausted" });
    expect(result).toMatchObject({ success: true, outputs: { recovered: "recovered+" } });
    expect(result.steps.broken).toMatchObject({ status: "failed", attempts: 3, statusCode: 500 });
    expect(result.steps.skipped.status).toBe("skipped");
    expect(server.count("GET /status/{code}")).toBe(3);
  });

  it("retry with a stepId runs that step first, then the failed step again", async () => {
    server.state.failures = 2;
    const { result } = await run("actions", { workflowId: "retryVia" });
    expect(result).toMatchObject({ success: true, outputs: { token: "tok-retry" } });
    expect(server.calls.map((c) => c.route)).toEqual([
      "GET /flaky/{key}",
      "POST /login",
      "GET /flaky/{key}",
      "POST /login",
      "GET /flaky/{key}",
      "POST /login",
    ]);
    expect(result.steps.flaky).toMatchObject({ status: "succeeded", attempts: 3 });
  });

  it("end from a failure action ends the workflow as failed", async () => {
    const { result } = await run("actions", { workflowId: "endOnFailure" });
    expect(result.success).toBe(false);
    expect(result.status).toBe("failed");
    expect(result.error).toMatchObject({ code: "criteria-failed" });
    expect(result.steps.never.status).toBe("skipped");
    expect(server.calls).toHaveLength(1);
  });

  it("a failure with no failure action fails the workflow", async () => {
    const { result } = await run("actions", { workflowId: "noAction" });
    expect(result).toMatchObject({
      success: false,
      steps: { broken: { status: "failed", attempts: 1, statusCode: 404 } },
    });
  });

  it("workflow-level actions apply to every step, step-level ones with the same name win, reusable ones resolve", async () => {
    server.state.failures = 2;
    const { result } = await run("actions", { workflowId: "workflowLevel" });
    expect(result).toMatchObject({ success: true, outputs: { calls: 3 } });
    expect(server.calls.map((c) => c.rawPath)).toEqual([
      "/flaky/w1",
      "/flaky/w1",
      "/flaky/w1",
      "/next/last",
    ]);
    expect(result.steps.never.status).toBe("skipped");
  });

  it("a timed-out call is a failure that a retry action retries", async () => {
    const { result } = await run("actions", { workflowId: "slowRetry", timeoutMs: 100 });
    expect(result.success).toBe(false);
    expect(result.steps.slow).toMatchObject({ status: "failed", attempts: 2 });
    expect(result.error).toMatchObject({ code: "http-failed", details: { timedOut: true } });
    expect(result.error!.message).toContain("timed out after 100 ms");
    expect(server.count("GET /slow/{ms}")).toBe(2);
  });

  it("a refused connection is a failure too", async () => {
    const closed = await freePort();
    const result = await runArazzo({
      file: fixture("actions"),
      workflowId: "noAction",
      sourceUrls: { api: `http://127.0.0.1:${closed}` },
      runs: new MemoryStore(),
      env: {},
    });
    expect(result.success).toBe(false);
    expect(result.error?.code).toBe("http-failed");
    expect(result.error?.message).toContain("connection refused");
  });
});

describe("parameters and request bodies", () => {
  it("sends path (percent-encoded, / included), query, header and cookie parameters; workflow parameters apply, step ones win", async () => {
    const { result } = await run("params", { inputs: { item: "a/b c", name: "Ann", count: 3 } });
    expect(result.success).toBe(true);
    const out = result.steps.get.outputs!;
    expect(out.rawPath).toBe("/echo/a%2Fb%20c");
    expect(out.item).toBe("a/b c");
    expect(out.query).toEqual({ q: "hello Ann", tags: ["a", "b"] });
    expect(out.trace).toBe("step-trace");
    expect(out.tenant).toBe("workflow-tenant");
    expect(server.calls[0]!.headers.cookie).toBe("session=s-42");
    expect(out.cookie).toBe("***"); // a Cookie header's value is a secret in step details
    expect(out.sentTrace).toBe("step-trace");
    expect(out.echoCount).toBe("1");
    expect(out.url).toBe(`${server.url}/echo/a%2Fb%20c?q=hello+Ann&tags=a&tags=b`);
    expect(out.method).toBe("GET");
  });

  it("evaluates expressions inside a JSON body, keeping their types, and applies replacements", async () => {
    const { result } = await run("params", { inputs: { item: "x", name: "Ann", count: 3 } });
    expect(result.outputs.body).toEqual({
      greeting: "Hello Ann!",
      count: 3,
      previous: "x",
      nested: { list: [1, 3], fixed: false },
    });
    expect(result.steps.post.outputs!.sentGreeting).toBe("Hello Ann!");
    const call = server.calls.find((c) => c.route === "ANY /echo/{item}" && c.method === "POST")!;
    expect(call.headers["content-type"]).toBe("application/json");
    const form = server.calls.find((c) => c.rawPath === "/echo/x/form")!;
    expect(form.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(form.body).toBe("user=Ann&n=2");
    expect(result.steps.form.status).toBe("succeeded");
  });
});

describe("workflowId steps", () => {
  it("runs a workflow of another Arazzo document with the step's parameters as inputs; $outputs names its outputs", async () => {
    server.state.pollsBeforeDone = 1;
    const result = await runArazzo({
      file: fixture("caller"),
      inputs: { scenario: "s9" },
      sourceUrls: { api: server.url },
      runs: new MemoryStore(),
      env: {},
    });
    expect(result).toMatchObject({
      success: true,
      workflowId: "nightly",
      outputs: { runId: "run-1", outcome: "passed" },
    });
    expect(result.steps.runIt).toMatchObject({
      status: "succeeded",
      attempts: 1,
      statusCode: 200,
      outputs: { runId: "run-1", outcome: "passed", lastStatus: 200 },
    });
    expect(result.workflows?.["flows.runAndPoll"]).toMatchObject({
      success: true,
      outputs: { runId: "run-1", outcome: "passed" },
    });
    expect(server.calls.map((c) => c.rawPath)).toEqual([
      "/scenarios/s9",
      "/scenarios/s9/runs",
      "/runs/run-1/status",
      "/runs/run-1/status",
    ]);
  });

  it("names the called workflow's steps after it in the run's step records", async () => {
    server.state.pollsBeforeDone = 0;
    const runs = new MemoryStore();
    const result = await runArazzo({
      file: fixture("caller"),
      inputs: { scenario: "s9" },
      sourceUrls: { api: server.url },
      runs,
      env: {},
    });
    const names = (await runs.getRun(result.runId))!.steps.map((s) => s.step).sort();
    expect(names).toEqual([
      "flows.runAndPoll/check",
      "flows.runAndPoll/poll",
      "flows.runAndPoll/trigger",
      "nightly/runIt",
    ]);
  });

  it("fails the calling step when the called workflow fails", async () => {
    const result = await runArazzo({
      file: fixture("caller"),
      inputs: { scenario: "missing" },
      sourceUrls: { api: server.url },
      runs: new MemoryStore(),
      env: {},
    });
    expect(result.success).toBe(false);
    expect(result.steps.runIt.status).toBe("failed");
    expect(result.error!.message).toContain('the workflow it calls, "flows.runAndPoll", failed');
  });
});

describe("called workflows' inputs", () => {
  it("are checked against the called workflow's schema before its first call", async () => {
    const result = await runArazzo({
      file: fixture("caller"),
      inputs: {},
      sourceUrls: { api: server.url },
      runs: new MemoryStore(),
      env: {},
    });
    expect(result.success).toBe(false);
    expect(result.steps.runIt.status).toBe("failed");
    expect(result.error!.message).toContain('input "scenarioId" is required');
    expect(server.calls).toHaveLength(0);
  });
});

describe("dependsOn", () => {
  it("runs dependencies first, once each, and independent workflows at the same time", async () => {
    const { result } = await run("depends");
    expect(result.success).toBe(true);
    expect(Object.keys(result.workflows!).sort()).toEqual(["first", "last", "left", "right"]);
    const w = result.workflows!;
    const firstEnded = w.first!.outputs.ended as number;
    expect(w.left!.outputs.started as number).toBeGreaterThanOrEqual(firstEnded);
    expect(w.right!.outputs.started as number).toBeGreaterThanOrEqual(firstEnded);
    expect(w.left!.outputs.firstEnded).toBe(firstEnded);
    // left and right overlap: each call started before the other one's answer came
    expect(w.left!.outputs.started as number).toBeLessThan(w.right!.outputs.ended as number);
    expect(w.right!.outputs.started as number).toBeLessThan(w.left!.outputs.ended as number);
    expect(w.last!.outputs.started as number).toBeGreaterThanOrEqual(
      Math.max(w.left!.outputs.ended as number, w.right!.outputs.ended as number),
    );
    expect(server.count("GET /slow/{ms}")).toBe(4);
    expect(result.workflowId).toBe("last");
  });

  it("running one workflow runs its dependsOn first and only them", async () => {
    const { result, runs } = await run("depends", { workflowId: "left" });
    expect(result.success).toBe(true);
    expect(Object.keys(result.workflows!).sort()).toEqual(["first", "left"]);
    expect(server.calls.map((c) => c.rawPath)).toEqual(["/slow/50", "/slow/300"]);
    expect((await runs.getRun(result.runId))!.run.pipeline).toBe("left");
  });
});

describe("loops are bounded", () => {
  it("the step budget stops a loop that never ends, naming it", async () => {
    server.state.done = false;
    server.state.pollsBeforeDone = 1e9;
    const { result } = await run("loop", { workflowId: "quick", maxSteps: 20 });
    expect(result.success).toBe(false);
    expect(result.error!.code).toBe("loop-limit");
    expect(result.error!.message).toContain(
      'Step "poll" of workflow "quick" ran 19 times: the step budget (--max-steps 20) is used up; the success-goto from "poll" back to "poll" never ended',
    );
    expect(server.count("GET /runs/{id}/status")).toBe(19);
    expect(result.steps.poll).toMatchObject({ status: "failed", attempts: 19 });
  });

  it("a loop without x-sluice-poll waits 1 s doubling to 30 s between polls, for at most the poll timeout", async () => {
    server.state.pollsBeforeDone = 1e9;
    const clock = fakeClock();
    const { result } = await run("loop", { workflowId: "forever", clock, pollTimeoutMs: 200_000 });
    expect(clock.waits).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000, 30000]);
    expect(server.count("GET /runs/{id}/status")).toBe(11);
    expect(result.error).toMatchObject({
      code: "loop-limit",
      message: expect.stringContaining("the poll timeout of 200000 ms (--poll-timeout)"),
    });
  });

  it("a poll loop honours the response's Retry-After when it asks for more", async () => {
    server.state.pollsBeforeDone = 2;
    server.state.retryAfter = "7";
    const clock = fakeClock();
    const { result } = await run("loop", { workflowId: "forever", clock });
    expect(result.success).toBe(true);
    expect(clock.waits).toEqual([7000, 7000]);
  });

  it("x-sluice-poll's timeoutMs fails the loop with loop-limit", async () => {
    server.state.pollsBeforeDone = 1e9;
    const clock = fakeClock();
    const { result } = await run("loop", { workflowId: "timed", clock });
    expect(result.success).toBe(false);
    expect(result.error!.code).toBe("loop-limit");
    expect(result.error!.message).toContain("x-sluice-poll timeoutMs of 200 ms");
    // Polls at 0, 30, ..., 180 ms of the clock: one more wait of 30 ms would pass 200 ms.
    expect(server.count("GET /runs/{id}/status")).toBe(7);
    expect(clock.waits).toEqual([30, 30, 30, 30, 30, 30]);
    expect(result.error!.message).toContain("polled for 180 ms");
  });
});

describe("inputs", () => {
  it("are checked against the workflow's schema before the first call, naming the field", async () => {
    await expect(run("inputs", { inputs: { item: "x", count: 0 } })).rejects.toMatchObject({
      code: "invalid-inputs",
      message: expect.stringContaining('input "count" must be >= 1'),
    });
    await expect(run("inputs", { inputs: { count: 2 } })).rejects.toMatchObject({
      code: "invalid-inputs",
      message: expect.stringContaining('input "item" is required'),
    });
    await expect(
      run("inputs", { inputs: { item: "x", count: 2, when: "not a date" } }),
    ).rejects.toMatchObject({
      code: "invalid-inputs",
      message: expect.stringContaining('input "when" must match format "date"'),
    });
    expect(server.calls).toHaveLength(0);
  });

  it("are read from SLUICE_INPUT_<NAME> when not given; a password format is only an annotation", async () => {
    const { result } = await run("inputs", {
      inputs: { item: "x" },
      env: {
        SLUICE_INPUT_COUNT: "4",
        SLUICE_INPUT_FLAG: "true",
        SLUICE_INPUT_X_API_KEY: "k-123",
        SLUICE_INPUT_WHEN: "2025-01-02",
      },
    });
    expect(result.success).toBe(true);
    expect(result.outputs.body).toEqual({ count: 4, flag: true, key: "k-123" });
  });
});

describe("secrets", () => {
  it("are masked in params, logs and step details; declared outputs are returned as they are", async () => {
    const runs = new MemoryStore();
    const result = await runArazzo({
      file: fixture("secrets"),
      inputs: { apiToken: "tok-SECRET-1", pin: "4321", user: "ann" },
      sourceUrls: { api: server.url },
      runs,
      env: {},
    });
    expect(result.success).toBe(true);
    expect(result.outputs).toEqual({ token: "tok-SECRET-1", auth: "Bearer tok-ann" });
    expect(JSON.stringify(result.steps)).not.toContain("tok-SECRET-1");
    expect(JSON.stringify(result.steps)).not.toContain("tok-ann");
    const { run: record } = (await runs.getRun(result.runId))!;
    expect(record.params).toEqual({ apiToken: "***", pin: "***", user: "ann" });
    const logs = JSON.stringify(await runs.readLogs(result.runId));
    expect(logs).toContain("/echo/private");
    for (const secret of ["tok-SECRET-1", "4321", "tok-ann"]) expect(logs).not.toContain(secret);
    expect(JSON.stringify(record.checkpoint)).not.toContain("tok-SECRET-1");
    expect(JSON.stringify(record.checkpoint)).not.toContain("4321");
  });
});

describe("recorded HTTP exchanges", () => {
  it("each step record keeps its request, response and criteria results, secrets masked (a token learned later too)", async () => {
    const runs = new MemoryStore();
    const result = await runArazzo({
      file: fixture("secrets"),
      inputs: { apiToken: "tok-SECRET-1", pin: "4321", user: "ann" },
      sourceUrls: { api: server.url },
      runs,
      env: {},
    });
    expect(result.success).toBe(true);
    const steps = (await runs.getRun(result.runId))!.steps;
    const login = steps.find((s) => s.step === "login")!.http!;
    expect(login.request).toMatchObject({
      method: "POST",
      url: `${server.url}/login`,
      body: '{"user":"ann","pin":"***"}',
    });
    // The login's response held the token the next step sent as "Bearer tok-ann": masked there too.
    expect(login.response).toMatchObject({ status: 200, body: '{"token":"***"}' });
    const call = steps.find((s) => s.step === "call")!.http!;
    expect(call.request.url).toBe(`${server.url}/echo/private?q=***`);
    expect(call.request.headers).toMatchObject({ Authorization: "***", "X-Trace": "trace ***" });
    expect(call.response!.status).toBe(200);
    expect(call.criteria).toEqual([
      { condition: "$statusCode == 200", type: "simple", held: true },
    ]);
    for (const secret of ["tok-SECRET-1", "4321", "tok-ann"])
      expect(JSON.stringify(steps)).not.toContain(secret);
  });

  it("a failed criterion is recorded as not held", async () => {
    const runs = new MemoryStore();
    const result = await runArazzo({
      file: fixture("actions"),
      workflowId: "noAction",
      sourceUrls: { api: server.url },
      runs,
      env: {},
    });
    expect(result.success).toBe(false);
    const failed = (await runs.getRun(result.runId))!.steps.find(
      (s) => s.status === "failed",
    )!.http!;
    expect(failed.response!.status).toBe(404);
    expect(failed.criteria).toEqual([
      { condition: "$statusCode == 200", type: "simple", held: false },
    ]);
  });
});

describe("validation comes first", () => {
  it("an invalid document throws its diagnostics and makes no call", async () => {
    await expect(run("invalid")).rejects.toMatchObject({
      code: "invalid-document",
      message: expect.stringContaining('stepId "nowhere" is not a step of workflow "broken"'),
    });
    expect(server.calls).toHaveLength(0);
  });
});

describe("failures of nested calls", () => {
  it("keep a bounded message (first and last calls) and a flat list of the calls, whatever the depth", async () => {
    const depth = 12;
    const dir = tempDir("sluice-nested-");
    copyFileSync("test/fixtures/arazzo/run/api.openapi.yaml", join(dir, "api.openapi.yaml"));
    const workflows = Array.from({ length: depth }, (_, i) =>
      i < depth - 1
        ? `  - workflowId: w${i}\n    steps:\n      - { stepId: call${i}, workflowId: w${i + 1} }\n`
        : `  - workflowId: w${i}\n    steps:\n      - stepId: deepest\n        operationId: echo\n        parameters: [{ name: item, in: path, value: x }]\n        successCriteria: [{ condition: $statusCode == 201 }]\n`,
    );
    const file = join(dir, "nested.arazzo.yaml");
    writeFileSync(
      file,
      `arazzo: 1.0.1\ninfo: { title: nested, version: "1" }\nsourceDescriptions:\n  - { name: api, url: ./api.openapi.yaml, type: openapi }\nworkflows:\n${workflows.join("")}`,
    );
    const result = await runArazzo({
      file,
      workflowId: "w0",
      sourceUrls: { api: server.url },
      runs: new MemoryStore(),
      env: {},
    });
    expect(result.success).toBe(false);
    const error = result.error!;
    expect(
      error.message.startsWith(
        'Step "call0": the workflow it calls, "w1", failed: Step "call1": the workflow it calls, "w2", failed: ... (7 nested calls, listed in details.calls) ...: Step "call9"',
      ),
    ).toBe(true);
    expect(error.message).toContain(
      `Step "call10": the workflow it calls, "w11", failed: Step "deepest": its success criterion "$statusCode == 201" does not hold`,
    );
    expect(error.message.match(/the workflow it calls/g)).toHaveLength(4);
    const details = error.details as {
      calls: Array<{ step: string; workflow: string }>;
      cause: { code: string };
    };
    expect(details.calls.map((c) => c.step)).toEqual(
      Array.from({ length: depth - 1 }, (_, i) => `call${i}`),
    );
    expect(details.cause.code).toBe("criteria-failed");
    // Linear, not nested: the whole error is a few KiB however deep the calls go.
    expect(JSON.stringify(error).length).toBeLessThan(4096);
  });
});
