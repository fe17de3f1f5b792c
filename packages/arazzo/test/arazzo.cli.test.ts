// `sluice arazzo validate | run | describe` through the built CLI (node bin/sluice.js, which runs dist/),
// against the mock API on 127.0.0.1. The server lives in this process, so the CLI is spawned asynchronously.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runFixture, useMockServer, type MockServer } from "../../../test/support/arazzo-server.js";
import { sluiceAsync } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";

const fixture = runFixture;
let server: MockServer;
useMockServer((started) => (server = started));

const api = () => ["--source-url", `api=${server.url}`];

describe("sluice arazzo validate", () => {
  it("prints every diagnostic as file:line:column: message (hint) and exits 2", async () => {
    const { code, stdout } = await sluiceAsync(["arazzo", "validate", fixture("invalid")]);
    expect(code).toBe(2);
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^test\/fixtures\/arazzo\/run\/invalid\.arazzo\.yaml:16:47: .*stepId "nowhere" is not a step of workflow "broken" \(steps of "broken": one, two\)$/,
    );
    expect(lines[1]).toMatch(
      /^test\/fixtures\/arazzo\/run\/invalid\.arazzo\.yaml:18:22: .*has operationId "noSuchOperation" \(operationIds there: .*\)$/,
    );
  });

  it("says valid and exits 0; --json gives the diagnostics as data", async () => {
    const ok = await sluiceAsync(["arazzo", "validate", fixture("actions")]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe("valid: 11 workflows\n");
    const bad = await sluiceAsync(["arazzo", "validate", fixture("invalid"), "--json"]);
    expect(bad.code).toBe(2);
    const out = bad.json();
    expect(out.valid).toBe(false);
    expect(out.diagnostics).toHaveLength(2);
    expect(out.diagnostics[0]).toMatchObject({
      line: 16,
      column: 47,
      path: "/workflows/0/steps/0/onSuccess/0/stepId",
    });
    expect(out.error.code).toBe("invalid-document");
  });

  it("rejects a --source-url naming no source description", async () => {
    const { code, stderr } = await sluiceAsync([
      "arazzo",
      "validate",
      fixture("actions"),
      "--source-url",
      "nope=http://127.0.0.1:1",
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain('no source description "nope"');
  });
});

describe("sluice arazzo run", () => {
  it("--json prints only the result JSON: runId, workflowId, success, outputs, steps", async () => {
    server.state.pollsBeforeDone = 2;
    const { code, stdout, stderr } = await sluiceAsync([
      "arazzo",
      "run",
      fixture("run-and-poll"),
      "--json",
      "--input",
      "scenarioId=s1",
      "--input",
      "reason=cli",
      ...api(),
    ]);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({
      workflowId: "runAndPoll",
      success: true,
      outputs: { runId: "run-1", outcome: "passed", polls: 3 },
    });
    expect(typeof result.runId).toBe("string");
    expect(result.steps.poll).toEqual({
      status: "succeeded",
      attempts: 3,
      statusCode: 200,
      outputs: { outcome: "passed", polls: 3 },
    });
    expect(result.workflows).toBeUndefined();
    expect(stderr).toBe("");
  });

  it("without --json prints a line per step execution and a summary", async () => {
    server.state.pollsBeforeDone = 1;
    const { code, stdout, stderr } = await sluiceAsync([
      "arazzo",
      "run",
      fixture("run-and-poll"),
      "--input",
      "scenarioId=s1",
      "--input",
      "reason=cli",
      ...api(),
    ]);
    expect(code).toBe(0);
    expect(stderr).toContain("✔ runAndPoll/trigger POST /scenarios/{scenarioId}/runs -> 202");
    expect(stderr).toContain("✔ runAndPoll/poll (#2) GET /runs/{runId}/status -> 200");
    expect(stdout).toMatch(/^Workflow runAndPoll succeeded in .* \(run \S+\)\.\nOutputs: \{/);
  });

  it("exits 1 when the workflow fails, with the result still on stdout", async () => {
    const { code, stdout } = await sluiceAsync([
      "arazzo",
      "run",
      fixture("actions"),
      "--workflow",
      "endOnFailure",
      "--json",
      ...api(),
    ]);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({
      success: false,
      workflowId: "endOnFailure",
      error: { code: "criteria-failed" },
    });
  });

  it("exits 2 for an invalid document before any call, with the diagnostics in the JSON error", async () => {
    const { code, stdout } = await sluiceAsync([
      "arazzo",
      "run",
      fixture("invalid"),
      "--json",
      ...api(),
    ]);
    expect(code).toBe(2);
    const { error } = JSON.parse(stdout);
    expect(error.code).toBe("invalid-document");
    expect(error.message).toContain("invalid.arazzo.yaml:16:47");
    expect(error.details.diagnostics).toHaveLength(2);
    expect(server.calls).toHaveLength(0);
  });

  it("takes inputs from --input, --inputs JSON, --inputs @file and SLUICE_INPUT_<NAME>", async () => {
    const dir = tempDir("sluice-inputs-");
    const file = join(dir, "inputs.json");
    writeFileSync(file, JSON.stringify({ item: "from-file", count: 2 }));
    const fromFile = await sluiceAsync([
      "arazzo",
      "run",
      fixture("inputs"),
      "--json",
      "--inputs",
      `@${file}`,
      "--input",
      "flag=false",
      ...api(),
    ]);
    expect(fromFile.code).toBe(0);
    expect(fromFile.json().outputs.body).toEqual({ count: 2, flag: false });
    const inline = await sluiceAsync([
      "arazzo",
      "run",
      fixture("inputs"),
      "--json",
      "--inputs",
      '{"item":"x","count":5}',
      "--input",
      "count=7",
      ...api(),
    ]);
    // flag was not given: its schema's default applies.
    expect(inline.json().outputs.body).toEqual({ count: 7, flag: true });
    const fromEnv = await sluiceAsync(["arazzo", "run", fixture("inputs"), "--json", ...api()], {
      env: {
        SLUICE_INPUT_ITEM: "42",
        SLUICE_INPUT_COUNT: "3",
        SLUICE_INPUT_X_API_KEY: "key-1",
        SLUICE_INPUT_UNDECLARED: "ignored",
      },
    });
    expect(fromEnv.code).toBe(0);
    expect(fromEnv.json().outputs.body).toEqual({ count: 3, flag: true, key: "key-1" });
    // A number on the command line for a string input is its text.
    const numeric = await sluiceAsync([
      "arazzo",
      "run",
      fixture("inputs"),
      "--json",
      "--input",
      "item=123",
      "--input",
      "count=1",
      ...api(),
    ]);
    expect(numeric.code).toBe(0);
    expect(server.calls.map((c) => c.rawPath)).toEqual([
      "/echo/from-file",
      "/echo/x",
      "/echo/42",
      "/echo/123",
    ]);
  });

  it("refuses an input no workflow declares, with the near name, before any call", async () => {
    const { code, stdout } = await sluiceAsync([
      "arazzo",
      "run",
      fixture("inputs"),
      "--json",
      "--input",
      "itme=x",
      "--input",
      "count=1",
      ...api(),
    ]);
    expect(code).toBe(2);
    expect(JSON.parse(stdout).error).toMatchObject({
      code: "invalid-inputs",
      message: expect.stringContaining('Unknown input "itme" (did you mean "item"?)'),
    });
    expect(server.calls).toHaveLength(0);
  });

  it("exits 2 for invalid inputs, naming the field, before any call", async () => {
    const { code, stdout } = await sluiceAsync([
      "arazzo",
      "run",
      fixture("inputs"),
      "--json",
      "--input",
      "item=x",
      "--input",
      "count=many",
      ...api(),
    ]);
    expect(code).toBe(2);
    const { error } = JSON.parse(stdout);
    expect(error.code).toBe("invalid-inputs");
    expect(error.message).toContain('input "count" must be integer');
    expect(server.calls).toHaveLength(0);
    const missing = await sluiceAsync([
      "arazzo",
      "run",
      fixture("inputs"),
      "--input",
      "count=1",
      ...api(),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('input "item" is required');
  });

  it("runs every workflow of a document, and reports each under workflows", async () => {
    const { code, stdout } = await sluiceAsync([
      "arazzo",
      "run",
      fixture("depends"),
      "--json",
      ...api(),
    ]);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.workflowId).toBe("last");
    expect(Object.keys(result.workflows).sort()).toEqual(["first", "last", "left", "right"]);
    expect(result.workflows.left).toMatchObject({
      success: true,
      steps: { go: { status: "succeeded", attempts: 1, statusCode: 200 } },
    });
  });

  it("fails the run when the step budget is used up, naming the loop", async () => {
    server.state.pollsBeforeDone = 1e9;
    const { code, stdout } = await sluiceAsync([
      "arazzo",
      "run",
      fixture("loop"),
      "--workflow",
      "quick",
      "--max-steps",
      "10",
      "--json",
      ...api(),
    ]);
    expect(code).toBe(1);
    const { error } = JSON.parse(stdout);
    expect(error.code).toBe("loop-limit");
    expect(error.message).toContain(
      'ran 9 times: the step budget (--max-steps 10) is used up; the success-goto from "poll" back to "poll" never ended',
    );
  });
});

describe("the run is a sluice run", () => {
  it("sluice runs, show and logs see it; secrets are masked there, outputs are returned", async () => {
    const home = tempDir("sluice-arazzo-home-");
    const ran = await sluiceAsync(
      [
        "arazzo",
        "run",
        fixture("secrets"),
        "--json",
        "--input",
        "apiToken=tok-TOP-SECRET",
        "--input",
        "user=ann",
        ...api(),
      ],
      { home, env: { SLUICE_INPUT_PIN: "98765" } },
    );
    expect(ran.code).toBe(0);
    const result = ran.json();
    expect(result.outputs).toEqual({ token: "tok-TOP-SECRET", auth: "Bearer tok-ann" });
    expect(result.steps.call.outputs).toEqual({ seenToken: "***", seenAuth: "***" });

    const runs = (await sluiceAsync(["runs", "--json"], { home })).json().runs;
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      runId: result.runId,
      pipeline: "secret",
      status: "succeeded",
      params: { apiToken: "***", pin: "***", user: "ann" },
    });

    const shown = await sluiceAsync(["show", result.runId], { home });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`Run ${result.runId} of pipeline "secret": succeeded`);
    expect(shown.stdout).toMatch(/login\s+succeeded\s+forced\s+1/);
    expect(shown.stdout).toMatch(/call\s+succeeded\s+forced\s+1/);
    expect(shown.stdout).toMatch(
      / {2}call: GET http:\/\/127\.0\.0\.1:\d+\/echo\/private\?q=\*\*\* -> 200/,
    );
    const shownHttp = await sluiceAsync(["show", result.runId, "--http"], { home });
    expect(shownHttp.stdout).toMatch(/authorization: \*\*\*/i);
    const shownJson = (await sluiceAsync(["show", result.runId, "--json"], { home })).json();
    expect(shownJson.steps.map((s: { name: string }) => s.name)).toEqual(["login", "call"]);
    expect(shownJson.steps[0]).not.toHaveProperty("step"); // named once, by name

    const logs = await sluiceAsync(["logs", result.runId], { home });
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain("[login] info  POST");
    expect(logs.stdout).toMatch(
      /\[call\] info {2}GET http:\/\/127\.0\.0\.1:\d+\/echo\/private\?q=\*\*\* -> 200/,
    );
    const logsJson = (await sluiceAsync(["logs", result.runId, "--json"], { home })).stdout;
    for (const text of [
      shown.stdout,
      shownHttp.stdout,
      JSON.stringify(shownJson),
      logs.stdout,
      logsJson,
    ]) {
      for (const secret of ["tok-TOP-SECRET", "98765", "tok-ann"])
        expect(text).not.toContain(secret);
    }
    expect(logsJson).toContain('"Authorization": "***"');
  });

  it("a failed step shows its error in show", async () => {
    const home = tempDir("sluice-arazzo-home-");
    const ran = await sluiceAsync(
      ["arazzo", "run", fixture("actions"), "--workflow", "noAction", "--json", ...api()],
      { home },
    );
    const shown = await sluiceAsync(["show", ran.json().runId], { home });
    expect(shown.stdout).toContain(
      'First failure: step "broken" [criteria-failed]: Step "broken": its success criterion "$statusCode == 200" does not hold',
    );
    expect(shown.stdout).toContain(`of pipeline "noAction": failed`);
    // The HTTP call: what was sent, what came back, which criterion did not hold and what the body said.
    expect(shown.stdout).toMatch(
      / {2}broken: GET http:\/\/127\.0\.0\.1:\d+\/status\/404 -> 404\n {6}not held \$statusCode == 200\n {6}body: \{"code":404\}/,
    );
    expect(shown.stdout).not.toContain("content-type");
    const full = await sluiceAsync(["show", ran.json().runId, "--http"], { home });
    expect(full.stdout).toMatch(/response 404:\n {8}content-type: application\/json/);
    expect(full.stdout).toContain('response body:\n        {\n          "code": 404\n        }');
  });
});

describe("sluice arazzo describe", () => {
  it("lists workflows with inputs, steps and outputs", async () => {
    const { code, stdout } = await sluiceAsync(["arazzo", "describe", fixture("run-and-poll")]);
    expect(code).toBe(0);
    expect(stdout).toContain(
      "workflow runAndPoll: Check the scenario, trigger a run, poll its status until it stops running.",
    );
    expect(stdout).toContain(
      "scenarioId: string (required; env SLUICE_INPUT_SCENARIOID) the scenario to run",
    );
    expect(stdout).toContain("trigger: POST /scenarios/{scenarioId}/runs (startRun)");
    expect(stdout).toContain("outputs: runId, outcome, polls");
  });

  it("--json gives the same as data; --workflow picks one", async () => {
    const { code, stdout } = await sluiceAsync(["arazzo", "describe", fixture("inputs"), "--json"]);
    expect(code).toBe(0);
    const [wf] = JSON.parse(stdout).workflows;
    expect(wf.inputs).toContainEqual({
      name: "x-api-key",
      type: "string",
      required: false,
      secret: true,
      env: "SLUICE_INPUT_X_API_KEY",
    });
    expect(wf.inputs).toContainEqual({
      name: "count",
      type: "integer",
      required: true,
      secret: false,
      env: "SLUICE_INPUT_COUNT",
    });
    expect(wf.steps).toEqual([
      {
        stepId: "echo",
        kind: "operation",
        target: "echoPost",
        method: "POST",
        path: "/echo/{item}",
      },
    ]);
    const caller = JSON.parse(
      (
        await sluiceAsync([
          "arazzo",
          "describe",
          fixture("caller"),
          "--json",
          "--workflow",
          "nightly",
        ])
      ).stdout,
    );
    expect(caller.workflows[0].steps[0]).toMatchObject({
      stepId: "runIt",
      kind: "workflow",
      workflow: "flows.runAndPoll",
    });
  });
});
