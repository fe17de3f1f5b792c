import pc from "picocolors";
import { LOG_LEVELS, MASK, SluiceError, forbiddenKeyPath, type LogLevel } from "../../core/index.js";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { formatSummary, type RunResult } from "../../engine/index.js";
import { resolveHomePath } from "../../home.js";
import { homeStores, memoryStores, type Pipeline, type RunOptions } from "../../pipeline.js";
import { EXIT, usageError } from "../exit.js";
import { cancelOnInterrupt } from "../interrupt.js";
import { loadPipeline } from "../../module-loader.js";
import { parseParamArgs, refuseForbiddenKeys } from "../param-args.js";
import { createProgressView } from "../progress.js";
import { stillRunningNotices } from "../still-running.js";

export interface RunCommandOptions {
  pipeline?: string;
  param?: string[];
  target?: string[];
  force?: string[];
  forceAll?: boolean;
  concurrency?: string;
  json?: boolean;
  quiet?: boolean;
  logLevel?: string;
  home?: string;
  inMemory?: boolean;
  paramSet?: string;
}

export async function runCommand(file: string, options: RunCommandOptions): Promise<number> {
  const logLevel = parseLogLevel(options.logLevel);
  const concurrency = parseConcurrency(options.concurrency);
  const params = parseParamArgs(options.param ?? []);
  const pipeline = await loadPipeline(file, options.pipeline);
  pipeline.graph();
  if (options.paramSet !== undefined) return runParamSets(pipeline, resolve(file), options, params, concurrency, logLevel);
  return executeWithProgress(pipeline, options, {
    params,
    targets: options.target,
    force: options.force,
    forceAll: options.forceAll,
    concurrency,
    home: options.home,
    stores: options.inMemory ? memoryStores() : undefined,
    source: { file: resolve(file), exportName: options.pipeline },
  }, logLevel);
}

/** Resumes a run from the store: loads its pipeline module again and continues it under the same id. */
export async function resumeCommand(runId: string, options: RunCommandOptions): Promise<number> {
  const logLevel = parseLogLevel(options.logLevel);
  const stores = await homeStores(options.home);
  const found = await stores.runs.getRun(runId);
  if (!found) throw new SluiceError("not-found", `No run ${runId} in ${resolveHomePath(options.home)}. List runs with: sluice runs`);
  const { run } = found;
  if (run.source?.kind === "arazzo") {
    const { arazzoResumeCommand } = await import("./arazzo.js");
    return arazzoResumeCommand(runId, options, stores.runs);
  }
  if (run.status === "succeeded") throw new SluiceError("invalid-usage", `Run ${runId} succeeded; there is nothing to resume. Start a new run with: sluice run`);
  if (!run.source) throw new SluiceError("invalid-usage", `Run ${runId} was not started from a pipeline file, so sluice cannot load it again; run the pipeline again instead.`);
  const pipeline = await loadPipeline(run.source.file, run.source.exportName);
  const params = { ...run.params, ...parseParamArgs(options.param ?? []) };
  const missing = [...pipeline.graph().secretParams].filter((name) => params[name] === MASK);
  if (missing.length > 0) {
    throw usageError(`Run ${runId} used secret parameter(s) ${missing.join(", ")}, which sluice does not store. Pass them again: sluice resume ${runId} ${missing.map((n) => `--param ${n}=...`).join(" ")}`);
  }
  return executeWithProgress(pipeline, options, {
    params,
    targets: run.targets,
    home: options.home,
    runId,
    resume: true,
    source: run.source,
  }, logLevel);
}

/** One run per named parameter set; steps with the same identity in several sets run once. */
async function runParamSets(pipeline: Pipeline, file: string, options: RunCommandOptions, common: Record<string, unknown>, concurrency: number | undefined, logLevel: LogLevel): Promise<number> {
  const sets = readParamSets(options.paramSet!);
  const stores = options.inMemory ? memoryStores() : await homeStores(options.home);
  const results: Record<string, RunResult> = {};
  const quiet = { ...options, json: true };
  for (const [name, params] of Object.entries(sets)) {
    if (!options.json && !options.quiet) process.stderr.write(pc.bold(`\n== parameter set "${name}" ==\n`));
    const code = await executeWithProgress(pipeline, options.json ? quiet : options, { params: { ...common, ...params }, concurrency, stores, source: { file, exportName: options.pipeline } }, logLevel, (result) => (results[name] = result));
    if (code === EXIT.interrupted) return code;
  }
  if (options.json) process.stdout.write(`${JSON.stringify({ runs: Object.fromEntries(Object.entries(results).map(([name, result]) => [name, result.toJSON()])) }, null, 2)}\n`);
  return Object.values(results).every((result) => result.success) ? EXIT.ok : EXIT.failed;
}

function readParamSets(path: string): Record<string, Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw usageError(`--param-set ${path}: ${(error as Error).message}. Give a JSON file like { "small": { "rows": 10 }, "large": { "rows": 1000 } }.`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed) || Object.keys(parsed).length === 0) {
    throw usageError(`--param-set ${path} must hold a non-empty JSON object of named parameter sets, like { "small": { "rows": 10 } }.`);
  }
  refuseForbiddenKeys(forbiddenKeyPath(parsed), `--param-set ${path}`);
  for (const [name, params] of Object.entries(parsed)) {
    if (typeof params !== "object" || params === null || Array.isArray(params)) throw usageError(`--param-set ${path}: set "${name}" must be an object of parameters.`);
  }
  return parsed as Record<string, Record<string, unknown>>;
}

async function executeWithProgress(
  pipeline: Pipeline,
  options: RunCommandOptions,
  runOptions: RunOptions,
  logLevel: LogLevel,
  keep?: (result: RunResult) => void,
): Promise<number> {
  const showProgress = !options.json && !options.quiet;
  const view = showProgress ? createProgressView({ stream: process.stderr, live: process.stderr.isTTY === true, logLevel }) : undefined;
  const interrupt = cancelOnInterrupt();
  const notices = options.quiet ? undefined : stillRunningNotices((line) => process.stderr.write(pc.dim(line)));
  try {
    const result = await pipeline.run({
      ...runOptions,
      // Only --json prints outputs: without it, complete steps' outputs need not be read back.
      loadOutputs: options.json ? "all" : "ran",
      signal: interrupt.signal,
      onEvent: view || notices ? (event) => (view?.onEvent(event), notices?.onEvent(event)) : undefined,
    });
    view?.close();
    if (keep) {
      keep(result);
      if (options.json) return result.success ? EXIT.ok : EXIT.failed;
    }
    if (options.json) {
      process.stdout.write(`${JSON.stringify(result.toJSON(), null, 2)}\n`);
    } else {
      if (!options.quiet) process.stdout.write(`${formatSummary(result.summary(), result.status, result.durationMs)}\n`);
      if (result.firstFailure) {
        const { step, error } = result.firstFailure;
        process.stderr.write(pc.red(`First failure: ${step === undefined ? "" : `step "${step}" `}[${error.code}]: ${error.message}\n`));
        if (error.stack && !options.quiet) process.stderr.write(pc.dim(`${error.stack.split("\n").slice(1, 6).join("\n")}\n`));
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
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw usageError(`--log-level must be one of ${LOG_LEVELS.join(", ")}; got "${level}".`);
  return level as LogLevel;
}

function parseConcurrency(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new SluiceError("invalid-usage", `--concurrency must be a whole number of at least 1, got "${value}".`);
  return n;
}
