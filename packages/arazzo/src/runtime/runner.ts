/**
 * Runs Arazzo workflows as sluice runs: validated first (any diagnostic stops the run before a
 * call), inputs checked against each workflow's schema, then recorded durably step by step, with a
 * checkpoint after every execution so `resumeArazzoRun` continues a crashed, failed or cancelled
 * run without repeating finished calls.
 *
 * Running one workflow runs its dependsOn workflows first, once each, with the same inputs;
 * running a whole document runs every workflow, each after its dependsOn, and workflows with no
 * dependsOn path between them run at the same time. Arazzo runs are never served from a cache.
 */
import { resolve as resolvePath } from "node:path";
import { MASK, SluiceError, checkResumable, newRunId } from "sluice/internal";
import { CompiledRun, needsCriteriaModule } from "./compile.js";
import { diagnosticsError } from "../document/diagnostics.js";
import { inputNames } from "../document/reference-model.js";
import {
  checkKnownInputs,
  envVarOf,
  secretInputs,
  validateInputs,
  withDefaultsAndTypes,
  withEnvInputs,
} from "./inputs.js";
import { newFrame } from "./interpreter.js";
import type {
  ArazzoResumeOptions,
  ArazzoRunOptions,
  ArazzoRunResult,
  CommonOptions,
} from "./run-types.js";
import { Masker } from "./secrets.js";
import { Session } from "./session.js";
import { reviveCheckpoint } from "./checkpoint-secrets.js";
import {
  layoutOf,
  refetchLostSecrets,
  reopen,
  type Checkpoint,
  type RootState,
} from "./checkpoint.js";
import { validateArazzo } from "../document/validate.js";

type Obj = Record<string, unknown>;

const DEFAULT_MAX_STEPS = 1000;

/** Validates `file`, checks the inputs, and runs the workflow(s), recording the run in `runs`. */
export async function runArazzo(options: ArazzoRunOptions): Promise<ArazzoRunResult> {
  const maxSteps = checkMaxSteps(options.maxSteps);
  const sourceFiles =
    options.sourceFiles &&
    Object.fromEntries(
      Object.entries(options.sourceFiles).map(([name, path]) => [name, resolvePath(path)]),
    );
  const compiled = await prepare(options.file, options.sourceUrls, { ...options, sourceFiles });
  const ids = options.workflowId === undefined ? compiled.workflowIds() : [options.workflowId];
  const keys = compiled.select(ids);
  const env = options.env ?? process.env;
  const given = options.inputs ?? {};
  const roots: Record<string, RootState> = {};
  const secretNames = new Set<string>();
  const allInputs: Obj = {};
  const order = dependencyOrder(compiled, keys);
  // Names no workflow declares are refused, unless a schema allows any name (additionalProperties, patternProperties).
  const named = order.map((key) =>
    inputNames(compiled.workflow(key).doc.info.value as Obj, compiled.workflow(key).inputsSchema),
  );
  if (!named.includes("open"))
    checkKnownInputs(
      given,
      new Set(named.flatMap((names) => [...(names as Set<string>)])),
      order.map((key) => compiled.workflow(key).label),
    );
  for (const key of order) {
    const wf = compiled.workflow(key);
    const inputs = withDefaultsAndTypes(
      wf.inputsSchema,
      wf.doc.info.value,
      withEnvInputs(wf.inputsSchema, wf.doc.info.value, given, env),
    );
    await validateInputs(
      wf.label,
      wf.inputsSchema,
      wf.doc.info.value,
      `/workflows/${wf.index}/inputs`,
      inputs,
    );
    for (const name of secretInputs(wf.inputsSchema, wf.doc.info.value, inputs))
      secretNames.add(name);
    Object.assign(allInputs, inputs);
    roots[key] = { status: "pending", frame: newFrame(key, inputs) };
  }
  const checkpoint: Checkpoint = {
    v: 1,
    ids,
    maxSteps,
    secrets: [...secretNames],
    executions: 0,
    roots,
    layout: layoutOf(compiled),
  };
  if (options.workflowId !== undefined) checkpoint.workflowId = options.workflowId;
  if (options.sourceUrls && Object.keys(options.sourceUrls).length > 0)
    checkpoint.sourceUrls = options.sourceUrls;
  if (sourceFiles && Object.keys(sourceFiles).length > 0) checkpoint.sourceFiles = sourceFiles;
  if (options.allowLocalFiles) checkpoint.allowLocalFiles = true;
  if (options.timeoutMs !== undefined) checkpoint.timeoutMs = options.timeoutMs;
  if (options.pollTimeoutMs !== undefined)
    checkpoint.pollTimeoutMs = checkPollTimeout(options.pollTimeoutMs);
  const masker = new Masker([...secretNames].map((name) => allInputs[name]));
  const params: Obj = {};
  for (const [name, value] of Object.entries(allInputs))
    params[name] = secretNames.has(name) ? MASK : masker.value(value);
  const runId = options.runId ?? newRunId();
  const session = new Session(options, compiled, checkpoint, masker, runId, keys);
  const root = compiled.root.info.value;
  const title =
    typeof (root.info as Obj | undefined)?.title === "string"
      ? ((root.info as Obj).title as string)
      : "arazzo";
  const pipeline = options.workflowId ?? (ids.length === 1 ? ids[0]! : title);
  await session.recorder.start(
    {
      pipeline,
      params,
      source: { file: compiled.loaded.root.url, exportName: options.workflowId, kind: "arazzo" },
      ...(options.project !== undefined ? { project: options.project } : {}),
    },
    session.stepNames(),
  );
  return session.run();
}

/** Continues an Arazzo run from its checkpoint, under the same run id; finished steps are not executed again. */
export async function resumeArazzoRun(options: ArazzoResumeOptions): Promise<ArazzoRunResult> {
  const found = await options.runs.getRun(options.runId);
  const run = checkResumable(options.runId, found?.run, "Start a new run with: sluice arazzo run");
  const { steps } = found!;
  const checkpoint = run.checkpoint as Checkpoint | undefined;
  if (run.source?.kind !== "arazzo" || checkpoint?.v !== 1)
    throw new SluiceError(
      "invalid-usage",
      `Run ${options.runId} is not an Arazzo run with a checkpoint, so it cannot be resumed as one.`,
    );
  const env = options.env ?? process.env;
  const secrets = new Map<string, unknown>();
  const missing: string[] = [];
  for (const name of checkpoint.secrets) {
    const value = options.inputs?.[name] ?? env[envVarOf(name)];
    if (value === undefined) missing.push(name);
    else secrets.set(name, value);
  }
  if (missing.length > 0) {
    throw new SluiceError(
      "invalid-inputs",
      `Run ${options.runId} used secret input${missing.length > 1 ? "s" : ""} ${missing.map((n) => `"${n}"`).join(", ")}, which sluice does not store. Give ${missing.length > 1 ? "them" : "it"} again: sluice resume ${options.runId} ${missing.map((n) => `--param ${n}=...`).join(" ")} (or set ${missing.map(envVarOf).join(", ")}).`,
      { details: { missing } },
    );
  }
  const restored = reviveCheckpoint(checkpoint, secrets) as Checkpoint;
  if (options.maxSteps !== undefined) restored.maxSteps = checkMaxSteps(options.maxSteps);
  if (options.timeoutMs !== undefined) restored.timeoutMs = options.timeoutMs;
  if (options.pollTimeoutMs !== undefined)
    restored.pollTimeoutMs = checkPollTimeout(options.pollTimeoutMs);
  const compiled = await prepare(run.source.file, restored.sourceUrls, {
    ...options,
    sourceFiles: restored.sourceFiles,
    allowLocalFiles: restored.allowLocalFiles,
  });
  const keys = compiled.select(restored.ids);
  const layout = layoutOf(compiled);
  const changed = Object.keys(restored.layout ?? {}).filter(
    (label) => JSON.stringify(layout[label]) !== JSON.stringify(restored.layout[label]),
  );
  if (changed.length > 0) {
    throw new SluiceError(
      "invalid-usage",
      `Run ${options.runId} cannot be resumed: the steps of workflow${changed.length > 1 ? "s" : ""} ${changed.map((l) => `"${l}"`).join(", ")} changed in ${run.source.file} since the run started (a resumed run continues at a step by its place). Start a new run with: sluice arazzo run ${run.source.file}`,
    );
  }
  const reopened = reopen(restored);
  refetchLostSecrets(options.runId, compiled, checkpoint, restored);
  if (reopened) restored.executions = 0; // a failed run resumed gets its budget again
  const masker = new Masker(secrets.values());
  const session = new Session(
    { ...options, timeoutMs: restored.timeoutMs, pollTimeoutMs: restored.pollTimeoutMs },
    compiled,
    restored,
    masker,
    options.runId,
    keys,
  );
  await session.recorder.start(
    { pipeline: run.pipeline, params: run.params, source: run.source },
    session.stepNames(),
    { run, existing: steps },
  );
  return session.run();
}

async function prepare(
  file: string,
  sourceUrls: Record<string, string> | undefined,
  options: CommonOptions & { sourceFiles?: Record<string, string>; allowLocalFiles?: boolean },
): Promise<CompiledRun> {
  const { diagnostics, warnings, loaded } = await validateArazzo(file, {
    fetch: options.fetch,
    sourceUrls: options.sourceFiles,
    allowLocalFiles: options.allowLocalFiles,
  });
  if (diagnostics.length > 0) throw diagnosticsError(diagnostics, { relativeTo: process.cwd() });
  for (const warning of warnings) options.onWarning?.(warning);
  const criteria = needsCriteriaModule(loaded)
    ? await import("../criteria/criteria.js")
    : undefined;
  return new CompiledRun(loaded, { serverUrls: sourceUrls, criteria });
}

function checkPollTimeout(value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new SluiceError(
      "invalid-usage",
      `--poll-timeout must be a positive number of milliseconds, got ${String(value)}.`,
    );
  return value;
}

function checkMaxSteps(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_STEPS;
  if (!Number.isInteger(value) || value < 1)
    throw new SluiceError(
      "invalid-usage",
      `--max-steps must be a whole number of at least 1, got ${String(value)}.`,
    );
  return value;
}

/** The selected workflows with the dependsOn workflows they need, dependencies first. */
function dependencyOrder(compiled: CompiledRun, keys: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (key: string): void => {
    if (seen.has(key)) return;
    seen.add(key);
    for (const dep of compiled.workflow(key).dependsOn) visit(dep);
    out.push(key);
  };
  keys.forEach(visit);
  return out;
}
