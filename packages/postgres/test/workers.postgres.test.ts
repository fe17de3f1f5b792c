// Runs on a stack's workers (`sluice worker`, graphile-worker on a real PostgreSQL), through the real CLI:
// a run dispatched and followed to its end, queues, --no-wait, the flow version a worker refuses, a
// killed worker's step run again elsewhere with a late finisher fenced, a cancel reaching another
// process's step, and a SIGTERM that drains a worker. Steps show which process ran them with marker
// files (test/fixtures/workers-workspace/pipelines.ts).
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { PostgresStore, completeStep, queueSchema, requeueStep } from "@sluice/postgres";
import { SluiceClient } from "@sluice/client";
import { chromium } from "playwright-core";
import {
  root,
  sluice,
  sluiceAsync,
  startSluice,
  type SluiceProcess,
} from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";
import { until as untilDefault, type UntilOptions } from "../../../test/support/until.js";
import { PG_URL, dropSchema, freshSchema } from "../../../test/support/postgres.js";

const workspace = "test/fixtures/workers-workspace";

/** until() with a minute by default: worker and CLI processes on a loaded 2-core machine are slow. */
function until<T>(probe: () => T | Promise<T>, options: UntilOptions) {
  return untilDefault(probe, { timeoutMs: 60_000, intervalMs: 50, ...options });
}
const schemas: string[] = [];
const started: SluiceProcess[] = [];

afterEach(() => {
  for (const process of started.splice(0)) process.child.kill("SIGKILL");
});
afterAll(async () => {
  for (const schema of schemas) {
    await dropSchema(schema);
    await dropSchema(`${schema}_jobs`);
  }
});

/** A fresh stack (its own schema) and marker folder, and the environment of every process on it. */
function freshStack() {
  const schema = freshSchema();
  schemas.push(schema);
  const url = new URL(PG_URL!);
  url.searchParams.set("schema", schema);
  const marks = tempDir("sluice-marks-");
  const env = {
    SLUICE_TEST_STORE: url.toString(),
    SLUICE_TEST_MARKS: marks,
    SLUICE_STACK: "prod",
    // A short lease, so that a killed worker is swept within the test.
    SLUICE_WORKER_LEASE_MS: "1500",
    SLUICE_WORKER_HEARTBEAT_MS: "200",
  };
  return { url: url.toString(), marks, env };
}

type Stack = ReturnType<typeof freshStack>;

/** Starts a worker of the stack and waits until it is registered. */
async function startWorker(
  stack: Stack,
  args: string[] = [],
  cwd = workspace,
): Promise<SluiceProcess> {
  const worker = startSluice(["worker", ...args], { env: stack.env, cwd, home: undefined });
  started.push(worker);
  await worker.waitForStderr(/worker \S+ on postgres/, 30_000);
  return worker;
}

/** Which process (pid) left the marker `<step>-<pid>`, once one has. */
function markedBy(stack: Stack, step: string): number[] {
  return readdirSync(stack.marks)
    .filter((name) => name.startsWith(`${step}-`))
    .map((name) => Number(name.slice(step.length + 1)));
}

const CHROMIUM = process.env.SLUICE_CHROMIUM ?? "/usr/bin/chromium";

/** The web UI's Workers page (in chromium, when there is one) shows the worker and links the step it runs. */
async function expectWorkersPage(url: string, pid: number, running: string): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs it.`);
    return;
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${url}/workers`);
    const link = page.getByRole("link", { name: running });
    await link.waitFor({ timeout: 20_000 });
    expect(await page.getByText(`pid ${pid}`).count()).toBe(1);
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: join(shots, "workers.png") });
    await link.click();
    await page.waitForURL(/\/runs\//, { timeout: 20_000 });
  } finally {
    await browser.close();
  }
}

const shots = join(root, "packages/ui/test-results/screenshots");

function cli(stack: Stack, args: string[]) {
  return sluice(args, { env: stack.env, cwd: workspace });
}

function runOf(stack: Stack, runId: string) {
  const shown = cli(stack, ["show", runId, "--json"]);
  expect(shown.code, shown.stderr).toBe(0);
  return shown.json() as {
    status: string;
    steps: Array<{ name: string; status: string; attempts: number; reason: string }>;
  };
}

/** Queues a run of slowFlow (--no-wait) and waits until its slow step runs on `worker`; its run id. */
async function slowRunStartedOn(stack: Stack, worker: SluiceProcess): Promise<string> {
  const queued = cli(stack, ["run", "pipelines.ts", "--pipeline", "slowFlow", "--no-wait"]);
  expect(queued.code, queued.stderr).toBe(0);
  await until(() => markedBy(stack, "slow").includes(worker.child.pid!), {
    what: `the slow step to start on worker ${worker.child.pid}`,
  });
  return queued.stdout.trim();
}

/** Runs the pipeline on the stack through the CLI, following it; its JSON result once it succeeded. */
async function runToEnd(stack: Stack, pipeline: string) {
  const run = await sluiceAsync(["run", "pipelines.ts", "--pipeline", pipeline, "--json"], {
    env: stack.env,
    cwd: workspace,
  });
  expect(run.code, run.stderr).toBe(0);
  return run.json();
}

function stepOf(run: ReturnType<typeof runOf>, name: string) {
  return run.steps.find((step) => step.name === name)!;
}

// Each test starts worker processes and runs the CLI many times: on a loaded 2-core machine, minutes.
describe.runIf(PG_URL)("runs on workers", { timeout: 120_000 }, () => {
  it("dispatches a run to two workers and follows it to its end: outputs, retries, one record per step, the workers listed", async () => {
    const stack = freshStack();
    await Promise.all([startWorker(stack, ["-c", "2"]), startWorker(stack, ["-c", "2"])]);
    const result = await runToEnd(stack, "fanout");
    expect(result.outputs.join).toEqual({ total: 50, flaky: 4 });
    expect(result.steps.flaky).toMatchObject({ status: "succeeded", attempts: 2 });
    const shown = runOf(stack, result.runId);
    expect(shown.status).toBe("succeeded");
    expect(shown.steps.map((step) => step.name).sort()).toEqual([
      "double",
      "flaky",
      "join",
      "load",
      "triple",
    ]);
    // Run again: complete steps are not dispatched.
    const again = cli(stack, ["run", "pipelines.ts", "--pipeline", "fanout", "--json"]).json();
    expect(again.summary.cached.length + again.summary.complete.length).toBeGreaterThanOrEqual(5);
    expect(again.summary.ran).toEqual([]);
    const workers = cli(stack, ["workers", "--json"]).json().workers;
    expect(workers).toHaveLength(2);
    expect(workers[0]).toMatchObject({ queues: ["default"], concurrency: 2, running: [] });
    expect(workers[0].flows.map((flow: { name: string }) => flow.name)).toContain("fanout");
  });

  it("fails a run whose step fails and skips what is downstream, exiting 1", async () => {
    const stack = freshStack();
    await startWorker(stack);
    const run = await sluiceAsync(["run", "pipelines.ts", "--pipeline", "failing", "--json"], {
      env: stack.env,
      cwd: workspace,
    });
    expect(run.code, run.stderr).toBe(1);
    const result = run.json();
    expect(result.status).toBe("failed");
    expect(result.steps.broken.status).toBe("failed");
    expect(result.steps.downstream).toMatchObject({ status: "skipped", reason: "upstream-failed" });
  });

  it('routes a step with queue: "gpu" to a worker serving that queue only; --no-wait prints the run id', async () => {
    const stack = freshStack();
    await startWorker(stack);
    const queued = cli(stack, ["run", "pipelines.ts", "--pipeline", "gpu", "--no-wait"]);
    expect(queued.code, queued.stderr).toBe(0);
    const runId = queued.stdout.trim();
    await until(() => stepOf(runOf(stack, runId), "load").status === "succeeded", {
      what: "load to run on the default worker",
    });
    expect(stepOf(runOf(stack, runId), "onGpu").status).toBe("pending");
    const gpuWorker = await startWorker(stack, ["--queues", "gpu"]);
    await until(() => runOf(stack, runId).status === "succeeded", { what: "the run to end" });
    expect(markedBy(stack, "onGpu")).toEqual([gpuWorker.child.pid]);
  });

  it("runs a killed worker's step again on another after its lease; the killed attempt's late end is fenced", async () => {
    const stack = freshStack();
    const first = await startWorker(stack);
    const runId = await slowRunStartedOn(stack, first);
    const second = await startWorker(stack);
    first.child.kill("SIGKILL");
    await until(() => markedBy(stack, "slow").includes(second.child.pid!), {
      what: "the slow step to run again on the second worker",
    });
    // The first attempt (token 1) finishing now, as a worker that was only slow would: refused.
    const store = await PostgresStore.open({ url: stack.url });
    try {
      const late = await completeStep(store, queueSchema(stack.url), {
        runId,
        token: 1,
        record: {
          runId,
          step: "slow",
          identity: "slow",
          status: "succeeded",
          reason: "missing-output",
          cached: false,
          attempts: 1,
        },
        completions: [],
        dependents: ["afterSlow"],
      });
      expect(late).toEqual({ status: "fenced" });
    } finally {
      await store.close();
    }
    writeFileSync(join(stack.marks, "release"), "");
    await until(() => runOf(stack, runId).status === "succeeded", { what: "the run to end" });
    const output = cli(stack, [
      "output",
      "pipelines.ts",
      "slow",
      "--pipeline",
      "slowFlow",
      "--json",
    ]);
    expect(output.code, output.stderr).toBe(0);
    // The output recorded is the second worker's.
    expect(JSON.parse(output.stdout)).toBe(second.child.pid);
    const logs = cli(stack, ["logs", runId]).stdout;
    expect(logs).toContain("stopped answering");
  });

  it("fans a map's items out to the workers: items run in two processes, each recorded, the output gathered in order; a rerun reuses them", async () => {
    const stack = freshStack();
    await Promise.all([startWorker(stack, ["-c", "2"]), startWorker(stack, ["-c", "2"])]);
    const result = await runToEnd(stack, "mapFlow");
    expect(result.outputs.squares.outputs).toEqual(
      Array.from({ length: 12 }, (_, i) => (i + 1) * (i + 1)),
    );
    expect(result.outputs.sumSquares).toBe(650);
    // Every item ran once, in one of two processes (each item waits until items ran in two).
    const itemMarks = readdirSync(stack.marks).filter((name) => name.startsWith("item"));
    expect(itemMarks).toHaveLength(12);
    expect(new Set(itemMarks.map((name) => name.split("-")[1])).size).toBe(2);
    const shown = runOf(stack, result.runId);
    const items = shown.steps.filter((step) => step.name.startsWith("squares["));
    expect(items).toHaveLength(12);
    expect(items.every((step) => step.status === "succeeded")).toBe(true);
    const again = cli(stack, ["run", "pipelines.ts", "--pipeline", "mapFlow", "--json"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json().summary.ran).toEqual([]);
    expect(readdirSync(stack.marks).filter((name) => name.startsWith("item"))).toHaveLength(12);
  });

  it("fans a dynamic step's children out to the workers, wave by wave, and gathers their outputs", async () => {
    const stack = freshStack();
    // One slot each: the worker running the dynamic step's own job takes no child jobs, so its
    // second fit (the two wait for each other) can only run in the other worker.
    await Promise.all([startWorker(stack, ["-c", "1"]), startWorker(stack, ["-c", "1"])]);
    const result = await runToEnd(stack, "sweepFlow");
    expect(result.outputs.sweep).toEqual({
      expanded: ["prep", "fit_a", "fit_b"],
      outputs: { prep: 11, fit_a: 111, fit_b: 211 },
    });
    const fits = readdirSync(stack.marks).filter((name) => name.startsWith("child-"));
    expect(fits).toHaveLength(2);
    expect(new Set(fits.map((name) => name.split("-")[2])).size).toBe(2);
    const shown = runOf(stack, result.runId);
    expect(
      shown.steps
        .filter((step) => step.name.startsWith("sweep/"))
        .map((step) => [step.name, step.status])
        .sort(),
    ).toEqual([
      ["sweep/fit_a", "succeeded"],
      ["sweep/fit_b", "succeeded"],
      ["sweep/prep", "succeeded"],
    ]);
  });

  it("offers a killed worker's map items again after its lease: the step's own job runs them, the run completes", async () => {
    const stack = freshStack();
    // One slot: the map step's own job holds it, so only the second worker takes item jobs.
    const owner = await startWorker(stack, ["-c", "1"]);
    const helper = await startWorker(stack, ["-c", "3"]);
    const queued = cli(stack, ["run", "pipelines.ts", "--pipeline", "heldMap", "--no-wait"]);
    expect(queued.code, queued.stderr).toBe(0);
    const runId = queued.stdout.trim();
    const heldBy = (pid: number) =>
      readdirSync(stack.marks).filter(
        (name) => name.startsWith("held") && name.endsWith(`-${pid}`),
      );
    await until(() => heldBy(helper.child.pid!).length === 3, {
      what: "the helper worker to hold three items",
    });
    // Listed as running the map step it runs items of.
    const listed = cli(stack, ["workers", "--json"])
      .json()
      .workers.find((worker: { pid: number }) => worker.pid === helper.child.pid);
    expect(listed.running).toEqual([`${runId}/held`]);
    const lost = heldBy(helper.child.pid!).map((name) => name.split("-")[0]);
    helper.child.kill("SIGKILL");
    writeFileSync(join(stack.marks, "release"), "");
    await until(() => runOf(stack, runId).status === "succeeded", { what: "the run to end" });
    // The killed worker's items ran again, in the step's own worker.
    for (const item of lost)
      expect(existsSync(join(stack.marks, `${item}-${owner.child.pid}`))).toBe(true);
    const output = cli(stack, [
      "output",
      "pipelines.ts",
      "held",
      "--pipeline",
      "heldMap",
      "--json",
    ]);
    expect(output.code, output.stderr).toBe(0);
    expect(JSON.parse(output.stdout).outputs).toEqual(
      Array.from({ length: 12 }, (_, i) => (i + 1) * 10),
    );
  });

  it("holds a flow's maxConcurrentRuns on the workers: a second run waits queued, its step not started, until the first ends", async () => {
    const stack = freshStack();
    await startWorker(stack, ["-c", "2"]);
    const enqueue = () => {
      const queued = cli(stack, ["run", "pipelines.ts", "--pipeline", "single", "--no-wait"]);
      expect(queued.code, queued.stderr).toBe(0);
      return queued.stdout.trim();
    };
    const soloMarks = () => readdirSync(stack.marks).filter((name) => name.startsWith("solo"));
    const first = enqueue();
    await until(() => soloMarks().length === 1, { what: "the first run's step to start" });
    const second = enqueue();
    const waiting = cli(stack, ["show", second, "--json"]).json();
    expect(waiting.status).toBe("queued");
    expect(waiting.waitingOn).toBe('limit runs of flow "single" 1/1');
    expect(stepOf(waiting, "solo").status).toBe("pending");
    // The worker has a free slot: only the limit keeps the second run's step from starting.
    expect(soloMarks()).toHaveLength(1);
    writeFileSync(join(stack.marks, "release"), "");
    await until(() => runOf(stack, second).status === "succeeded", {
      what: "the second run to end",
    });
    expect(runOf(stack, first).status).toBe("succeeded");
    expect(soloMarks()).toHaveLength(2);
    const ended = cli(stack, ["show", first, "--json"]).json();
    const started = cli(stack, ["show", second, "--json"]).json();
    expect(Date.parse(stepOf(started, "solo").startedAt)).toBeGreaterThanOrEqual(
      Date.parse(ended.finishedAt),
    );
  });

  it("gives a step a worker went on with back to the queue when its end could not be recorded", async () => {
    const stack = freshStack();
    const queued = cli(stack, ["run", "pipelines.ts", "--pipeline", "slowFlow", "--no-wait"]);
    expect(queued.code, queued.stderr).toBe(0);
    const runId = queued.stdout.trim();
    const schema = queueSchema(stack.url);
    const store = await PostgresStore.open({ url: stack.url });
    try {
      // As a worker that went on with "warm" itself: its attempt (token 1) running, no job of its own.
      await store.query(`SELECT ${schema}.complete_jobs(ARRAY(SELECT id FROM ${schema}.jobs))`);
      await store.query(
        "UPDATE dispatch_steps SET state = 'running', token = 1, worker_id = 'gone' WHERE run_id = $1 AND step = 'warm'",
        [runId],
      );
      expect(await requeueStep(store, schema, { runId, step: "warm", token: 1 })).toBe(true);
      // Once: the token moved on, so the same attempt is not given back twice.
      expect(await requeueStep(store, schema, { runId, step: "warm", token: 1 })).toBe(false);
    } finally {
      await store.close();
    }
    await startWorker(stack);
    writeFileSync(join(stack.marks, "release"), "");
    await until(() => runOf(stack, runId).status === "succeeded", { what: "the run to end" });
  });

  it("gives the step of a worker that stalled past its lease a new job: the stalled attempt's end is refused, and the step still runs to its end", async () => {
    const stack = freshStack();
    const stalled = await startWorker(stack);
    // Serves another queue: it only sweeps.
    await startWorker(stack, ["--queues", "other"]);
    const runId = await slowRunStartedOn(stack, stalled);
    stalled.child.kill("SIGSTOP");
    await until(() => cli(stack, ["logs", runId]).stdout.includes("stopped answering"), {
      what: "the stalled worker to be swept",
    });
    writeFileSync(join(stack.marks, "release"), "");
    stalled.child.kill("SIGCONT");
    await until(() => runOf(stack, runId).status === "succeeded", { what: "the run to end" });
    expect(stepOf(runOf(stack, runId), "afterSlow").status).toBe("succeeded");
  });

  it("cancels a run from the CLI that follows it: the step running in a worker stops, the run ends cancelled (exit 130)", async () => {
    const stack = freshStack();
    const worker = await startWorker(stack);
    const follower = startSluice(["run", "pipelines.ts", "--pipeline", "slowFlow", "--json"], {
      env: stack.env,
      cwd: workspace,
    });
    started.push(follower);
    await until(() => markedBy(stack, "slow").includes(worker.child.pid!), {
      what: "the slow step to start in the worker",
    });
    follower.child.kill("SIGINT");
    const ended = await follower.result;
    expect(ended.code, ended.stderr).toBe(130);
    const result = ended.json();
    expect(result.status).toBe("cancelled");
    expect(result.steps.slow.status).toBe("cancelled");
    expect(result.steps.afterSlow.status).toBe("cancelled");
    expect(existsSync(join(stack.marks, "release"))).toBe(false);
  });

  it("drains a worker on SIGTERM: it finishes its running step, then leaves", async () => {
    const stack = freshStack();
    const worker = await startWorker(stack);
    const runId = await slowRunStartedOn(stack, worker);
    worker.child.kill("SIGTERM");
    await worker.waitForStderr("taking no new steps");
    await until(() => cli(stack, ["workers", "--json"]).json().workers[0]?.stopping === true, {
      what: "the worker to show as stopping",
    });
    expect(worker.child.exitCode).toBeNull();
    writeFileSync(join(stack.marks, "release"), "");
    const ended = await worker.result;
    expect(ended.code, ended.stderr).toBe(0);
    // It finished the step it had, and took no new one: afterSlow waits for another worker.
    const run = runOf(stack, runId);
    expect(stepOf(run, "slow").status).toBe("succeeded");
    expect(stepOf(run, "afterSlow").status).toBe("pending");
    await startWorker(stack);
    await until(() => runOf(stack, runId).status === "succeeded", { what: "the run to end" });
  });

  it("hands a worker's running step back on a second SIGTERM: another worker runs it at once, the first attempt's end refused", async () => {
    const stack = freshStack();
    // A lease far longer than the test: only the hand-back can give the step to the second worker.
    stack.env.SLUICE_WORKER_LEASE_MS = "600000";
    const first = await startWorker(stack);
    const runId = await slowRunStartedOn(stack, first);
    const second = await startWorker(stack);
    first.child.kill("SIGTERM");
    await first.waitForStderr("taking no new steps");
    first.child.kill("SIGTERM");
    expect((await first.result).code).toBe(130);
    await until(() => markedBy(stack, "slow").includes(second.child.pid!), {
      what: "the slow step to run again on the second worker",
    });
    writeFileSync(join(stack.marks, "release"), "");
    await until(() => runOf(stack, runId).status === "succeeded", { what: "the run to end" });
    const slow = stepOf(runOf(stack, runId), "slow");
    expect(slow.status).toBe("succeeded");
    expect(cli(stack, ["logs", runId]).stdout).toContain('stopped; step "slow" runs again');
  });

  it("resumes a failed run on the workers under its id: finished steps reused, the failed one run again", async () => {
    const stack = freshStack();
    await startWorker(stack);
    const failed = cli(stack, ["run", "pipelines.ts", "--pipeline", "resumable", "--json"]);
    expect(failed.code, failed.stderr).toBe(1);
    const { runId } = failed.json();
    writeFileSync(join(stack.marks, "fixed"), "");
    const resumed = cli(stack, ["resume", runId, "--json"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const result = resumed.json();
    expect(result.runId).toBe(runId);
    expect(result.steps.load).toMatchObject({ status: "succeeded", cached: true });
    expect(result.steps.fragile).toMatchObject({ status: "succeeded", cached: false });
    expect(runOf(stack, runId).status).toBe("succeeded");
    // A run that succeeded is not resumed again.
    const again = cli(stack, ["resume", runId]);
    expect(again.code).toBe(2);
  });

  it("refuses a step of a flow version the worker does not have, saying both versions, until a worker that has it runs it", async () => {
    const stack = freshStack();
    await startWorker(stack, [], "test/fixtures/workers-workspace-v2");
    const runId = cli(stack, [
      "run",
      "pipelines.ts",
      "--pipeline",
      "fanout",
      "--no-wait",
    ]).stdout.trim();
    await until(() => cli(stack, ["logs", runId]).stdout.includes("refused step"), {
      what: "the worker of the other version to refuse the step",
    });
    const logs = cli(stack, ["logs", runId]).stdout;
    expect(logs).toMatch(
      /it has flow "fanout" version \S+ \(snapshot [0-9a-f]{12}\); the run needs version \S+/,
    );
    expect(runOf(stack, runId).status).toBe("running");
    await startWorker(stack);
    await until(() => runOf(stack, runId).status === "succeeded", {
      what: "the run to end on a worker with its version",
      timeoutMs: 60_000,
    });
  });

  it("takes a server's triggers to the workers: the API lists the workers, cancels a run on them, and a stopping server leaves its runs running", async () => {
    const stack = freshStack();
    const worker = await startWorker(stack);
    const startServer = async () => {
      const server = startSluice(["server", "--port", "0", "--insecure-local"], {
        env: stack.env,
        cwd: workspace,
        home: undefined,
      });
      started.push(server);
      const [, url] = (await server.waitForStderr(/listening on (http:\/\/\S+)/)) as string[];
      return { server, url: url!, project: new SluiceClient({ baseUrl: url! }).project("workers") };
    };
    const { server, url, project } = await startServer();
    const workers = await project.workers();
    expect(workers).toHaveLength(1);
    expect(workers[0]).toMatchObject({ pid: worker.child.pid, queues: ["default"], running: [] });

    const done = await project.flow("fanout").run({ wait: true });
    expect(done.status).toBe("succeeded");
    expect(done.steps.map((step) => step.status)).toEqual(Array(5).fill("succeeded"));

    // Cancelled through the API while its step runs in the worker.
    const cancelled = await project.flow("slowFlow").trigger({});
    await until(() => markedBy(stack, "slow").includes(worker.child.pid!), {
      what: "the slow step to start in the worker",
    });
    expect((await project.workers())[0]!.running).toEqual([`${cancelled.runId}/slow`]);
    await expectWorkersPage(url, worker.child.pid!, `${cancelled.runId}/slow`);
    await project.runs.cancel(cancelled.runId);
    // wait() rejects for a run that did not succeed, with the run.
    const ended = await project.runs
      .wait(cancelled.runId)
      .catch((error: { run: Awaited<ReturnType<typeof project.runs.get>> }) => error.run);
    expect(ended.status).toBe("cancelled");
    expect(ended.steps.find((step) => step.name === "slow")!.status).toBe("cancelled");

    // A run the server started goes on on the workers after the server stops.
    const lasting = await project.flow("slowFlow").trigger({});
    await until(
      async () => (await project.workers())[0]!.running.includes(`${lasting.runId}/slow`),
      { what: "the next slow step to start" },
    );
    server.child.kill("SIGTERM");
    expect((await server.result).code).toBe(0);
    expect(runOf(stack, lasting.runId).status).toBe("running");
    writeFileSync(join(stack.marks, "release"), "");
    await until(() => runOf(stack, lasting.runId).status === "succeeded", {
      what: "the run to end on the workers without its server",
    });
    const again = await startServer();
    expect((await again.project.runs.get(lasting.runId)).status).toBe("succeeded");
    // The run cancelled earlier, resumed through the API: dispatched again, it ends on the workers.
    await again.project.runs.resume(cancelled.runId);
    const resumed = await again.project.runs.wait(cancelled.runId);
    expect(resumed.status).toBe("succeeded");
  });

  it("cancels a run on workers from any machine with sluice cancel", async () => {
    const stack = freshStack();
    const worker = await startWorker(stack);
    const runId = await slowRunStartedOn(stack, worker);
    const cancel = cli(stack, ["cancel", runId]);
    expect(cancel.code, cancel.stderr).toBe(0);
    await until(() => runOf(stack, runId).status === "cancelled", {
      what: "the run to end cancelled",
    });
    expect(stepOf(runOf(stack, runId), "afterSlow").status).toBe("cancelled");
    const again = cli(stack, ["cancel", runId]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("has already ended (cancelled)");
  });
});
