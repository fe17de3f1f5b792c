// What a client sees of a failure, over REST and SSE alike: code, message, step, runId and details;
// never a stack, and never a folder of the server (a real server on a workspace whose step always fails).
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  api,
  createKey,
  readEvents,
  root,
  startServer,
  waitForRun,
  type RunningServer,
} from "../../../test/support/sluice-server.js";
import { tempDir } from "../../../test/support/temp-dir.js";

const flakyWorkspace = join(root, "test/fixtures/flaky-workspace");
const P = "/api/projects/demo";

let server: RunningServer;
let key: string;

beforeAll(async () => {
  const home = tempDir("sluice-server-test-");
  key = (await createKey(home)).key;
  server = await startServer(home, ["--config", flakyWorkspace]);
});
afterAll(async () => {
  await server?.stop();
});

/** Fails when `text` (JSON sent to a client) holds a stack or names a folder of the server. */
function expectNothingOfTheServer(text: string) {
  expect(text).not.toContain('"stack"');
  expect(text).not.toMatch(/\bat .*\.(m?js|ts):\d+/);
  expect(text).not.toContain("file://");
  for (const folder of [root, flakyWorkspace, server.home]) expect(text).not.toContain(folder);
}

describe("errors sent to clients", () => {
  it("carry no stack and no server folder in the SSE events of a retried, failing step", async () => {
    let ready!: () => void;
    const subscribed = new Promise<void>((resolve) => (ready = resolve));
    const streamed = readEvents(
      `${server.url}${P}/events`,
      key,
      (e) => e.event === "run:end",
      (e) => e.event === "ready" && ready(),
    );
    await subscribed;
    const started = (await api(server, key, "POST", `${P}/flows/flaky/runs`, {})).json;
    const events = await streamed;

    const retry = events.find((e) => e.event === "step:retry");
    expect(retry?.data).toMatchObject({
      runId: started.runId,
      step: "fetch",
      attempt: 1,
      error: { code: "step-failed", message: "cannot read <workspace>/data.csv" },
    });
    const stepEnd = events.find((e) => e.event === "step:end");
    expect(stepEnd?.data.result).toMatchObject({
      status: "failed",
      attempts: 2,
      error: { code: "step-failed", step: "fetch", message: "cannot read <workspace>/data.csv" },
    });
    expect(events.at(-1)?.data).toMatchObject({
      status: "failed",
      firstFailure: { step: "fetch", error: { code: "step-failed" } },
    });
    expectNothingOfTheServer(JSON.stringify(events));
  });

  it("carry no stack and no server folder in the run's REST answers and its log", async () => {
    const started = (await api(server, key, "POST", `${P}/flows/flaky/runs`, {})).json;
    expect((await waitForRun(server, key, started.runId)).outcome).toBe("failed");
    const detail = await api(server, key, "GET", `${P}/runs/${started.runId}`);
    expect(detail.json.firstFailure).toEqual({
      step: "fetch",
      error: {
        code: "step-failed",
        step: "fetch",
        runId: started.runId,
        message: "cannot read <workspace>/data.csv",
      },
    });
    expectNothingOfTheServer(detail.text);
    const logs = await api(server, key, "GET", `${P}/runs/${started.runId}/logs`);
    expect(logs.json.logs.at(-1)).toMatchObject({
      level: "error",
      message: "failed after 2 attempts [step-failed]: cannot read <workspace>/data.csv",
    });
    expectNothingOfTheServer(logs.text);
    expectNothingOfTheServer((await api(server, key, "GET", `${P}/runs`)).text);
  });
});
