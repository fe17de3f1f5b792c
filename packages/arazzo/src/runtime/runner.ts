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
import {
  MASK,
  SluiceError,
  type RunStatus,
  type SerializedError,
  type StepStatus,
  checkResumable,
  newRunId,
  sleep as waitOrAbort,
  type RunCheckpoints,
  type RunStore,
} from "sluice/internal";
import {
  CompiledRun,
  needsCriteriaModule,
  type RunnableStep,
  type RunnableWorkflow,
} from "./compile.js";
import { diagnosticsError, type Diagnostic } from "../document/diagnostics.js";
import type { HttpResponse } from "./http.js";
import { inputNames } from "../document/reference-model.js";
import {
  checkKnownInputs,
  envVarOf,
  secretInputs,
  validateInputs,
  withDefaultsAndTypes,
  withEnvInputs,
} from "./inputs.js";
import {
  newFrame,
  runFrame,
  type FrameState,
  type StepSummary,
  type WorkflowOutcome,
} from "./interpreter.js";
import { Recorder, stepError } from "./recorder.js";
import type { BuiltRequest } from "./request.js";
import type { RunContext } from "./run-context.js";
import { Masker } from "./secrets.js";
import { lostOutputSteps, reviveCheckpoint, sealCheckpoint } from "./checkpoint-secrets.js";
import { validateArazzo } from "../document/validate.js";

type Obj = Record<string, unknown>;

export interface ArazzoStepResult {
  status: StepStatus;
  attempts: number;
  statusCode?: number;
  outputs?: Obj;
}

export interface ArazzoWorkflowResult {
  success: boolean;
  /** The workflow's declared outputs, as they are (secrets not masked: they were asked for). */
  outputs: Obj;
  /** Per stepId; outputs here have secrets masked. */
  steps: Record<string, ArazzoStepResult>;
  error?: SerializedError;
}

export interface ArazzoRunResult extends ArazzoWorkflowResult {
  runId: string;
  /** The workflow asked for; when a whole document ran, its last workflow. */
  workflowId: string;
  status: RunStatus;
  durationMs: number;
  /** Every workflow that ran, by id (`<source>.<id>` for another document's), when more than one did. */
  workflows?: Record<string, ArazzoWorkflowResult>;
}

export type ArazzoEvent =
  | {
      type: "step";
      runId: string;
      workflowId: string;
      stepId: string;
      attempt: number;
      status: StepStatus;
      statusCode?: number;
      method?: string;
      url?: string;
      durationMs?: number;
      error?: SerializedError;
    }
  | {
      type: "workflow";
      runId: string;
      workflowId: string;
      success: boolean;
      error?: SerializedError;
    };

interface CommonOptions {
  runs: RunStore & RunCheckpoints;
  /** Cancels the run: the call in flight is aborted, the run ends cancelled. */
  signal?: AbortSignal;
  /** Where SLUICE_INPUT_<NAME> inputs are read (default process.env). */
  env?: Record<string, string | undefined>;
  fetch?: typeof fetch;
  onEvent?: (event: ArazzoEvent) => void;
  /** Told of each form the document uses that runs as meant but is not standard (with its rewrite); the CLI prints them on stderr. */
  onWarning?: (warning: Diagnostic) => void;
  /** Step executions allowed in the run, retries and poll iterations included. @defaultValue 1000 */
  maxSteps?: number;
  /** Per HTTP attempt, in ms. */
  timeoutMs?: number;
  /** How long a poll loop without x-sluice-poll may go on, from its first jump back (ms). @defaultValue 3600000 (1 hour) */
  pollTimeoutMs?: number;
  /** What waits and poll deadlines are measured with. @defaultValue the system clock (tests pass a fake one) */
  clock?: ArazzoClock;
}

/** The time a run sees: now, and a wait the run's cancel interrupts. */
export interface ArazzoClock {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

const SYSTEM_CLOCK: ArazzoClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => waitOrAbort(ms, signal),
};
const DEFAULT_POLL_TIMEOUT_MS = 60 * 60 * 1000;

export interface ArazzoRunOptions extends CommonOptions {
  /** Path (relative to the working directory) or http(s) URL of the Arazzo document. */
  file: string;
  /** Run this workflow (and its dependsOn); default every workflow of the document. */
  workflowId?: string;
  inputs?: Obj;
  /** Source description name → server base URL for its operations (instead of the OpenAPI servers). */
  sourceUrls?: Record<string, string>;
  /** Source description name → a local copy to load it from (instead of its `url`). */
  sourceFiles?: Record<string, string>;
  /** Let the document name sources by absolute path or `file:` URL (see LoadOptions.allowLocalFiles). */
  allowLocalFiles?: boolean;
  runId?: string;
}

export interface ArazzoResumeOptions extends CommonOptions {
  runId: string;
  /** Inputs given again: secret inputs are not stored, so a resumed run needs them again. */
  inputs?: Obj;
}

interface RootState {
  status: "pending" | "running" | "succeeded" | "failed" | "skipped" | "cancelled";
  frame: FrameState;
}

/** The runner's state in the run record (RunRecord.checkpoint). */
interface Checkpoint {
  v: 1;
  workflowId?: string;
  ids: string[];
  sourceUrls?: Record<string, string>;
  /** Absolute paths of local copies sources were loaded from, by name; and whether local files were allowed. */
  sourceFiles?: Record<string, string>;
  allowLocalFiles?: boolean;
  maxSteps: number;
  timeoutMs?: number;
  pollTimeoutMs?: number;
  /** Names of secret inputs: their values are stored as { $sluiceSecret: name } and given again on resume. */
  secrets: string[];
  executions: number;
  roots: Record<string, RootState>;
  /** The step ids of every workflow the run can reach, by workflow label: the frames' step indexes refer to them. */
  layout: Record<string, string[]>;
}

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

function layoutOf(compiled: CompiledRun): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const wf of compiled.workflows.values()) out[wf.label] = wf.steps.map((step) => step.id);
  return out;
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

/** Failed, skipped and cancelled workflows go back to where they stopped; true when any did. */
function reopen(checkpoint: Checkpoint): boolean {
  let any = false;
  const open = (st: FrameState): void => {
    if (st.call) open(st.call.frame);
    if (st.end && !st.end.success) {
      st.end = undefined;
      st.poll = undefined;
      st.waitUntil = undefined;
      any = true;
    }
  };
  for (const root of Object.values(checkpoint.roots)) {
    if (root.status === "succeeded") continue;
    if (root.status !== "pending" && root.status !== "running") any = true;
    root.status = "pending";
    open(root.frame);
  }
  return any;
}

/**
 * A frame whose step outputs held a secret the run learned (not stored) first runs again the earliest
 * of those steps, the one that got the secret (a login), before going on; other outputs that echoed it
 * come back masked. Refused where a frame is inside a call or a retry's detour.
 */
function refetchLostSecrets(
  runId: string,
  compiled: CompiledRun,
  sealed: Checkpoint,
  restored: Checkpoint,
): void {
  const visit = (sealedFrame: FrameState, frame: FrameState): void => {
    if (sealedFrame.call && frame.call) visit(sealedFrame.call.frame, frame.call.frame);
    const lost = new Set(lostOutputSteps(sealedFrame.outputs));
    if (lost.size === 0 || frame.end?.success) return;
    const wf = compiled.workflow(frame.wf);
    const first = wf.steps.find((step) => lost.has(step.id));
    if (frame.call || frame.detour || first === undefined) {
      throw new SluiceError(
        "invalid-usage",
        `Run ${runId} cannot be resumed: the outputs of step${lost.size > 1 ? "s" : ""} ${[...lost].map((id) => `"${id}"`).join(", ")} of workflow "${wf.label}" held a secret learned during the run (sent later in a secret header), which sluice does not store. Start a new run with: sluice arazzo run`,
      );
    }
    delete frame.outputs[first.id];
    frame.detour = { run: first.index, then: frame.next };
  };
  for (const [key, root] of Object.entries(restored.roots)) {
    if (root.status !== "succeeded") visit(sealed.roots[key]!.frame, root.frame);
  }
}

// ---- one run -------------------------------------------------------------------------------------------

class Session implements RunContext {
  readonly recorder: Recorder;
  readonly signal: AbortSignal;
  readonly timeoutMs?: number;
  readonly pollTimeoutMs: number;
  readonly fetch?: typeof fetch;
  private readonly clock: ArazzoClock;
  private readonly control = new AbortController();
  private readonly rootRuns = new Map<string, Promise<WorkflowOutcome>>();
  private readonly results = new Map<string, ArazzoWorkflowResult>();
  private readonly secretValues: Map<string, string>;
  private readonly startedAt = Date.now();

  constructor(
    private readonly options: CommonOptions,
    readonly compiled: CompiledRun,
    private readonly checkpoint: Checkpoint,
    readonly masker: Masker,
    private readonly runId: string,
    private readonly keys: string[],
  ) {
    this.recorder = new Recorder(options.runs, runId, masker);
    this.signal = this.control.signal;
    if (options.timeoutMs !== undefined) this.timeoutMs = options.timeoutMs;
    this.pollTimeoutMs = options.pollTimeoutMs ?? DEFAULT_POLL_TIMEOUT_MS;
    this.clock = options.clock ?? SYSTEM_CLOCK;
    if (options.fetch) this.fetch = options.fetch;
    this.secretValues = new Map();
    for (const root of Object.values(checkpoint.roots)) {
      for (const name of checkpoint.secrets) {
        const value = root.frame.inputs[name];
        if ((typeof value === "string" && value !== "") || typeof value === "number")
          this.secretValues.set(String(value), name);
      }
    }
  }

  stepNames(): string[] {
    return [...this.compiled.workflows.values()].flatMap((wf) => wf.steps.map((s) => s.recordName));
  }

  async run(): Promise<ArazzoRunResult> {
    const outer = this.options.signal;
    const onAbort = () =>
      this.control.abort(new SluiceError("cancelled", "The run was cancelled."));
    if (outer?.aborted) onAbort();
    else outer?.addEventListener("abort", onAbort, { once: true });
    let failure: unknown;
    try {
      await Promise.all(Object.keys(this.checkpoint.roots).map((key) => this.root(key)));
    } catch (error) {
      failure = error;
    } finally {
      outer?.removeEventListener("abort", onAbort);
    }
    return this.finish(failure);
  }

  private root(key: string, inputs?: Obj): Promise<WorkflowOutcome> {
    let pending = this.rootRuns.get(key);
    if (!pending) {
      const state = (this.checkpoint.roots[key] ??= {
        status: "pending",
        frame: newFrame(key, inputs ?? {}),
      });
      pending = this.runRoot(key, state);
      this.rootRuns.set(key, pending);
    }
    return pending;
  }

  private async runRoot(key: string, state: RootState): Promise<WorkflowOutcome> {
    const wf = this.compiled.workflow(key);
    const blocked = await this.dependencies(wf, state.frame.inputs);
    if (blocked) {
      state.status = blocked.cancelled ? "cancelled" : "skipped";
      const steps = Object.fromEntries(
        wf.steps.map((s) => [s.id, { status: "skipped" as const, attempts: 0 }]),
      );
      this.results.set(wf.label, {
        success: false,
        outputs: {},
        steps,
        ...(blocked.error ? { error: blocked.error } : {}),
      });
      return blocked;
    }
    state.status = "running";
    const outcome = await runFrame(this, state.frame);
    state.status = outcome.cancelled ? "cancelled" : outcome.success ? "succeeded" : "failed";
    return outcome;
  }

  /** Runs a workflow's dependsOn (once each); an outcome when one of them did not succeed. */
  private async dependencies(
    wf: RunnableWorkflow,
    inputs: Obj,
  ): Promise<WorkflowOutcome | undefined> {
    if (wf.dependsOn.length === 0) return undefined;
    const outcomes = await Promise.all(wf.dependsOn.map((dep) => this.root(dep, inputs)));
    const index = outcomes.findIndex((o) => !o.success);
    if (index < 0) return undefined;
    const dep = this.compiled.workflow(wf.dependsOn[index]!);
    if (outcomes[index]!.cancelled) return { success: false, outputs: {}, cancelled: true };
    return {
      success: false,
      outputs: {},
      error: {
        code: "step-failed",
        message: `Workflow "${wf.label}" did not run: workflow "${dep.label}", which it depends on, failed.`,
      },
    };
  }

  async runCall(frame: FrameState, checkInputs: boolean): Promise<WorkflowOutcome> {
    const wf = this.compiled.workflow(frame.wf);
    const blocked = await this.dependencies(wf, frame.inputs);
    if (blocked) return blocked;
    if (checkInputs && frame.end === undefined && Object.keys(frame.steps).length === 0) {
      // A step's parameters are the called workflow's inputs: checked like the run's own, before its first call.
      try {
        await validateInputs(
          wf.label,
          wf.inputsSchema,
          wf.doc.info.value,
          `/workflows/${wf.index}/inputs`,
          frame.inputs,
        );
      } catch (error) {
        if (!SluiceError.is(error) || error.code !== "invalid-inputs") throw error;
        return { success: false, outputs: {}, error: stepError(error) };
      }
    }
    return runFrame(this, frame);
  }

  spend(wf: RunnableWorkflow, st: FrameState, step: RunnableStep): void {
    if (++this.checkpoint.executions <= this.checkpoint.maxSteps) return;
    const max = this.checkpoint.maxSteps;
    const ran = st.steps[step.id]?.attempts ?? 0;
    const loop = st.loop;
    const message = loop
      ? `Step "${step.id}" of workflow "${wf.label}" ran ${ran} times: the step budget (--max-steps ${max}) is used up; the ${loop.kind} from "${loop.from}" back to "${loop.to}" never ended. Check the criteria that should end the loop, add x-sluice-poll: { intervalMs, timeoutMs } to the step, or raise --max-steps.`
      : `The run used its step budget of ${max} step executions (--max-steps) before step "${step.id}" of workflow "${wf.label}"; raise --max-steps.`;
    throw new SluiceError("loop-limit", message, {
      details: { step: step.id, workflow: wf.label, maxSteps: max, ...(loop ? { loop } : {}) },
    });
  }

  async commit(): Promise<void> {
    await this.recorder.commit(this.sealedCheckpoint());
  }

  /** The checkpoint as it may be stored: no secret, input or learned, in any string. */
  private sealedCheckpoint(): unknown {
    return sealCheckpoint(this.checkpoint, this.secretValues, this.masker);
  }

  sleep(ms: number): Promise<void> {
    return this.clock.sleep(ms, this.signal).catch(() => {
      throw new SluiceError("cancelled", "The run was cancelled.");
    });
  }

  now(): number {
    return this.clock.now();
  }

  workflowEnded(wf: RunnableWorkflow, st: FrameState, outcome: WorkflowOutcome): void {
    const steps: Record<string, ArazzoStepResult> = {};
    for (const step of wf.steps) {
      const summary = st.steps[step.id];
      const result: ArazzoStepResult = summary
        ? { status: summary.status, attempts: summary.attempts }
        : { status: "skipped", attempts: 0 };
      if (summary?.statusCode !== undefined) result.statusCode = summary.statusCode;
      const outputs = st.outputs[step.id];
      if (outputs !== undefined) result.outputs = this.masker.value(outputs);
      steps[step.id] = result;
    }
    const result: ArazzoWorkflowResult = {
      success: outcome.success,
      outputs: outcome.outputs,
      steps,
    };
    if (outcome.error) result.error = this.maskError(outcome.error);
    this.results.set(wf.label, result);
    const event: ArazzoEvent = {
      type: "workflow",
      runId: this.runId,
      workflowId: wf.label,
      success: outcome.success,
    };
    if (result.error) event.error = result.error;
    this.emit(event);
  }

  logCall(
    step: RunnableStep,
    request: BuiltRequest,
    response: HttpResponse | undefined,
    failure: Error | undefined,
  ): void {
    const ms = response ? Math.round(response.durationMs) : undefined;
    const data: Obj = {
      method: request.method,
      url: request.url,
      request: {
        headers: this.masker.headers(request.headers),
        ...(request.body === undefined ? {} : { body: bodyText(request.body) }),
      },
    };
    if (response) {
      data.status = response.status;
      data.ms = ms;
      data.response = {
        headers: this.masker.headers(response.headers),
        ...(response.text === "" ? {} : { body: truncate(response.text) }),
      };
    }
    if (failure) data.error = failure.message;
    const message = response
      ? `${request.method} ${request.url} -> ${response.status} (${ms} ms)`
      : `${request.method} ${request.url} failed: ${failure?.message ?? "no response"}`;
    this.recorder.log(
      step.recordName,
      response && response.status < 400 ? "info" : "warn",
      message,
      data,
    );
    if (response?.malformedJson)
      this.recorder.log(
        step.recordName,
        "warn",
        `the response says it is JSON but does not parse; criteria and outputs see its text`,
      );
  }

  logFailure(step: RunnableStep, error: Error): void {
    this.recorder.log(step.recordName, "error", error.message);
  }

  emitStep(
    wf: RunnableWorkflow,
    step: RunnableStep,
    summary: StepSummary,
    failure: Error | undefined,
  ): void {
    if (!this.options.onEvent) return;
    const event: Extract<ArazzoEvent, { type: "step" }> = {
      type: "step",
      runId: this.runId,
      workflowId: wf.label,
      stepId: step.id,
      attempt: summary.attempts,
      status: summary.status,
    };
    if (summary.statusCode !== undefined) event.statusCode = summary.statusCode;
    if (step.operation) {
      event.method = step.operation.method;
      event.url = step.operation.path;
    }
    if (failure) event.error = this.maskError(stepError(failure));
    this.emit(event);
  }

  private emit(event: ArazzoEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // A listener's bug must not break the run.
    }
  }

  private maskError(error: SerializedError): SerializedError {
    const out: SerializedError = { ...error, message: this.masker.text(error.message) };
    if (error.details !== undefined) out.details = this.masker.value(error.details);
    return out;
  }

  private async finish(failure: unknown): Promise<ArazzoRunResult> {
    const roots = Object.values(this.checkpoint.roots);
    const cancelled = this.signal.aborted || roots.some((r) => r.status === "cancelled");
    const failed = failure !== undefined || roots.some((r) => r.status !== "succeeded");
    const status: RunStatus =
      failure !== undefined ? "failed" : cancelled ? "cancelled" : failed ? "failed" : "succeeded";
    this.recorder.settleUnfinished(status !== "succeeded", status === "cancelled");
    let error: SerializedError | undefined;
    if (failure !== undefined) error = this.maskError(stepError(failure));
    else if (status === "cancelled")
      error = { code: "cancelled", message: "The run was cancelled." };
    else if (failed) {
      const rootResults = Object.keys(this.checkpoint.roots).map((key) =>
        this.results.get(this.compiled.workflow(key).label),
      );
      error = rootResults.find((r) => r && !r.success && r.error)?.error ?? {
        code: "step-failed",
        message: "A workflow failed.",
      };
    }
    const finishedAt = Date.now();
    try {
      await this.recorder.finish({
        status,
        reason: status === "cancelled" ? "cancelled" : undefined,
        finishedAt,
        durationMs: finishedAt - this.startedAt,
        error,
        checkpoint: this.sealedCheckpoint(),
      });
    } catch (storeError) {
      if (failure === undefined) throw storeError;
    }
    if (failure !== undefined && !(SluiceError.is(failure) && failure.code === "cancelled"))
      throw failure;
    const mainKey =
      this.checkpoint.workflowId !== undefined ? this.keys[0]! : this.keys[this.keys.length - 1]!;
    const main = this.compiled.workflow(mainKey);
    const mainResult = this.results.get(main.label) ?? { success: false, outputs: {}, steps: {} };
    const result: ArazzoRunResult = {
      runId: this.runId,
      workflowId: main.label,
      success: status === "succeeded",
      status,
      durationMs: finishedAt - this.startedAt,
      outputs: mainResult.outputs,
      steps: mainResult.steps,
    };
    if (error) result.error = error;
    if (this.results.size > 1) result.workflows = Object.fromEntries(this.results);
    return result;
  }
}

function bodyText(body: string | Uint8Array): string {
  return typeof body === "string" ? truncate(body) : `<${body.byteLength} bytes>`;
}

function truncate(text: string, max = 2048): string {
  return text.length > max ? `${text.slice(0, max)}... (${text.length} characters)` : text;
}
