import pc from "picocolors";
import { LOG_LEVELS, MASK, SluiceError, type LogLevel } from "../../core/index.js";
import { dirname, resolve } from "node:path";
import {
  checkResumable,
  formatSummary,
  type Durability,
  type RunResult,
} from "../../engine/index.js";
import {
  stackName,
  homeStores,
  memoryStores,
  type Pipeline,
  type RunOptions,
  loadPipeline,
} from "../../runtime/index.js";
import { keepsCheckpoints, type RunRecord } from "../../store/index.js";
import { checkChildFlows, childRunsEnded, notificationsDelivered } from "../../flows/index.js";
import { arazzoCommands } from "../parts.js";
import { EXIT, usageError } from "../exit.js";
import { cancelOnInterrupt } from "../interrupt.js";
import { readParamSets, runParams } from "../param-args.js";
import { useContextStack } from "../context-stack.js";
import { createProgressView } from "../progress.js";
import { stillRunningNotices } from "../still-running.js";

export interface RunCommandOptions {
  pipeline?: string;
  param?: string[];
  params?: string;
  target?: string[];
  force?: string[];
  forceAll?: boolean;
  concurrency?: string;
  durability?: string;
  json?: boolean;
  quiet?: boolean;
  logLevel?: string;
  home?: string;
  inMemory?: boolean;
  paramSet?: string;
  /** false with --no-check-dependencies. */
  checkDependencies?: boolean;
  only?: string;
  from?: string;
  /** --server URL: runFlow steps trigger their children on that server (key from SLUICE_API_KEY). */
  server?: string;
  /** false with --no-wait: on a stack with workers, print the run id once queued. */
  wait?: boolean;
  /** --context NAME: the context whose params the run takes (under --param). */
  context?: string;
}

export async function runCommand(file: string, options: RunCommandOptions): Promise<number> {
  const logLevel = parseLogLevel(options.logLevel);
  const concurrency = parseConcurrency(options.concurrency);
  const params = runParams(options);
  const pipeline = await loadPipeline(file, options.pipeline);
  const context =
    options.context === undefined
      ? {}
      : { context: options.context, contextsFrom: dirname(resolve(file)) };
  if (options.context !== undefined) await useContextStack(pipeline, file, options.context);
  // runFlow steps name flows of their workspace: a wrong name is refused before anything runs.
  await checkChildFlows(
    pipeline.graph(),
    options.server === undefined ? undefined : { url: options.server },
  );
  if (options.paramSet !== undefined)
    return runParamSets(pipeline, resolve(file), options, params, concurrency, logLevel);
  if (options.wait === false) return enqueueCommand(pipeline, file, options, params, context);
  const stores = options.inMemory ? memoryStores() : undefined;
  const checkDependencies = options.checkDependencies === false ? false : undefined;
  const choice =
    options.only !== undefined
      ? await onlyStep(pipeline, options.only, options, params, stores)
      : {
          targets: options.target,
          force: options.force,
          forceAll: options.forceAll,
          checkDependencies,
        };
  return executeWithProgress(
    pipeline,
    options,
    {
      params,
      ...context,
      ...choice,
      concurrency,
      durability: options.durability as Durability | undefined, // commander checked the choice
      home: options.home,
      stores,
      source: { file: resolve(file), exportName: options.pipeline },
    },
    logLevel,
  );
}

/** `--no-wait`: the run is dispatched to the stack's workers; its id is printed at once. */
async function enqueueCommand(
  pipeline: Pipeline,
  file: string,
  options: RunCommandOptions,
  params: Record<string, unknown>,
  context: { context?: string; contextsFrom?: string },
): Promise<number> {
  if (options.inMemory || options.only !== undefined)
    throw usageError(
      "--no-wait dispatches a run to the stack's workers: it cannot be combined with --in-memory or --only.",
    );
  const runId = await pipeline.enqueue({
    params,
    ...context,
    targets: options.target,
    force: options.force,
    forceAll: options.forceAll,
    home: options.home,
    source: { file: resolve(file), exportName: options.pipeline },
  });
  if (options.json) process.stdout.write(`${JSON.stringify({ runId, status: "running" })}\n`);
  else process.stdout.write(`${runId}\n`);
  if (!options.quiet && !options.json)
    process.stderr.write(
      pc.dim(`Queued for the workers. Follow it: sluice show ${runId}; sluice logs ${runId}\n`),
    );
  return EXIT.ok;
}

/**
 * `--only STEP`: that step runs alone (forced), its upstream read from the store, for debugging. Refused,
 * before anything runs, when an upstream step has no stored output for these params.
 */
async function onlyStep(
  pipeline: Pipeline,
  step: string,
  options: RunCommandOptions,
  params: Record<string, unknown>,
  stores: RunOptions["stores"],
): Promise<RunOptions> {
  if (
    options.target?.length ||
    options.force?.length ||
    options.forceAll ||
    options.checkDependencies === false
  ) {
    throw usageError(
      "--only runs one step alone; it cannot be combined with --target, --force, --force-all or --no-check-dependencies.",
    );
  }
  const choice = { targets: [step], force: [step], checkDependencies: false };
  const missing = (
    await pipeline.preview({ ...choice, params, home: options.home, stores })
  ).steps.filter((planned) => planned.name !== step && planned.status !== "complete");
  if (missing.length > 0) {
    const list = missing.map((planned) => `${planned.name} (${planned.reason})`).join(", ");
    throw usageError(
      `--only ${step}: its upstream has no stored output for these params: ${list}. Run them first (sluice run FILE --target ${step}), or drop --only.`,
    );
  }
  return choice;
}

/** Runs again with the params of an earlier run: every step, or `--from STEP` and what is downstream of it. */
export async function rerunCommand(runId: string, options: RunCommandOptions): Promise<number> {
  const logLevel = parseLogLevel(options.logLevel);
  const { run } = await readRun(runId, options);
  const { pipeline, params } = await pipelineOfRun(run, options, "rerun");
  const rerun = await pipeline.rerunOptions(runId, {
    fromStep: options.from,
    home: options.home,
    concurrency: parseConcurrency(options.concurrency),
    durability: options.durability as Durability | undefined, // commander checked the choice
  });
  return executeWithProgress(pipeline, options, { ...rerun, params, source: run.source }, logLevel);
}

/** A run of the home, with the home's stores. */
async function readRun(runId: string, options: RunCommandOptions) {
  const stores = await homeStores(options.home);
  const found = await stores.runs.getRun(runId);
  if (!found)
    throw new SluiceError(
      "not-found",
      `No run ${runId} in ${await stackName(options.home)}. List runs with: sluice runs`,
    );
  return { run: found.run, stores };
}

/** A run's pipeline, loaded again from the module it was started from, and its params; secret params must be given again. */
async function pipelineOfRun(run: RunRecord, options: RunCommandOptions, verb: "resume" | "rerun") {
  const { runId } = run;
  if (!run.source || run.source.kind === "arazzo")
    throw new SluiceError(
      "invalid-usage",
      `Run ${runId} was not started from a pipeline file, so sluice cannot load it again; run the pipeline again instead.`,
    );
  const pipeline = await loadPipeline(run.source.file, run.source.exportName);
  const params = { ...run.params, ...runParams(options) };
  const missing = [...pipeline.graph().secretParams].filter((name) => params[name] === MASK);
  if (missing.length > 0) {
    throw usageError(
      `Run ${runId} used secret parameter(s) ${missing.join(", ")}, which sluice does not store. Pass them again: sluice ${verb} ${runId} ${missing.map((n) => `--param ${n}=...`).join(" ")}`,
    );
  }
  return { pipeline, params };
}

/** Resumes a run from the store: loads its pipeline module again and continues it under the same id. */
export async function resumeCommand(runId: string, options: RunCommandOptions): Promise<number> {
  const logLevel = parseLogLevel(options.logLevel);
  const { run, stores } = await readRun(runId, options);
  if (run.source?.kind === "arazzo") {
    const { arazzoResumeCommand } = await arazzoCommands();
    if (!keepsCheckpoints(stores.runs))
      throw new SluiceError(
        "invalid-usage",
        `Run ${runId} is an Arazzo run, and this store keeps no checkpoints to resume it from.`,
      );
    return arazzoResumeCommand(runId, options, stores.runs);
  }
  checkResumable(runId, run, "Start a new run with: sluice run");
  const { pipeline, params } = await pipelineOfRun(run, options, "resume");
  return executeWithProgress(
    pipeline,
    options,
    {
      params,
      targets: run.targets,
      home: options.home,
      runId,
      resume: true,
      source: run.source,
    },
    logLevel,
  );
}

/** One run per named parameter set; steps with the same identity in several sets run once. */
async function runParamSets(
  pipeline: Pipeline,
  file: string,
  options: RunCommandOptions,
  common: Record<string, unknown>,
  concurrency: number | undefined,
  logLevel: LogLevel,
): Promise<number> {
  const sets = Object.fromEntries(
    Object.entries(readParamSets(options.paramSet!)).map(([name, params]) => [
      name,
      { ...common, ...params },
    ]),
  );
  // Every set is checked before the first runs: exit 2 means nothing ran.
  pipeline.checkParamSets(sets);
  const stores = options.inMemory ? memoryStores() : await homeStores(options.home);
  const results: Record<string, RunResult> = {};
  const quiet = { ...options, json: true };
  for (const [name, params] of Object.entries(sets)) {
    if (!options.json && !options.quiet)
      process.stderr.write(pc.bold(`\n== parameter set "${name}" ==\n`));
    const code = await executeWithProgress(
      pipeline,
      options.json ? quiet : options,
      {
        params,
        concurrency,
        durability: options.durability as Durability | undefined,
        stores,
        source: { file, exportName: options.pipeline },
      },
      logLevel,
      (result) => (results[name] = result),
    );
    if (code === EXIT.interrupted) return code;
  }
  if (options.json)
    process.stdout.write(
      `${JSON.stringify({ runs: Object.fromEntries(Object.entries(results).map(([name, result]) => [name, result.toJSON()])) }, null, 2)}\n`,
    );
  return Object.values(results).every((result) => result.success) ? EXIT.ok : EXIT.failed;
}

async function executeWithProgress(
  pipeline: Pipeline,
  options: RunCommandOptions,
  runOptions: RunOptions,
  logLevel: LogLevel,
  keep?: (result: RunResult) => void,
): Promise<number> {
  const showProgress = !options.json && !options.quiet;
  const view = showProgress
    ? createProgressView({ stream: process.stderr, live: process.stderr.isTTY === true, logLevel })
    : undefined;
  const interrupt = cancelOnInterrupt();
  const notices = options.quiet
    ? undefined
    : stillRunningNotices((line) => process.stderr.write(pc.dim(line)));
  try {
    const result = await pipeline.run({
      ...runOptions,
      ...(options.server === undefined
        ? {}
        : { childRuns: { url: options.server, apiKey: process.env.SLUICE_API_KEY } }),
      // Only --json prints outputs: without it, complete steps' outputs need not be read back.
      loadOutputs: options.json ? "all" : "ran",
      signal: interrupt.signal,
      onEvent:
        view || notices ? (event) => (view?.onEvent(event), notices?.onEvent(event)) : undefined,
    });
    // Child runs its runFlow steps started without waiting run in this process: they end first.
    await childRunsEnded();
    await notificationsDelivered();
    view?.close();
    if (keep) {
      keep(result);
      if (options.json) return result.success ? EXIT.ok : EXIT.failed;
    }
    if (options.json) {
      process.stdout.write(`${JSON.stringify(result.toJSON(), null, 2)}\n`);
    } else {
      if (!options.quiet)
        process.stdout.write(
          `${formatSummary(result.summary(), result.status, result.durationMs)}\n`,
        );
      if (result.firstFailure) {
        const { step, error } = result.firstFailure;
        process.stderr.write(
          pc.red(
            `First failure: ${step === undefined ? "" : `step "${step}" `}[${error.code}]: ${error.message}\n`,
          ),
        );
        if (error.stack && !options.quiet)
          process.stderr.write(pc.dim(`${error.stack.split("\n").slice(1, 6).join("\n")}\n`));
      }
    }
    if (result.status === "cancelled") return EXIT.interrupted;
    return result.success ? EXIT.ok : EXIT.failed;
  } finally {
    interrupt.dispose();
    notices?.dispose();
  }
}

export function parseLogLevel(value: string | undefined): LogLevel {
  const level = value ?? "info";
  if (!(LOG_LEVELS as readonly string[]).includes(level))
    throw usageError(`--log-level must be one of ${LOG_LEVELS.join(", ")}; got "${level}".`);
  return level as LogLevel;
}

function parseConcurrency(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new SluiceError(
      "invalid-usage",
      `--concurrency must be a whole number of at least 1, got "${value}".`,
    );
  return n;
}
