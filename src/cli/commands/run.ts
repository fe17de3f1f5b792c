import pc from "picocolors";
import { LOG_LEVELS, SluiceError, type LogLevel } from "../../core/index.js";
import { formatSummary } from "../../engine/index.js";
import { EXIT, usageError } from "../exit.js";
import { loadPipeline } from "../load-pipeline.js";
import { parseParamArgs } from "../param-args.js";
import { createProgressView } from "../progress.js";

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
}

export async function runCommand(file: string, options: RunCommandOptions): Promise<number> {
  const logLevel = parseLogLevel(options.logLevel);
  const concurrency = parseConcurrency(options.concurrency);
  const params = parseParamArgs(options.param ?? []);
  const pipeline = await loadPipeline(file, options.pipeline);
  pipeline.graph();

  const showProgress = !options.json && !options.quiet;
  const view = showProgress ? createProgressView({ stream: process.stderr, live: process.stderr.isTTY === true, logLevel }) : undefined;
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT.interrupted);
    process.stderr.write(pc.yellow("\nCancelling the run (Ctrl-C again to quit at once)...\n"));
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  try {
    const result = await pipeline.run({
      params,
      targets: options.target,
      force: options.force,
      forceAll: options.forceAll,
      concurrency,
      signal: controller.signal,
      onEvent: view ? (event) => view.onEvent(event) : undefined,
    });
    view?.close();
    if (options.json) {
      process.stdout.write(`${JSON.stringify(result.toJSON(), null, 2)}\n`);
    } else {
      if (!options.quiet) process.stdout.write(`${formatSummary(result.summary(), result.status, result.durationMs)}\n`);
      if (result.firstFailure) {
        const { step, error } = result.firstFailure;
        process.stderr.write(pc.red(`First failure: step "${step}" [${error.code}]: ${error.message}\n`));
        if (error.stack && !options.quiet) process.stderr.write(pc.dim(`${error.stack.split("\n").slice(1, 6).join("\n")}\n`));
      }
    }
    if (result.status === "cancelled") return EXIT.interrupted;
    return result.success ? EXIT.ok : EXIT.failed;
  } finally {
    process.off("SIGINT", onSigint);
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
