/**
 * `sluice arazzo validate | run | describe`, and the Arazzo side of `sluice resume`. Imports only
 * what the command needs: the runner loads optional libraries (JSON Schema validation, JSONPath,
 * XPath) only when a document uses them.
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import pc from "picocolors";
import {
  applyFixes,
  describeArazzo,
  formatDiagnostic,
  resumeArazzoRun,
  runArazzo,
  validateArazzo,
  type ArazzoEvent,
  type ArazzoRunResult,
  type Diagnostic,
} from "./index.js";
import {
  parseAge,
  openHome,
  type RunCheckpoints,
  type RunStore,
  EXIT,
  usageError,
  cancelOnInterrupt,
  parseParamArgs,
  readJsonObjectOption,
  writeFileAtomically,
} from "sluice/internal";

interface SourceUrlOption {
  sourceUrl?: string[];
  sourceFile?: string[];
  allowLocalFiles?: boolean;
}

export interface ArazzoValidateOptions extends SourceUrlOption {
  json?: boolean;
  strict?: boolean;
}

export interface ArazzoRunCommandOptions extends SourceUrlOption {
  workflow?: string;
  input?: string[];
  inputs?: string;
  json?: boolean;
  quiet?: boolean;
  maxSteps?: string;
  pollTimeout?: string;
  timeout?: string;
  home?: string;
  project?: string;
}

/** `sluice arazzo fix FILE`: the document with each unambiguous warning's rewrite applied. */
export async function arazzoFixCommand(
  file: string,
  options: { out?: string; write?: boolean },
): Promise<number> {
  if (/^https?:/i.test(file))
    throw usageError(`arazzo fix works on a local file; download ${file} first.`);
  if (options.out !== undefined && options.write)
    throw usageError("Give --out FILE or --write, not both.");
  const { diagnostics, warnings, loaded } = await validateArazzo(file);
  // Warnings' rewrites, and the errors whose rewrite is unambiguous (forms of other runners).
  const { text, fixed } = await applyFixes(readFileSync(loaded.root.url, "utf8"), loaded.root.url, [
    ...diagnostics,
    ...warnings,
  ]);
  const cwd = process.cwd();
  for (const warning of fixed)
    process.stderr.write(
      `${formatDiagnostic({ ...warning, severity: undefined, message: "fixed", hint: warning.hint }, { relativeTo: cwd })}\n`,
    );
  const left = diagnostics.length - fixed.filter((d) => d.severity !== "warning").length;
  if (fixed.length === 0) {
    process.stderr.write(
      `nothing to fix in ${file}${left > 0 ? ` (it has ${left} error${left === 1 ? "" : "s"}: sluice arazzo validate ${file})` : ""}\n`,
    );
    return EXIT.ok;
  }
  const target = options.write
    ? loaded.root.url
    : (options.out ?? loaded.root.url.replace(/(\.[^./]+)?$/, (ext) => `.fixed${ext}`));
  writeFileAtomically(target, text);
  process.stderr.write(
    `wrote ${relative(cwd, target) || target}: ${fixed.length} fix${fixed.length === 1 ? "" : "es"}${left > 0 ? `; ${left} error${left === 1 ? "" : "s"} left for you (sluice arazzo validate)` : ""}\n`,
  );
  return EXIT.ok;
}

export async function arazzoValidateCommand(
  file: string,
  options: ArazzoValidateOptions,
): Promise<number> {
  const sourceUrls = parseSourceUrls(options.sourceUrl);
  const { diagnostics, warnings, loaded } = await validateArazzo(file, {
    strict: options.strict,
    sourceUrls: parseSourceFiles(options.sourceFile),
    allowLocalFiles: options.allowLocalFiles,
  });
  const names = new Set(loaded.root.sources?.keys() ?? []);
  for (const name of Object.keys(sourceUrls)) {
    if (!names.has(name))
      throw usageError(
        `--source-url ${name}=...: the document has no source description "${name}". Names: ${[...names].join(", ") || "(none)"}.`,
      );
  }
  const cwd = process.cwd();
  const root = loaded.root.value as { workflows?: unknown } | undefined;
  const count = Array.isArray(root?.workflows) ? root.workflows.length : 0;
  if (options.json) {
    const out: Record<string, unknown> = {
      valid: diagnostics.length === 0,
      file: loaded.root.url,
      workflows: count,
      diagnostics,
      warnings,
    };
    if (diagnostics.length > 0)
      out.error = {
        code: "invalid-document",
        message: `${diagnostics.length} problem${diagnostics.length === 1 ? "" : "s"} found`,
      };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return diagnostics.length === 0 ? EXIT.ok : EXIT.invalid;
  }
  for (const warning of warnings) printWarning(warning);
  if (diagnostics.length > 0) {
    process.stdout.write(
      `${diagnostics.map((d) => formatDiagnostic(d, { relativeTo: cwd })).join("\n")}\n`,
    );
    process.stderr.write(
      pc.red(`invalid: ${diagnostics.length} problem${diagnostics.length === 1 ? "" : "s"}\n`),
    );
  } else {
    process.stdout.write(`valid: ${count} workflow${count === 1 ? "" : "s"}\n`);
  }
  return diagnostics.length === 0 ? EXIT.ok : EXIT.invalid;
}

export async function arazzoRunCommand(
  file: string,
  options: ArazzoRunCommandOptions,
): Promise<number> {
  const inputs = {
    ...readInputsOption(options.inputs),
    ...parseParamArgs(options.input ?? [], "--input", "scenarioId=smoke-42"),
  };
  const sourceUrls = parseSourceUrls(options.sourceUrl);
  const maxSteps = positiveInt(options.maxSteps, "--max-steps");
  const timeoutMs = positiveInt(options.timeout, "--timeout");
  const pollTimeoutMs =
    options.pollTimeout === undefined ? undefined : parseAge(options.pollTimeout, "--poll-timeout");
  const home = await openHome(options.home);
  try {
    return await withInterrupt(options, (signal, onEvent) =>
      runArazzo({
        file,
        workflowId: options.workflow,
        inputs,
        sourceUrls,
        sourceFiles: parseSourceFiles(options.sourceFile),
        allowLocalFiles: options.allowLocalFiles,
        maxSteps,
        timeoutMs,
        pollTimeoutMs,
        project: options.project,
        runs: home.runs,
        signal,
        onEvent,
        onWarning: printWarning,
      }),
    );
  } finally {
    home.close();
  }
}

/** `sluice resume RUN_ID` for a run whose source is an Arazzo document; `--param` gives inputs again. */
export async function arazzoResumeCommand(
  runId: string,
  options: { param?: string[]; home?: string; json?: boolean; quiet?: boolean },
  runs: RunStore & RunCheckpoints,
): Promise<number> {
  const inputs = parseParamArgs(options.param ?? []);
  return withInterrupt(options, (signal, onEvent) =>
    resumeArazzoRun({ runId, inputs, runs, signal, onEvent, onWarning: printWarning }),
  );
}

export async function arazzoDescribeCommand(
  file: string,
  options: { workflow?: string; json?: boolean },
): Promise<number> {
  const described = await describeArazzo(file, { workflowId: options.workflow });
  if (options.json) {
    process.stdout.write(`${JSON.stringify(described, null, 2)}\n`);
    return EXIT.ok;
  }
  const lines: string[] = [];
  lines.push(
    pc.bold(
      `${described.title ?? "(untitled)"}${described.version ? ` ${described.version}` : ""}`,
    ),
  );
  for (const wf of described.workflows) {
    lines.push("", `${pc.bold(`workflow ${wf.workflowId}`)}${wf.summary ? `: ${wf.summary}` : ""}`);
    if (wf.dependsOn.length > 0) lines.push(`  depends on: ${wf.dependsOn.join(", ")}`);
    lines.push(wf.inputs.length === 0 ? "  inputs: none" : "  inputs:");
    for (const input of wf.inputs) {
      const flags = [
        input.required ? "required" : "optional",
        ...(input.secret ? ["secret"] : []),
      ].join(", ");
      lines.push(
        `    ${input.name}: ${input.type} (${flags}; env ${input.env})${input.description ? ` ${pc.dim(input.description)}` : ""}`,
      );
    }
    lines.push("  steps:");
    for (const step of wf.steps) {
      lines.push(
        step.kind === "operation"
          ? `    ${step.stepId}: ${step.method} ${step.path} (${step.target})`
          : `    ${step.stepId}: runs workflow ${step.workflow}`,
      );
    }
    lines.push(`  outputs: ${wf.outputs.length === 0 ? "none" : wf.outputs.join(", ")}`);
  }
  process.stdout.write(`${lines.join("\n")}\n`);
  return EXIT.ok;
}

// ---- running ------------------------------------------------------------------------------------------

async function withInterrupt(
  options: { json?: boolean; quiet?: boolean },
  start: (
    signal: AbortSignal,
    onEvent: ((event: ArazzoEvent) => void) | undefined,
  ) => Promise<ArazzoRunResult>,
): Promise<number> {
  const interrupt = cancelOnInterrupt();
  const show = !options.json && !options.quiet;
  // A failure is printed once: by its step's line, else by its workflow's, else by the summary.
  const printed = new Set<string>();
  try {
    const result = await start(
      interrupt.signal,
      show ? (event) => printEvent(event, printed) : undefined,
    );
    if (options.json) process.stdout.write(`${JSON.stringify(resultJson(result), null, 2)}\n`);
    else if (!options.quiet) printSummary(result, printed);
    if (result.status === "cancelled") return EXIT.interrupted;
    return result.success ? EXIT.ok : EXIT.failed;
  } finally {
    interrupt.dispose();
  }
}

function resultJson(result: ArazzoRunResult): Record<string, unknown> {
  const out: Record<string, unknown> = {
    runId: result.runId,
    workflowId: result.workflowId,
    success: result.success,
    status: result.status,
    durationMs: result.durationMs,
    outputs: result.outputs,
    steps: result.steps,
  };
  if (result.error) out.error = result.error;
  if (result.workflows) out.workflows = result.workflows;
  return out;
}

function printEvent(event: ArazzoEvent, printed: Set<string>): void {
  if (event.type === "workflow") {
    if (!event.success && event.error && !printed.has(event.error.message)) {
      printed.add(event.error.message);
      process.stderr.write(
        pc.red(
          `workflow ${event.workflowId} failed [${event.error.code}]: ${event.error.message}\n`,
        ),
      );
    }
    return;
  }
  if (event.error) printed.add(event.error.message);
  const icon = event.status === "succeeded" ? pc.green("✔") : pc.red("✖");
  const call = event.method
    ? ` ${event.method} ${event.url}${event.statusCode === undefined ? "" : ` -> ${event.statusCode}`}`
    : "";
  const attempt = event.attempt > 1 ? pc.dim(` (#${event.attempt})`) : "";
  const why = event.error ? pc.dim(`  ${event.error.message}`) : "";
  process.stderr.write(`${icon} ${event.workflowId}/${event.stepId}${attempt}${call}${why}\n`);
}

function printSummary(result: ArazzoRunResult, printed: ReadonlySet<string>): void {
  const seconds =
    result.durationMs < 1000
      ? `${result.durationMs} ms`
      : `${(result.durationMs / 1000).toFixed(2)} s`;
  const line = `Workflow ${result.workflowId} ${result.status} in ${seconds} (run ${result.runId}).`;
  process.stdout.write(`${result.success ? line : pc.red(line)}\n`);
  if (Object.keys(result.outputs).length > 0)
    process.stdout.write(`Outputs: ${JSON.stringify(result.outputs, null, 2)}\n`);
  if (result.error && !result.success && !printed.has(result.error.message))
    process.stderr.write(pc.red(`[${result.error.code}] ${result.error.message}\n`));
}

// ---- options ------------------------------------------------------------------------------------------

/** `--inputs '{...}'` or `--inputs @file.json`: a JSON object. */
function readInputsOption(option: string | undefined): Record<string, unknown> {
  return option === undefined
    ? {}
    : readJsonObjectOption(option, "--inputs", '{"scenarioId": "smoke-42"}', "invalid-inputs");
}

function parseSourceUrls(pairs: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const at = pair.indexOf("=");
    const url = pair.slice(at + 1);
    if (at <= 0 || !/^https?:\/\/[^/]/i.test(url))
      throw usageError(
        `--source-url expects NAME=http(s)://host[:port][/base], got ${JSON.stringify(pair)}.`,
      );
    out[pair.slice(0, at)] = url;
  }
  return out;
}

function parseSourceFiles(
  pairs: readonly string[] | undefined,
): Record<string, string> | undefined {
  if (pairs === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0 || at === pair.length - 1)
      throw usageError(
        `--source-file expects NAME=PATH (a local copy of that source description), got ${JSON.stringify(pair)}.`,
      );
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw usageError(`${flag} must be a whole number of at least 1, got "${value}".`);
  return n;
}

/** Warnings go to stderr (with --json, stdout holds only the JSON result). */
function printWarning(warning: Diagnostic): void {
  process.stderr.write(pc.yellow(`${formatDiagnostic(warning, { relativeTo: process.cwd() })}\n`));
}
