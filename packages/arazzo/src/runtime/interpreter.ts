/**
 * Runs one workflow (1.0.1 Workflow, Step, Success Action and Failure Action Objects) as a frame
 * whose state is plain JSON, kept in the run's checkpoint so a resumed run continues where it was.
 *
 * - Steps run in order. An operation step sends its request, then its successCriteria must all
 *   hold (a step without criteria succeeds once a response arrived: every one of its zero
 *   assertions holds); a call that got no response (refused, timed out) is a failure.
 * - A step's outputs are evaluated after every execution; one that cannot be resolved is absent.
 * - On success the first success action whose criteria hold runs: `end` ends the workflow
 *   (succeeded), `goto` jumps to a step, or runs another workflow and ends with its result; no
 *   action: the next step; after the last step the workflow succeeded.
 * - On failure the first matching failure action runs: `retry` waits (the response's Retry-After,
 *   when present, wins over `retryAfter`), runs its stepId or workflowId first when it names one,
 *   and executes the step again, at most `retryLimit` times (default 1); used up, the next matching
 *   failure action is looked for. `goto` as on success; `end` ends the workflow as failed; no action:
 *   the workflow failed.
 * - A workflowId step runs the called workflow with its parameters as inputs (name → value); in
 *   its criteria and outputs `$outputs.x` is the called workflow's outputs. It fails when the called
 *   workflow failed or its criteria do not hold.
 * - Loops: every execution spends one unit of the run's step budget (--max-steps); a step going back
 *   (a goto to itself or an earlier step) waits first: 1 s doubling to 30 s (or the response's
 *   Retry-After), for at most the poll timeout (--poll-timeout, 1 hour) since it first went back, then
 *   fails (loop-limit); `x-sluice-poll: { intervalMs, timeoutMs }` on the step sets both instead.
 * - Workflow outputs are evaluated at the end; one that cannot be resolved fails a workflow that
 *   had succeeded (output-invalid), since the caller asked for it.
 */
import { SluiceError, type SerializedError, type StepStatus } from "sluice/internal";
import type { RunnableAction, RunnableStep, RunnableWorkflow } from "./compile.js";
import {
  evaluateValue,
  resolverFor,
  type EvaluationScope,
  type ResponseFacts,
} from "../expressions/context.js";
import { retryAfterMs, sendRequest, type HttpResponse } from "./http.js";
import { stepError } from "./recorder.js";
import { buildRequest, type BuiltRequest, type RequestInput } from "./request.js";
import { exchangeOf } from "./exchange.js";
import type { RunContext } from "./run-context.js";
import { calledWorkflowFailed } from "./call-failure.js";

type Obj = Record<string, unknown>;

export interface StepSummary {
  status: StepStatus;
  attempts: number;
  statusCode?: number;
}

/** A workflow's progress, as JSON (the checkpoint holds it). */
export interface FrameState {
  wf: string;
  inputs: Obj;
  /** Index of the step to execute next. */
  next: number;
  outputs: Record<string, Obj>;
  steps: Record<string, StepSummary>;
  /** Retries used, by step id and failure action name. */
  retries?: Record<string, Record<string, number>>;
  /** The poll loop a step is in: since when it goes back, and the pace of its backoff (the last wait, Retry-After aside). */
  poll?: { step: string; since: number; waitMs?: number };
  /** The last jump back, named when the step budget runs out. */
  loop?: { kind: "success-goto" | "failure-goto"; from: string; to: string };
  /** Not before this time (a retry's wait, a poll interval). */
  waitUntil?: number;
  /** A workflow being run for this frame, and what to do when it ends. */
  call?: { frame: FrameState; then: "step" | "transfer" | "retry"; step: number };
  /** A retry's stepId, executed before the failed step is tried again. */
  detour?: { run: number; then: number };
  end?: { success: boolean; error?: SerializedError };
}

/**
 * The last response each frame received (its own calls, or those of a workflow it called). Kept in
 * memory, not in the checkpoint: responses may hold secrets, and a resumed run only misses it when
 * it stopped right between a called workflow's end and the step that called it.
 */
const lastResponses = new WeakMap<FrameState, ResponseFacts>();

export interface WorkflowOutcome {
  success: boolean;
  outputs: Obj;
  error?: SerializedError;
  cancelled?: boolean;
  /** The called workflow's last response: a step that calls a workflow reads it as its own response (the spec's pet-coupons example checks `$statusCode` there). */
  response?: ResponseFacts;
}

export function newFrame(wf: string, inputs: Obj): FrameState {
  return { wf, inputs, next: 0, outputs: {}, steps: {} };
}

/** Runs (or continues) a frame until its workflow ends; the frame state is updated in place. */
export async function runFrame(ctx: RunContext, st: FrameState): Promise<WorkflowOutcome> {
  const wf = ctx.compiled.workflow(st.wf);
  const inputs = st.inputs;
  wf.doc.scope.workflows.set(wf.id, { inputs });
  while (st.end === undefined) {
    try {
      if (ctx.signal.aborted) throw cancelledError();
      if (st.call) await finishCall(ctx, wf, st);
      else if (st.detour) await runDetour(ctx, wf, st, inputs);
      else if (st.next >= wf.steps.length) st.end = { success: true };
      else await executeStep(ctx, wf, st, wf.steps[st.next]!, inputs);
    } catch (error) {
      if (SluiceError.is(error) && error.code === "cancelled") {
        const step = wf.steps[st.next];
        if (step && st.steps[step.id]?.status === "running") {
          st.steps[step.id]!.status = "cancelled";
          ctx.recorder.stepEnded(step.recordName, "cancelled");
        }
        const outcome: WorkflowOutcome = {
          success: false,
          outputs: {},
          cancelled: true,
          error: stepError(error),
        };
        ctx.workflowEnded(wf, st, outcome);
        return outcome;
      }
      if (!SluiceError.is(error) || (error.code !== "loop-limit" && error.code !== "http-failed"))
        throw error;
      const step = wf.steps[st.next];
      if (step) {
        const summary = (st.steps[step.id] ??= { status: "failed", attempts: 0 });
        summary.status = "failed";
        ctx.recorder.stepEnded(step.recordName, "failed", stepError(error));
      }
      st.end = { success: false, error: stepError(error) };
    }
  }
  return finishWorkflow(ctx, wf, st, inputs);
}

function finishWorkflow(
  ctx: RunContext,
  wf: RunnableWorkflow,
  st: FrameState,
  inputs: Obj,
): WorkflowOutcome {
  // `$statusCode` and `$response.*` in workflow outputs are the workflow's last response.
  const last = lastResponses.get(st);
  const resolve = resolverFor({
    doc: wf.doc.scope,
    inputs,
    steps: st.outputs,
    ...(last ? { response: last } : {}),
  });
  const outputs: Obj = {};
  const missing: string[] = [];
  for (const [name, raw] of wf.outputs) {
    const found = evaluateValue(raw, resolve);
    if (found.found) outputs[name] = found.value;
    else missing.push(`"${name}" (${typeof raw === "string" ? raw : JSON.stringify(raw)})`);
  }
  let { success, error } = st.end!;
  if (success && missing.length > 0) {
    success = false;
    error = {
      code: "output-invalid",
      message: `Workflow "${wf.label}" ended, but its output${missing.length > 1 ? "s" : ""} ${missing.join(", ")} cannot be resolved: the steps they read did not produce them. Check the steps ran (an end action may have stopped the workflow first) and what their responses held.`,
    };
  }
  wf.doc.scope.workflows.set(wf.id, { inputs, outputs });
  const outcome: WorkflowOutcome = { success, outputs };
  if (error) outcome.error = error;
  if (last) outcome.response = last;
  ctx.workflowEnded(wf, st, outcome);
  return outcome;
}

// ---- one execution ------------------------------------------------------------------------------------

async function executeStep(
  ctx: RunContext,
  wf: RunnableWorkflow,
  st: FrameState,
  step: RunnableStep,
  inputs: Obj,
  detour = false,
): Promise<void> {
  if (st.waitUntil !== undefined) {
    const wait = st.waitUntil - ctx.now();
    if (wait > 0) await ctx.sleep(wait);
    st.waitUntil = undefined;
  }
  ctx.spend(wf, st, step);
  const summary = (st.steps[step.id] ??= { status: "pending", attempts: 0 });
  summary.attempts++;
  summary.status = "running";
  const scope: EvaluationScope = { doc: wf.doc.scope, inputs, steps: st.outputs };
  const resolve = resolverFor(scope);
  if (step.calls) {
    ctx.recorder.stepStarted(step.recordName, summary.attempts);
    await ctx.commit();
    const callInputs: Obj = {};
    for (const p of step.parameters) {
      const found = evaluateValue(p.value, resolve);
      if (found.found) callInputs[p.name] = found.value;
    }
    // As a retry's detour, the failed step (st.next) runs again once the call ended.
    st.call = detour
      ? { frame: newFrame(step.calls, callInputs), then: "retry", step: st.next }
      : { frame: newFrame(step.calls, callInputs), then: "step", step: step.index };
    return;
  }
  const op = step.operation!;
  if (op.serverUrl === undefined || !/^https?:\/\//i.test(op.serverUrl)) {
    throw new SluiceError(
      "http-failed",
      `Step "${step.id}" calls ${op.method} ${op.path}, but its OpenAPI description gives no absolute server URL${op.serverUrl ? ` ("${op.serverUrl}")` : ""}. Point the source at a server with --source-url NAME=http://host:port.`,
    );
  }
  let built: BuiltRequest;
  try {
    built = buildRequest(
      {
        method: op.method,
        serverUrl: op.serverUrl,
        pathTemplate: op.path,
        parameters: step.parameters as RequestInput["parameters"],
        requestBody: step.requestBody,
      },
      resolve,
    );
  } catch (error) {
    if (!SluiceError.is(error) || error.code === "internal" || error.code === "cancelled")
      throw error;
    // A request that cannot be built (a value missing, a body that cannot be encoded) fails the step.
    ctx.recorder.stepStarted(step.recordName, summary.attempts);
    keepOutputs(step, st, resolve);
    ctx.logFailure(step, error);
    if (detour) return settle(ctx, step, summary, error);
    return afterExecution(ctx, wf, st, step, summary, resolve, error, undefined);
  }
  // Secret headers this request sends are known before anything is committed, so earlier logs that
  // show them (a login's response) are masked too.
  ctx.masker.learnHeaders(built.headers);
  ctx.recorder.stepStarted(step.recordName, summary.attempts);
  await ctx.commit();
  const query: Obj = {};
  const path: Obj = {};
  for (const p of step.parameters) {
    if (p.in !== "query" && p.in !== "path") continue;
    const found = evaluateValue(p.value, resolve);
    if (found.found) (p.in === "query" ? query : path)[p.name] = found.value;
  }
  scope.request = {
    url: built.url,
    method: built.method,
    headers: built.headers,
    query,
    path,
    hasBody: built.body !== undefined,
    body: built.bodyValue,
  };
  let response: HttpResponse | undefined;
  let failure: SluiceError | undefined;
  try {
    response = await sendRequest(
      { url: built.url, method: built.method, headers: built.headers, body: built.body },
      { timeoutMs: ctx.timeoutMs, signal: ctx.signal, fetch: ctx.fetch },
    );
  } catch (error) {
    if (!SluiceError.is(error) || error.code !== "http-failed") throw error;
    failure = error;
  }
  if (response) {
    scope.response = response;
    lastResponses.set(st, response);
  }
  ctx.logCall(step, built, response, failure);
  const criteria: Array<{ condition: string; type: string; held: boolean }> = [];
  if (response) {
    summary.statusCode = response.status;
    // Every criterion is evaluated (they have no effects), so the record shows which held; the first that does not fails the step.
    for (const criterion of step.successCriteria) {
      const held = criterion.test(resolve);
      criteria.push({ condition: criterion.source, type: criterion.type, held });
      if (held || failure) continue;
      failure = new SluiceError(
        "criteria-failed",
        `Step "${step.id}": its success criterion ${JSON.stringify(criterion.source)} does not hold (${built.method} ${built.url} answered ${response.status}${bodyStart(response.text)}).`,
        { details: { criterion: criterion.source, statusCode: response.status } },
      );
    }
  }
  ctx.recorder.stepExchange(step.recordName, exchangeOf(built, response, failure, criteria));
  keepOutputs(step, st, resolve);
  if (detour) return settle(ctx, step, summary, failure);
  await afterExecution(ctx, wf, st, step, summary, resolve, failure, response);
}

/** A called workflow ended: finish the step that called it, or the goto or retry that ran it. */
async function finishCall(ctx: RunContext, wf: RunnableWorkflow, st: FrameState): Promise<void> {
  const call = st.call!;
  const outcome = await ctx.runCall(call.frame, call.then === "step");
  if (outcome.cancelled) throw cancelledError();
  st.call = undefined;
  if (call.then === "transfer") {
    st.end = outcome.success
      ? { success: true }
      : {
          success: false,
          error: outcome.error ?? {
            code: "step-failed",
            message: `Workflow "${call.frame.wf}" failed.`,
          },
        };
    return;
  }
  const step = wf.steps[call.step]!;
  if (call.then === "retry") {
    st.next = call.step;
    return;
  }
  const summary = st.steps[step.id]!;
  const scope: EvaluationScope = {
    doc: wf.doc.scope,
    inputs: st.inputs,
    steps: st.outputs,
    outputs: outcome.outputs,
  };
  if (outcome.response) {
    lastResponses.set(st, outcome.response);
    scope.response = outcome.response;
    summary.statusCode = outcome.response.status;
  }
  const resolve = resolverFor(scope);
  const callee = ctx.compiled.workflow(call.frame.wf);
  let failure: SluiceError | undefined;
  if (!outcome.success) {
    failure = calledWorkflowFailed(step.id, callee.label, outcome.error);
  } else {
    for (const criterion of step.successCriteria) {
      if (criterion.test(resolve)) continue;
      failure = new SluiceError(
        "criteria-failed",
        `Step "${step.id}": its success criterion ${JSON.stringify(criterion.source)} does not hold for the outputs of workflow "${callee.label}".`,
        { details: { criterion: criterion.source } },
      );
      break;
    }
  }
  keepOutputs(step, st, resolve);
  ctx.emitStep(wf, step, summary, failure);
  await afterExecution(ctx, wf, st, step, summary, resolve, failure, undefined);
}

/** A retry's stepId: that step runs once (its actions are not followed), then the failed step again. */
async function runDetour(
  ctx: RunContext,
  wf: RunnableWorkflow,
  st: FrameState,
  inputs: Obj,
): Promise<void> {
  const detour = st.detour!;
  st.detour = undefined;
  st.next = detour.then;
  await executeStep(ctx, wf, st, wf.steps[detour.run]!, inputs, true);
}

function keepOutputs(
  step: RunnableStep,
  st: FrameState,
  resolve: ReturnType<typeof resolverFor>,
): void {
  if (step.outputs.length === 0) return;
  const outputs: Obj = {};
  for (const [name, raw] of step.outputs) {
    const found = evaluateValue(raw, resolve);
    if (found.found) outputs[name] = found.value;
  }
  st.outputs[step.id] = outputs;
}

function settle(
  ctx: RunContext,
  step: RunnableStep,
  summary: StepSummary,
  failure: SluiceError | undefined,
): void {
  summary.status = failure ? "failed" : "succeeded";
  ctx.recorder.stepEnded(step.recordName, summary.status, failure ? stepError(failure) : undefined);
}

// ---- actions ------------------------------------------------------------------------------------------

async function afterExecution(
  ctx: RunContext,
  wf: RunnableWorkflow,
  st: FrameState,
  step: RunnableStep,
  summary: StepSummary,
  resolve: ReturnType<typeof resolverFor>,
  failure: SluiceError | undefined,
  response: HttpResponse | undefined,
): Promise<void> {
  settle(ctx, step, summary, failure);
  if (step.operation) ctx.emitStep(wf, step, summary, failure);
  const holds = (action: RunnableAction) => action.criteria.every((c) => c.test(resolve));
  if (!failure) {
    if (st.retries) delete st.retries[step.id];
    const action = step.onSuccess.find(holds);
    if (!action) return forward(st, step.index + 1);
    ctx.recorder.log(
      step.recordName,
      "info",
      `success action "${action.name}": ${describeAction(action)}`,
    );
    if (action.type === "end") {
      st.poll = undefined;
      st.end = { success: true };
    } else if (action.workflow !== undefined) {
      st.poll = undefined;
      st.call = { frame: newFrame(action.workflow, st.inputs), then: "transfer", step: step.index };
    } else {
      const target = wf.stepIndex.get(action.stepId!)!;
      if (target > step.index) return forward(st, target);
      st.loop = { kind: "success-goto", from: step.id, to: action.stepId! };
      loopWait(ctx, st, step, response);
      st.next = target;
    }
    return;
  }
  const counts = ((st.retries ??= {})[step.id] ??= {});
  for (const action of step.onFailure) {
    if (!holds(action)) continue;
    if (action.type === "retry") {
      const used = counts[action.name] ?? 0;
      if (used >= action.retryLimit) continue; // used up: the next matching failure action
      counts[action.name] = used + 1;
      const header = retryAfterMs(response?.headers.get("retry-after"));
      const delayMs = header ?? action.retryAfterMs ?? 0;
      ctx.recorder.log(
        step.recordName,
        "warn",
        `failure action "${action.name}": retry ${used + 1} of ${action.retryLimit} in ${Math.round(delayMs)} ms${header !== undefined ? " (the response's Retry-After)" : ""}: ${failure.message}`,
      );
      if (delayMs > 0) st.waitUntil = ctx.now() + delayMs;
      if (action.workflow !== undefined)
        st.call = { frame: newFrame(action.workflow, st.inputs), then: "retry", step: step.index };
      else if (action.stepId !== undefined)
        st.detour = { run: wf.stepIndex.get(action.stepId)!, then: step.index };
      st.next = step.index;
      return;
    }
    delete st.retries[step.id];
    ctx.recorder.log(
      step.recordName,
      "warn",
      `failure action "${action.name}": ${describeAction(action)}: ${failure.message}`,
    );
    if (action.type === "end") {
      st.end = { success: false, error: stepError(failure) };
    } else if (action.workflow !== undefined) {
      st.call = { frame: newFrame(action.workflow, st.inputs), then: "transfer", step: step.index };
    } else {
      const target = wf.stepIndex.get(action.stepId!)!;
      if (target > step.index) return forward(st, target);
      st.loop = { kind: "failure-goto", from: step.id, to: action.stepId! };
      loopWait(ctx, st, step, response);
      st.next = target;
    }
    return;
  }
  delete st.retries[step.id];
  st.end = { success: false, error: stepError(failure) };
}

function forward(st: FrameState, next: number): void {
  st.poll = undefined;
  st.next = next;
}

/** The first wait of a loop without x-sluice-poll; each next one doubles, up to POLL_MAX_WAIT_MS. */
export const POLL_FIRST_WAIT_MS = 1_000;
export const POLL_MAX_WAIT_MS = 30_000;

/**
 * A step jumping back (a poll loop) waits before the next iteration: x-sluice-poll's intervalMs, else
 * 1 s doubling to 30 s, or the response's Retry-After when it says more. The loop may go on for
 * x-sluice-poll's timeoutMs, else the run's poll timeout (--poll-timeout, 1 hour), from its first jump
 * back; the wait and that start are in the checkpoint, so a resumed run keeps the pace.
 */
function loopWait(
  ctx: RunContext,
  st: FrameState,
  step: RunnableStep,
  response: HttpResponse | undefined,
): void {
  const now = ctx.now();
  const loop = st.loop!;
  if (st.poll?.step !== step.id) st.poll = { step: step.id, since: now };
  const custom = step.poll;
  const header = custom ? undefined : retryAfterMs(response?.headers.get("retry-after"), now);
  const paced = custom
    ? custom.intervalMs
    : st.poll.waitMs === undefined
      ? POLL_FIRST_WAIT_MS
      : Math.min(st.poll.waitMs * 2, POLL_MAX_WAIT_MS);
  const waitMs = header !== undefined ? Math.max(header, paced) : paced;
  const timeoutMs = custom ? custom.timeoutMs : ctx.pollTimeoutMs;
  const elapsed = now - st.poll.since;
  if (elapsed + waitMs > timeoutMs) {
    const bound = custom
      ? `its x-sluice-poll timeoutMs of ${timeoutMs} ms`
      : `the poll timeout of ${timeoutMs} ms (--poll-timeout)`;
    throw new SluiceError(
      "loop-limit",
      `Step "${step.id}" polled for ${elapsed} ms; polling again after ${waitMs} ms would pass ${bound}: the ${loop.kind} from "${loop.from}" back to "${loop.to}" never ended. Raise the timeout, or check what the criteria of that action wait for.`,
      { details: { step: step.id, elapsedMs: elapsed, waitMs, timeoutMs } },
    );
  }
  // The backoff goes on from its own pace: a long Retry-After once does not double into later waits.
  st.poll.waitMs = paced;
  if (waitMs > 0) st.waitUntil = now + waitMs;
  ctx.recorder.log(
    step.recordName,
    "debug",
    `polling again in ${waitMs} ms (${elapsed} ms of ${timeoutMs} ms used)`,
  );
}

function describeAction(action: RunnableAction): string {
  if (action.type === "end") return "end the workflow";
  if (action.workflow !== undefined)
    return `${action.type} workflow ${action.workflow.slice(action.workflow.lastIndexOf("#") + 1)}`;
  if (action.stepId !== undefined) return `${action.type} step "${action.stepId}"`;
  return action.type;
}

function cancelledError(): SluiceError {
  return new SluiceError("cancelled", "The run was cancelled.");
}

/** The start of a response body for an error message: what the server said, on one line. */
function bodyStart(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  if (line === "") return "";
  return `: ${line.length > 200 ? `${line.slice(0, 200)}...` : line}`;
}
