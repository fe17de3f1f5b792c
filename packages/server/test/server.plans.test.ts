// The API a UI needs before it acts: who am I (project, read-only), a flow's preview with params (plan
// status and reason per step), a reset with its dry run, and two runs compared; through the typed client
// against a real server on 127.0.0.1 (test/fixtures/workspace: flow "training", load → train).
import { afterEach, describe, expect, it } from "vitest";
import { SluiceClient, type ProjectClient } from "@sluice/client";
import { createApiKey, SluiceServer } from "@sluice/server";
import { openHome } from "sluice/internal";
import { join } from "node:path";
import { tempDir } from "../../../test/support/temp-dir.js";
import { root, workspaceDir } from "../../../test/support/sluice-server.js";

describe("previews, resets, comparisons and who am I", () => {
  let server: SluiceServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function start(config = workspaceDir) {
    const home = tempDir("sluice-plans-");
    const opened = await openHome(home);
    const writer = await createApiKey(opened.serverTables, { project: "demo", name: "ci" });
    const reader = await createApiKey(opened.serverTables, { project: "demo", readOnly: true });
    opened.close();
    server = await SluiceServer.start({ config, home, port: 0 });
    const as = (key: string) => new SluiceClient({ baseUrl: server!.url, apiKey: key });
    return { writer: as(writer.key), reader: as(reader.key), writerId: writer.record.keyId };
  }

  const run = async (project: ProjectClient, params: Record<string, unknown>) =>
    project.flow("training").run({ params, wait: true, noFail: true });

  it("says who the caller is: its project, and whether its key is read-only", async () => {
    const { writer, reader, writerId } = await start();
    expect(await writer.whoami()).toEqual({
      project: "demo",
      readOnly: false,
      auth: "api-key",
      keyId: writerId,
      name: "ci",
    });
    expect(await reader.whoami()).toMatchObject({ project: "demo", readOnly: true });
    await expect(
      new SluiceClient({ baseUrl: server!.url, apiKey: "sluice_nope_x" }).whoami(),
    ).rejects.toMatchObject({ status: 401 });
  });

  it("previews a flow with params: each step's status and reason, for a read-only key too", async () => {
    const { writer, reader } = await start();
    const flow = reader.project("demo").flow("training");
    const before = await flow.preview({ params: { rows: 3 } });
    expect(before.flow).toBe("training");
    expect(before.steps.map((s) => [s.name, s.status, s.reason])).toEqual([
      ["load", "pending", "missing-output"],
      ["train", "pending", "missing-output"],
    ]);
    expect(before.steps[1]!.deps).toEqual(["load"]);
    await run(writer.project("demo"), { rows: 3 });
    const after = await flow.preview({ params: { rows: 3, lr: 0.5 } });
    expect(after.steps.map((s) => [s.name, s.status, s.reason])).toEqual([
      ["load", "complete", "complete"],
      ["train", "pending", "params-changed"],
    ]);
    expect(after.steps[1]!.params).toMatchObject({ lr: 0.5 });
    const forced = await flow.preview({ params: { rows: 3 }, force: ["load"] });
    expect(forced.steps.map((s) => s.reason)).toEqual(["forced", "upstream-changed"]);
    await expect(flow.preview({ params: { rows: -1 } })).rejects.toMatchObject({ status: 400 });
    // Previewing changed nothing: no run was started.
    expect(await reader.project("demo").runs.list()).toHaveLength(1);
  });

  it("says what each step's cache key is made of, which changes with what changes the key", async () => {
    const { writer } = await start();
    const flow = writer.project("demo").flow("training");
    const first = await flow.preview({ params: { rows: 3 } });
    const load = first.steps[0]!;
    expect(load.keyInputs).toEqual({
      code: expect.any(String),
      params: expect.any(String),
      inputs: {},
    });
    expect(load.cacheKey).toMatch(/^[0-9a-f]{64}$/);
    // train's inputs are known only once load has run.
    expect(first.steps[1]!.cacheKey).toBeUndefined();
    expect(first.steps[1]!.keyInputs!.inputs).toBeUndefined();
    await run(writer.project("demo"), { rows: 3 });
    const after = await flow.preview({ params: { rows: 3 } });
    expect(after.steps[0]!.cacheKey).toBe(load.cacheKey);
    expect(Object.keys(after.steps[1]!.keyInputs!.inputs!)).toEqual(["load"]);
    const other = await flow.preview({ params: { rows: 4 } });
    expect(other.steps[0]!.keyInputs!.params).not.toBe(load.keyInputs!.params);
    expect(other.steps[0]!.keyInputs!.code).toBe(load.keyInputs!.code);
    // A secret's value is in no hash shown: the params hash is the same with any token.
    const withToken = await flow.preview({ params: { rows: 3, token: "s3cret" } });
    expect(withToken.steps[1]!.keyInputs!.params).toBe(after.steps[1]!.keyInputs!.params);
  });

  it("describes a flow's graph for a UI: each step's kind, its order-only deps and its sub-pipeline", async () => {
    const { reader } = await start(join(root, "test/fixtures/ui-workspace"));
    const flow = await reader.project("demo").flow("composed").get();
    const steps = Object.fromEntries(flow.graph.steps.map((s) => [s.name, s]));
    expect(steps.square).toMatchObject({ kind: "map", deps: ["numbers"] });
    expect(steps["prep.dropOdd"]).toMatchObject({ kind: "step", group: "prep" });
    expect(steps.report).toMatchObject({ after: ["audit"] });
    expect(steps.report!.deps).toEqual(expect.arrayContaining(["prep.scale", "square", "audit"]));
    expect(steps.numbers!.group).toBeUndefined();
  });

  it("resets a step and its downstream, saying first what a dry run would invalidate", async () => {
    const { writer, reader } = await start();
    const project = writer.project("demo");
    await run(project, { rows: 4 });
    const flow = project.flow("training");
    expect(await flow.reset("load", { params: { rows: 4 }, dryRun: true })).toEqual({
      steps: ["load", "train"],
      invalidated: 2,
      dryRun: true,
    });
    expect(
      (await flow.preview({ params: { rows: 4 } })).steps.every((s) => s.status === "complete"),
    ).toBe(true);
    expect(await flow.reset("load", { params: { rows: 4 } })).toMatchObject({
      invalidated: 2,
      dryRun: false,
    });
    expect(
      (await flow.preview({ params: { rows: 4 } })).steps.map((s) => [s.status, s.reason]),
    ).toEqual([
      ["pending", "reset"],
      ["pending", "reset"],
    ]);
    await expect(flow.reset("nope", { dryRun: true })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('"nope"'),
    });
    await expect(
      reader.project("demo").flow("training").reset("load", { dryRun: true }),
    ).rejects.toMatchObject({ status: 403 });
  });

  it("streams a run's events to the typed client with the key in a header, snapshot first, until run:end", async () => {
    const { writer } = await start();
    const project = writer.project("demo");
    const started = await project.flow("training").trigger({ params: { rows: 2, waitMs: 300 } });
    const seen: string[] = [];
    for await (const event of project.runs.events(started.runId)) {
      seen.push(event.type);
      expect(event.runId ?? started.runId).toBe(started.runId);
      if (event.type === "run:end") expect(event.success).toBe(true);
    }
    expect(seen[0]).toBe("snapshot");
    expect(seen.at(-1)).toBe("run:end");
    expect(seen).toContain("step:end");
    // The project's stream ends when the caller aborts it.
    const controller = new AbortController();
    const events = project.events({ signal: controller.signal });
    const next = events.next();
    controller.abort();
    expect((await next).done).toBe(true);
    // A bad key is refused before any event.
    const stranger = new SluiceClient({ baseUrl: server!.url, apiKey: "sluice_nope_x" });
    await expect(stranger.project("demo").events().next()).rejects.toMatchObject({ status: 401 });
  });

  it("compares two runs: params, metrics with deltas, and the steps that differed", async () => {
    const { writer } = await start();
    const project = writer.project("demo");
    const a = await run(project, { rows: 5 });
    const b = await run(project, { rows: 5, lr: 0.2 });
    const diff = await project.compare(a.runId, b.runId);
    expect(diff.a.runId).toBe(a.runId);
    expect(diff.params).toEqual([{ name: "lr", a: 0.1, b: 0.2 }]);
    expect(diff.steps.map((s) => s.step)).toEqual(["train"]);
    expect(diff.metrics).toEqual([{ step: "train", name: "accuracy", a: 0.9, b: 0.9, delta: 0 }]);
    expect(diff.definition.same).toBe(true);
    await expect(project.compare(a.runId, "nope")).rejects.toMatchObject({ status: 404 });
    // The list filters by how runs were started and since when (what the UI's runs page asks).
    expect((await project.runs.list({ trigger: "api" })).map((r) => r.runId).sort()).toEqual(
      [a.runId, b.runId].sort(),
    );
    expect(await project.runs.list({ trigger: "schedule" })).toEqual([]);
    const later = new Date(Date.now() + 60_000).toISOString();
    expect(await project.runs.list({ since: later })).toEqual([]);
    expect(await project.runs.list({ since: "2000-01-01T00:00:00Z" })).toHaveLength(2);
    await expect(project.runs.list({ since: "yesterday" })).rejects.toMatchObject({ status: 400 });
  });
});
