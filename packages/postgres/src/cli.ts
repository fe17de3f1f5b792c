/**
 * `sluice worker` and `sluice workers`, loaded by the sluice CLI when they are run: a worker of the
 * stack the command names (it must be PostgreSQL), with the flows of the workspace it is started in.
 */
import { hostname } from "node:os";
import pc from "picocolors";
import {
  EXIT,
  formatDuration,
  loadWorkspace,
  openStack,
  resolveStack,
  SluiceError,
  table,
  usageError,
} from "sluice/internal";
import { splitSchema } from "./connect.js";
import { queueSchema } from "./dispatch.js";
import { PostgresStore } from "./postgres-store.js";
import { startWorker } from "./worker.js";
import { listWorkers } from "./worker-registry.js";

interface WorkerCommandOptions {
  home?: string;
  config?: string;
  concurrency?: string;
  queues?: string;
}

/** The stack's PostgreSQL store and URL; a usage error naming what to do on any other stack. */
async function postgresStack(home: string | undefined) {
  const target = await resolveStack(home);
  if (target.kind !== "postgres")
    throw usageError(
      `Workers share runs through a PostgreSQL stack; this command's stack is the home folder ${target.path}. Name one: --stack NAME (a stack of the workspace config) or SLUICE_STORE=postgres://...`,
    );
  const opened = await openStack(target, { recover: false });
  if (!(opened.runs instanceof PostgresStore))
    throw new SluiceError("invalid-usage", "The stack's store is not the PostgreSQL store.");
  return { target, home: opened, store: opened.runs };
}

export async function workerCommand(options: WorkerCommandOptions): Promise<number> {
  const concurrency = options.concurrency === undefined ? 4 : Number(options.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw usageError(
      `--concurrency must be a whole number of at least 1, got "${options.concurrency}".`,
    );
  const queues = (options.queues ?? "default")
    .split(",")
    .map((queue) => queue.trim())
    .filter((queue) => queue.length > 0);
  const workspace = await loadWorkspace(options.config ?? process.cwd());
  const { target, home, store } = await postgresStack(options.home);
  const say = (line: string) =>
    process.stderr.write(`${pc.dim(new Date().toISOString())} ${line}\n`);
  const worker = await startWorker({
    store,
    stores: home.stores,
    schema: queueSchema(target.url),
    connectionString: splitSchema(target.url).url,
    flows: workspace.flows,
    concurrency,
    queues,
    ...(process.env.SLUICE_WORKER_LEASE_MS
      ? { leaseMs: Number(process.env.SLUICE_WORKER_LEASE_MS) }
      : {}),
    ...(process.env.SLUICE_WORKER_HEARTBEAT_MS
      ? { heartbeatMs: Number(process.env.SLUICE_WORKER_HEARTBEAT_MS) }
      : {}),
    onLine: say,
  });
  const flows = [...workspace.flows.values()]
    .map((flow) => `${flow.name}@${flow.definition.version}`)
    .join(", ");
  say(
    `worker ${worker.workerId} on ${home.path}: queues ${queues.join(",")}, concurrency ${concurrency}, flows ${flows || "(none)"}`,
  );
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      say(`${signal}: taking no new steps; finishing the running ones (again to stop now).`);
      void worker.stop();
    } else if (signals === 2) {
      say(`${signal} again: stopping now; its running steps are handed back to the other workers.`);
      void worker
        .handBack()
        .catch((error: unknown) =>
          say(
            `could not hand its steps back (${error instanceof Error ? error.message : String(error)}); they run again elsewhere after this worker's lease.`,
          ),
        )
        .finally(() => process.exit(EXIT.interrupted));
    }
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  await worker.done;
  say(`worker ${worker.workerId} stopped.`);
  home.close();
  return EXIT.ok;
}

export async function workersCommand(options: { home?: string; json?: boolean }): Promise<number> {
  const { home, store } = await postgresStack(options.home);
  try {
    const workers = await listWorkers(store);
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ workers }, null, 2)}\n`);
      return EXIT.ok;
    }
    if (workers.length === 0) {
      process.stdout.write(`No workers on ${home.path}. Start one: sluice worker --stack NAME\n`);
      return EXIT.ok;
    }
    const now = Date.now();
    process.stdout.write(
      `${table(
        ["WORKER", "HOST", "QUEUES", "CONCURRENCY", "RUNNING", "HEARTBEAT"],
        workers.map((worker) => [
          worker.workerId + (worker.stopping ? " (stopping)" : ""),
          worker.host === hostname() ? `${worker.host} (pid ${worker.pid})` : worker.host,
          worker.queues.join(","),
          String(worker.concurrency),
          worker.running.length === 0 ? "-" : worker.running.join(" "),
          `${formatDuration(Math.max(0, now - worker.heartbeatAt))} ago`,
        ]),
      )}\n`,
    );
    return EXIT.ok;
  } finally {
    home.close();
  }
}
