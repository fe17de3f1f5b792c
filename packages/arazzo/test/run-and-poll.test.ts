// examples/run-and-poll end to end: `sluice server` serves the iris flow, `sluice arazzo run` runs
// the example document against it (real HTTP), and the server's record of the run agrees.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  api,
  createKey,
  root,
  startServer,
  type RunningServer,
} from "../../../test/support/sluice-server.js";
import { sluiceAsync } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";

const example = join(root, "examples/run-and-poll");
let server: RunningServer;
let key: string;

beforeAll(async () => {
  const home = tempDir("sluice-server-test-");
  key = (await createKey(home)).key;
  server = await startServer(home, ["--config", example]);
});
afterAll(async () => {
  await server?.stop();
});

/** `sluice arazzo run` of the example; asynchronous, as this process keeps connections to the server. */
function arazzoRun(inputs: string[]) {
  return sluiceAsync(
    [
      "arazzo",
      "run",
      join(example, "run-and-poll.arazzo.yaml"),
      "--json",
      "--source-url",
      `sluice=${server.url}`,
      ...inputs,
    ],
    { cwd: example, env: { SLUICE_INPUT_APIKEY: key } },
  );
}

describe("examples/run-and-poll", () => {
  it("triggers the flow, polls until it is done, and outputs the run id and outcome the server recorded", async () => {
    const result = await arazzoRun(["--input", "project=demo", "--input", "flow=iris"]);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const { success, outputs, steps } = JSON.parse(result.stdout);
    expect(success).toBe(true);
    expect(outputs).toMatchObject({
      outcome: "succeeded",
      status: "succeeded",
      runId: expect.stringMatching(/^\d{8}T\d{6}Z-/),
    });
    expect(steps.poll.attempts).toBeGreaterThanOrEqual(1);
    expect(result.stdout).not.toContain(key);

    const recorded = (await api(server, key, "GET", `/api/projects/demo/runs/${outputs.runId}`))
      .json;
    expect(recorded.status).toBe("succeeded");
    expect(recorded.pipeline).toBe("iris");
    expect(recorded.flow.version).toBe(outputs.version);
    expect(recorded.steps.map((s: { name: string }) => s.name)).toContain("train");
  });

  it("fails the workflow at its first step when the flow does not exist", async () => {
    const result = await arazzoRun(["--input", "project=demo", "--input", "flow=nope"]);
    expect(result.code).toBe(1);
    const { success, steps } = JSON.parse(result.stdout);
    expect(success).toBe(false);
    expect(steps["check-flow"]).toMatchObject({ status: "failed", statusCode: 404 });
    expect(steps.trigger.status).toBe("skipped");
  });

  it("ships the OpenAPI document the server serves (which lists the server's own address, the shipped one the default)", async () => {
    const { servers, ...served } = (await api(server, key, "GET", "/api/openapi.json")).json;
    const { servers: defaultServers, ...shipped } = JSON.parse(
      readFileSync(join(example, "sluice-api.openapi.json"), "utf8"),
    );
    expect(shipped).toEqual(served);
    expect(servers).toEqual([{ url: server.url, description: "this sluice server" }]);
    expect(defaultServers).toEqual([
      { url: "http://127.0.0.1:8080", description: "sluice server's default address" },
    ]);
  });
});
