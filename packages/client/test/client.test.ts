// The typed client (sluice/client) against a real server: run-and-wait, runs, logs, datasets, errors.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SluiceApiError, SluiceClient, SluiceRunFailedError } from "sluice/client";
import { createKey, startServer, type RunningServer } from "../../../test/support/sluice-server.js";
import { tempDir } from "../../../test/support/temp-dir.js";

let server: RunningServer;
let client: SluiceClient;

beforeAll(async () => {
  const home = tempDir("sluice-server-test-");
  const { key } = await createKey(home);
  server = await startServer(home);
  client = new SluiceClient({ baseUrl: server.url, apiKey: key });
});
afterAll(async () => {
  await server?.stop();
});

describe("SluiceClient", () => {
  it("runs a flow and waits for it, then reads its runs, log, datasets and schema", async () => {
    const demo = client.project("demo");
    expect((await client.projects()).map((p) => p.key)).toEqual(["demo"]);
    expect((await demo.flows.list()).map((f) => f.name)).toEqual(["training", "etl"]);
    expect((await demo.flow("training").get()).paramsSchema).toHaveProperty("properties.lr");

    const job = await demo.flow("training").run({ params: { rows: 3 }, wait: true, noFail: true });
    expect(job.status).toBe("succeeded");
    expect(job.steps.map((s) => s.name)).toEqual(["load", "train"]);
    expect((await demo.runs.list({ flow: "training", limit: 5 })).map((r) => r.runId)).toContain(
      job.runId,
    );
    expect((await demo.runs.get(job.runId)).runId).toBe(job.runId);
    expect(await demo.runs.metrics(job.runId)).toEqual({ train: { accuracy: 0.9 } });
    expect((await demo.log(job.runId, { tail: 1 })).map((l) => l.message)).toEqual([
      "training on 3 rows with lr=0.1",
    ]);
    expect((await demo.datasets.list()).map((d) => d.dataset)).toContain("training/load");
    const schema = await demo.dataset("training/load").schema();
    expect(schema.columns.map((c) => c.name)).toEqual(["id", "score", "label"]);
    expect((await demo.dataset("training/load").rows(1)).rows).toEqual([
      { id: 0, score: 0, label: "row-0" },
    ]);
    const trained = job.steps.find((s) => s.name === "train")!.output!;
    expect(
      JSON.parse(new TextDecoder().decode(await demo.artifact(trained.hash).download())),
    ).toEqual({ accuracy: 0.9, rows: 3 });
    expect((await demo.artifact(trained.hash.slice(0, 12)).meta()).hash).toBe(trained.hash);
    expect((await demo.lineage("training/train")).upstream.map((l) => l.step)).toEqual(["load"]);
  });

  it("returns a failed run with noFail, and throws SluiceRunFailedError naming the first failure without it", async () => {
    const flow = client.project("demo").flow("training");
    const failed = await flow.run({ params: { fail: true }, wait: true, noFail: true });
    expect(failed.status).toBe("failed");
    expect(failed.firstFailure!.step).toBe("train");
    const error = await flow.run({ params: { fail: true }, wait: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SluiceRunFailedError);
    expect((error as Error).message).toContain("training diverged");
  });

  it("turns error answers into SluiceApiError with status, code and message", async () => {
    const error = await client
      .project("demo")
      .runs.get("nope")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SluiceApiError);
    expect(error).toMatchObject({ status: 404, code: "not-found" });
    const bad = await client
      .project("demo")
      .flow("training")
      .trigger({ params: { rowz: 1 } })
      .catch((e: unknown) => e);
    expect(bad).toMatchObject({ status: 400, code: "unknown-param" });
    const anonymous = new SluiceClient({ baseUrl: server.url });
    expect(
      await anonymous
        .project("demo")
        .flows.list()
        .catch((e: unknown) => e),
    ).toMatchObject({ status: 401, code: "unauthorized" });
    const unreachable = new SluiceClient({ baseUrl: "http://127.0.0.1:9" });
    expect(await unreachable.health().catch((e: unknown) => e)).toMatchObject({
      code: "unreachable",
    });
  });

  it("reuses one idempotency key when it retries a trigger, so the retry does not start a second run", async () => {
    let calls = 0;
    const flaky: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      // The first trigger reaches the server, but its answer is lost.
      if (init?.method === "POST" && calls++ === 0) throw new TypeError("socket hang up");
      return response;
    };
    const retrying = new SluiceClient({
      baseUrl: server.url,
      apiKey: (client as unknown as { apiKey: string }).apiKey,
      fetch: flaky,
    });
    const before = (await client.project("demo").runs.list({ flow: "etl", limit: 1000 })).length;
    const started = await retrying.project("demo").flow("etl").trigger();
    expect(started.created).toBe(false);
    expect(calls).toBe(2);
    const after = await client.project("demo").runs.list({ flow: "etl", limit: 1000 });
    expect(after.length).toBe(before + 1);
    expect(after[0]!.runId).toBe(started.runId);
  });
});
