/**
 * `sluice worker`: executes the steps of runs dispatched to a PostgreSQL stack (dispatch.ts), as
 * graphile-worker jobs of the queues it serves, with the pipelines of its workspace (`pipelines:`).
 * A step runs the engine's own way (executeStepJob) and its end is committed fenced with the run's next
 * jobs. The worker proves itself alive with a heartbeat; every worker sweeps those past their lease, so
 * a killed worker's steps run again elsewhere. Cancels reach running steps through the heartbeat.
 */
import { EventEmitter } from "node:events";
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { Logger, run, type JobHelpers, type Runner, type Task } from "graphile-worker";
import {
  DEFAULT_QUEUE,
  MASK,
  SluiceError,
  executeStepJob,
  executeUnitJob,
  resolveParams,
  serializeError,
  type PipelineGraph,
  type RunRecord,
  type ClaimedUnit,
  type FanOut,
  type UnitResult,
  type StepRunRecord,
  type Stores,
  type UpstreamRecord,
  type WorkspaceFlow,
} from "sluice/internal";
import {
  installQueue,
  snapshotFlag,
  startStep,
  taskOf,
  type StartedStep,
  type StepJobPayload,
} from "./dispatch.js";
import type { PostgresStore } from "./postgres-store.js";
import { completeStep, requeueStep, type ContinuedStep } from "./step-end.js";
import { PostgresArtifactStore } from "./artifact-store.js";
import { artifactRow } from "./record-writes.js";
import { claimUnit, finishUnit, unitFanOut, unitTaskOf, type UnitJobPayload } from "./units.js";
import {
  beat,
  handBack,
  sweepWorkers,
  unregisterWorker,
  type WorkerRegistration,
} from "./worker-registry.js";

export interface WorkerOptions {
  store: PostgresStore;
  /** The stack's stores (artifacts in the database or a shared folder). */
  stores: Stores;
  /** graphile-worker's schema (queueSchema). */
  schema: string;
  /** The connection graphile-worker opens (the store's URL without sluice's `schema` parameter). */
  connectionString: string;
  /** The workspace's flows, by name: the code this worker runs. */
  flows: ReadonlyMap<string, WorkspaceFlow>;
  /** @defaultValue 4 */
  concurrency?: number;
  /** @defaultValue ["default"] */
  queues?: readonly string[];
  /** A worker whose heartbeat is older than this is swept: its steps run again elsewhere. @defaultValue 30000 */
  leaseMs?: number;
  /** @defaultValue 2000 */
  heartbeatMs?: number;
  /** Lines about what the worker does (refusals, sweeps, cancels). */
  onLine?: (line: string) => void;
}

export interface SluiceWorker {
  readonly workerId: string;
  /** Takes no new steps, lets running ones finish, then leaves. */
  stop(): Promise<void>;
  /** Stops now: running steps are cancelled here and handed back to the other workers. */
  handBack(): Promise<void>;
  /** Resolves when the worker has stopped. */
  readonly done: Promise<void>;
}

/** How long a refused step waits before it is offered again (to the workers that did not refuse its snapshot). */
const REFUSED_RETRY_MS = 1_000;

/** What a step needs of its run and flow. */
interface RunContext {
  record: RunRecord;
  /** The module this worker loaded the flow from (a thread-isolated step imports it again). */
  source: { file: string; exportName: string };
  graph: PipelineGraph;
}

export async function startWorker(options: WorkerOptions): Promise<SluiceWorker> {
  const { store, schema } = options;
  const concurrency = options.concurrency ?? 4;
  const queues = options.queues?.length ? [...options.queues] : [DEFAULT_QUEUE];
  const leaseMs = options.leaseMs ?? 30_000;
  const heartbeatMs = options.heartbeatMs ?? 2_000;
  const say = options.onLine ?? (() => undefined);
  const workerId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const graphileIds: string[] = [];
  /** Running steps: `run/step` → its cancel. */
  const running = new Map<string, { runId: string; abort: AbortController }>();
  /** Records of runs this worker ran steps of, read once per run (what a step needs of them does not change). */
  const runs = new Map<string, RunRecord>();
  /** Snapshots this worker refused: it takes no more jobs flagged with them. */
  const refused = new Set<string>();

  /** Artifacts in the database: a step's are written with its end (and kept here to be read back). */
  const artifactsHere =
    options.stores.artifacts instanceof PostgresArtifactStore
      ? options.stores.artifacts
      : undefined;
  /** Steps this worker went on with whose end could not be recorded: given back to the queue by the heartbeat. */
  const giveBackLater = new Map<string, { runId: string; step: string; token: number }>();
  /** Set once the worker stops taking steps (it then goes on with no dependent itself). */
  let stopping = false;
  const remember = (record: RunRecord) => {
    runs.set(record.runId, record);
    // Kept while the run is likely to have more steps for this worker; a small bound on memory.
    if (runs.size > 64) runs.delete(runs.keys().next().value!);
  };

  await installQueue(store, schema);
  const registration: WorkerRegistration = {
    workerId,
    host: hostname(),
    pid: process.pid,
    queues,
    concurrency,
    flows: [...options.flows.values()].map((flow) => ({
      name: flow.name,
      version: flow.definition.version,
      hash: flow.definition.hash,
    })),
    startedAt: Date.now(),
  };
  await beat(store, registration, { graphileIds, runIds: [], stopping: false });

  const task: Task = async (payload, helpers) => {
    const job = payload as StepJobPayload;
    const flow = options.flows.get(job.flow);
    if (!flow || flow.definition.hash !== job.hash) return refuse(store, job, flow, helpers, say);
    const graph = flow.pipeline.graph();
    const upstreamOf = (step: string) => {
      const node = graph.byName.get(step);
      return node ? node.deps.map((dep) => graph.nodes[dep]!.name) : [];
    };
    const start = await startStep(store, {
      runId: job.run,
      step: job.step,
      workerId,
      upstream: upstreamOf(job.step),
      withRun: !runs.has(job.run),
      jobId: helpers.job.id,
    });
    if (!start) return; // done already: a job left from before a sweep or a cancel
    if (start.run) remember(start.run);
    const context: RunContext = {
      record: (start.run ?? runs.get(job.run))!,
      source: { file: flow.file, exportName: flow.exportName },
      graph,
    };
    // The step, then the dependent its completion handed to this worker, and so on down a chain.
    let next: ContinuedStep | undefined = await runStep(
      job,
      context,
      { ...start, step: job.step },
      upstreamOf,
    );
    while (next) {
      const continued: ContinuedStep = next;
      try {
        next = await runStep(job, context, continued, upstreamOf);
      } catch (error) {
        // Its end was not recorded and it has no job to be tried again: it goes back to the queue
        // (on a later heartbeat if the database cannot be reached now).
        giveBackLater.set(`${job.run}/${continued.step}`, {
          runId: job.run,
          step: continued.step,
          token: continued.token,
        });
        throw error;
      }
    }
  };

  /** One step to its end, committed; the dependent this worker goes on with, if any. */
  const runStep = async (
    job: StepJobPayload,
    context: RunContext,
    start: ContinuedStep,
    upstreamOf: (step: string) => readonly string[],
  ): Promise<ContinuedStep | undefined> => {
    const { graph } = context;
    const node = graph.byName.get(start.step);
    const key = `${job.run}/${start.step}`;
    const abort = new AbortController();
    running.set(key, { runId: job.run, abort });
    if (start.cancelled) abort.abort();
    const fanOut = unitFanOut(store, schema, {
      runId: job.run,
      workerId,
      flow: { name: job.flow, version: job.version, hash: job.hash },
      queue: node?.def.queue ?? DEFAULT_QUEUE,
      leaseMs,
    });
    try {
      const record = await runOneStep(
        store,
        options.stores,
        context,
        start.step,
        start,
        abort.signal,
        fanOut,
      );
      const outcome = await completeStep(store, schema, {
        runId: job.run,
        token: start.token,
        record: record.record,
        completions: record.completions,
        artifacts: record.artifacts.map((encoded) => artifactRow(encoded)),
        dependents: node ? node.dependents.map((index) => graph.nodes[index]!.name) : [],
        // A stopping worker takes nothing more: the dependents get jobs.
        ...(stopping ? {} : { continueOn: { workerId, queues, upstreamOf } }),
      });
      // Read back without a query by the dependent this worker may go on with.
      if (artifactsHere) for (const encoded of record.artifacts) artifactsHere.remember(encoded);
      if (outcome.status === "fenced")
        say(
          `step ${start.step} of run ${job.run}: attempt ${start.token} was given to another worker meanwhile; its end is not recorded.`,
        );
      return outcome.next;
    } finally {
      running.delete(key);
    }
  };

  /** A unit of a step's map items or dynamic children; a worker without the run's snapshot leaves it to the step's own. */
  const unitTask: Task = async (payload) => {
    const job = payload as UnitJobPayload;
    const flow = options.flows.get(job.flow);
    if (!flow || flow.definition.hash !== job.hash) return;
    const unit = await claimUnit(store, job, workerId);
    if (!unit) return; // taken by the step's own job or another worker
    const graph = flow.pipeline.graph();
    const key = `${job.run}/${job.step}#${job.key}`;
    const abort = new AbortController();
    running.set(key, { runId: job.run, abort });
    try {
      const record = runs.get(job.run) ?? (await runRecord(store, job.run));
      if (!record) return;
      remember(record);
      const result = await runUnit(store, options.stores, graph, record, unit, abort.signal, {
        file: flow.file,
        exportName: flow.exportName,
      });
      if (!(await finishUnit(store, job.run, unit, result)))
        say(
          `unit ${job.key} of step ${job.step} (run ${job.run}) was given to another worker meanwhile; its end is not recorded.`,
        );
    } finally {
      running.delete(key);
    }
  };

  const events = new EventEmitter();
  // graphile-worker locks jobs under its pool's id: what a sweep unlocks when this worker dies.
  events.on("pool:create", ({ workerPool }: { workerPool: { id: string } }) =>
    graphileIds.push(workerPool.id),
  );
  const runner: Runner = await run({
    connectionString: options.connectionString,
    schema,
    concurrency,
    noHandleSignals: true,
    pollInterval: 1000,
    maxPoolSize: concurrency + 2,
    taskList: Object.fromEntries(
      queues.flatMap((queue) => [
        [taskOf(queue), task],
        [unitTaskOf(queue), unitTask],
      ]),
    ),
    forbiddenFlags: () => [...refused],
    logger: new Logger(() => (level, message) => {
      if (level === "error") say(`queue: ${message}`);
    }),
    events,
  });

  const heartbeat = setInterval(() => {
    void (async () => {
      const runIds = [...new Set([...running.values()].map((entry) => entry.runId))];
      const cancelled = await beat(store, registration, { graphileIds, runIds, stopping });
      for (const entry of running.values())
        if (cancelled.includes(entry.runId) && !entry.abort.signal.aborted) {
          say(`run ${entry.runId} was cancelled: its steps here stop.`);
          entry.abort.abort();
        }
      for (const [key, attempt] of giveBackLater) {
        await requeueStep(store, schema, attempt);
        giveBackLater.delete(key);
      }
      const swept = await sweepWorkers(store, schema, Date.now() - leaseMs);
      for (const line of swept) say(line);
    })().catch((error: unknown) =>
      say(`heartbeat: ${error instanceof Error ? error.message : String(error)}`),
    );
  }, heartbeatMs);

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      stopping = true;
      await runner.stop();
      clearInterval(heartbeat);
      await unregisterWorker(store, workerId).catch(() => undefined);
    })());
  const giveBack = async () => {
    stopping = true;
    clearInterval(heartbeat);
    // Given up first, then cancelled here: the cancelled attempts' ends are refused (fenced).
    for (const line of await handBack(store, schema, { workerId, graphileIds })) say(line);
    for (const entry of running.values()) entry.abort.abort();
  };
  const done = runner.promise.then(
    () => stop(),
    () => stop(),
  );
  return { workerId, stop, handBack: giveBack, done };
}

/** A step whose run needs code this worker does not have: said in the run's log and the step's record, then offered again later. */
async function refuse(
  store: PostgresStore,
  job: StepJobPayload,
  flow: WorkspaceFlow | undefined,
  helpers: JobHelpers,
  say: (line: string) => void,
): Promise<void> {
  const has = flow
    ? `flow "${job.flow}" version ${flow.definition.version} (snapshot ${flow.definition.hash.slice(0, 12)})`
    : `no flow "${job.flow}" in its workspace`;
  const message = `worker ${hostname()} (pid ${process.pid}) refused step "${job.step}": it has ${has}; the run needs version ${job.version} (snapshot ${job.hash.slice(0, 12)}). Start a worker with that version's code.`;
  say(message);
  await store.appendLogs([
    { runId: job.run, step: job.step, time: Date.now(), level: "warn", message },
  ]);
  const rows = await store.query<{ record: string }>(
    "SELECT record FROM step_runs WHERE run_id = $1 AND step = $2",
    [job.run, job.step],
  );
  const record = rows[0] ? (JSON.parse(rows[0].record) as StepRunRecord) : undefined;
  if (record && record.status === "pending")
    await store.putSteps([{ ...record, waitingOn: `a worker with version ${job.version}` }]);
  await helpers.addJob(helpers.job.task_identifier, job, {
    runAt: new Date(Date.now() + REFUSED_RETRY_MS),
    maxAttempts: 25,
    flags: [snapshotFlag(job.hash)],
  });
}

/** The step, executed the engine's way; a problem before its body (its params, its upstream) fails it. */
async function runOneStep(
  store: PostgresStore,
  stores: Stores,
  context: RunContext,
  step: string,
  { planned, upstream }: StartedStep,
  signal: AbortSignal,
  fanOut: FanOut,
): ReturnType<typeof executeStepJob> {
  const { graph, record } = context;
  const node = graph.byName.get(step);
  try {
    if (!node)
      throw new SluiceError(
        "store-corrupt",
        `Run ${record.runId} has step "${step}", which pipeline "${graph.pipeline}" has not.`,
      );
    const given = givenParams(record, graph, step);
    const params = resolveParams(graph, given.params, [node])[node.index]!;
    return await executeStepJob({
      runId: record.runId,
      graph,
      step,
      planned: { ...planned, params },
      params,
      upstream: await upstreamOf(store, upstream, graph, node.index),
      stores,
      secretValues: given.secretValues,
      source: context.source,
      ...(record.project === undefined ? {} : { project: record.project }),
      ...(record.trigger === undefined ? {} : { trigger: record.trigger }),
      signal,
      fanOut,
      keepArtifacts: stores.artifacts instanceof PostgresArtifactStore,
    });
  } catch (error) {
    const now = Date.now();
    return {
      record: {
        runId: record.runId,
        step,
        identity: planned.identity,
        status: "failed",
        reason: planned.reason,
        cached: false,
        attempts: 0,
        startedAt: now,
        finishedAt: now,
        durationMs: 0,
        error: serializeError(error),
      },
      completions: [],
      artifacts: [],
    };
  }
}

async function runRecord(store: PostgresStore, runId: string): Promise<RunRecord | undefined> {
  const rows = await store.query<{ record: string }>("SELECT record FROM runs WHERE run_id = $1", [
    runId,
  ]);
  return rows[0] && (JSON.parse(rows[0].record) as RunRecord);
}

/** A unit of the step's items or children, executed the engine's way, with what its step reads. */
async function runUnit(
  store: PostgresStore,
  stores: Stores,
  graph: PipelineGraph,
  record: RunRecord,
  unit: ClaimedUnit,
  signal: AbortSignal,
  source: { file: string; exportName: string },
): Promise<UnitResult> {
  const node = graph.byName.get(unit.step);
  if (!node)
    throw new SluiceError(
      "store-corrupt",
      `Run ${record.runId} has step "${unit.step}", which pipeline "${graph.pipeline}" has not.`,
    );
  const given = givenParams(record, graph, unit.step);
  const params = resolveParams(graph, given.params, [node])[node.index]!;
  // A dynamic step's body runs again to build the children: it reads the step's inputs.
  const upstreamNames =
    unit.input.kind === "child" ? node.deps.map((d) => graph.nodes[d]!.name) : [];
  const rows =
    upstreamNames.length === 0
      ? []
      : await store.query<{ record: string }>(
          "SELECT record FROM step_runs WHERE run_id = $1 AND step = ANY($2)",
          [record.runId, upstreamNames],
        );
  const upstreamRecords = rows.map((row) => JSON.parse(row.record) as StepRunRecord);
  return executeUnitJob({
    runId: record.runId,
    graph,
    step: unit.step,
    params,
    upstream:
      unit.input.kind === "child"
        ? await upstreamOf(store, upstreamRecords, graph, node.index)
        : new Map(),
    stores,
    secretValues: given.secretValues,
    source,
    ...(record.project === undefined ? {} : { project: record.project }),
    ...(record.trigger === undefined ? {} : { trigger: record.trigger }),
    signal,
    unit,
  });
}

/**
 * The run's params as the step takes them: the record keeps secrets masked, so a worker reads each
 * secret the step declares from its own environment, `SLUICE_SECRET_<NAME>`.
 */
function givenParams(
  record: RunRecord,
  graph: PipelineGraph,
  step: string,
): { params: Record<string, unknown>; secretValues: string[] } {
  const params = { ...record.params };
  const secretValues: string[] = [];
  for (const name of graph.secretParams) {
    if (params[name] !== MASK || !graph.params.get(name)?.includes(step)) continue;
    const variable = `SLUICE_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
    const value = process.env[variable];
    if (value === undefined)
      throw new SluiceError(
        "invalid-usage",
        `Secret parameter "${name}" is not stored with the run; set ${variable} in the environment of the workers.`,
      );
    params[name] = value;
    secretValues.push(value);
  }
  return { params, secretValues };
}

/** The step's upstream records as the engine reads them (with the field hashes of those it reads fields of). */
async function upstreamOf(
  store: PostgresStore,
  records: readonly StepRunRecord[],
  graph: PipelineGraph,
  index: number,
): Promise<Map<string, UpstreamRecord>> {
  const node = graph.nodes[index]!;
  const upstream = new Map<string, UpstreamRecord>();
  for (const step of records)
    upstream.set(step.step, {
      status: step.status,
      reason: step.reason,
      ...(step.output ? { output: step.output } : {}),
      ...(step.cacheKey === undefined ? {} : { cacheKey: step.cacheKey }),
      ...(step.fallback ? { fallback: true } : {}),
    });
  for (const input of node.inputs) {
    if (input.field === undefined) continue;
    const from = upstream.get(graph.nodes[input.from]!.name);
    if (!from?.cacheKey || from.fieldHashes) continue;
    const completion = await store.findCompletion(from.cacheKey);
    if (completion?.fieldHashes) from.fieldHashes = completion.fieldHashes;
  }
  return upstream;
}
