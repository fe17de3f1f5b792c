/**
 * What an Arazzo run tells while it runs and when it ends: each workflow's result (step outputs with
 * secrets masked), the events for `onEvent`, the log lines of each call, and the run's result.
 */
import type { RunStatus, SerializedError } from "sluice/internal";
import type { RunnableStep, RunnableWorkflow } from "./compile.js";
import type { HttpResponse } from "./http.js";
import type { FrameState, StepSummary, WorkflowOutcome } from "./interpreter.js";
import { stepError, type Recorder } from "./recorder.js";
import type { BuiltRequest } from "./request.js";
import type {
  ArazzoEvent,
  ArazzoRunResult,
  ArazzoStepResult,
  ArazzoWorkflowResult,
  CommonOptions,
} from "./run-types.js";
import type { Masker } from "./secrets.js";

type Obj = Record<string, unknown>;

export class RunReport {
  /** Each workflow's result as it ended, by label. */
  readonly results = new Map<string, ArazzoWorkflowResult>();

  constructor(
    private readonly options: CommonOptions,
    private readonly recorder: Recorder,
    private readonly masker: Masker,
    private readonly runId: string,
  ) {}

  /** A workflow that did not run because a dependsOn workflow did not succeed: every step skipped. */
  skipped(wf: RunnableWorkflow, blocked: WorkflowOutcome): void {
    const steps = Object.fromEntries(
      wf.steps.map((s) => [s.id, { status: "skipped" as const, attempts: 0 }]),
    );
    this.results.set(wf.label, {
      success: false,
      outputs: {},
      steps,
      ...(blocked.error ? { error: blocked.error } : {}),
    });
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

  maskError(error: SerializedError): SerializedError {
    const out: SerializedError = { ...error, message: this.masker.text(error.message) };
    if (error.details !== undefined) out.details = this.masker.value(error.details);
    return out;
  }

  /** The run's result: the main workflow's, with every workflow's when more than one ran. */
  runResult(
    mainLabel: string,
    status: RunStatus,
    durationMs: number,
    error: SerializedError | undefined,
  ): ArazzoRunResult {
    const mainResult = this.results.get(mainLabel) ?? { success: false, outputs: {}, steps: {} };
    const result: ArazzoRunResult = {
      runId: this.runId,
      workflowId: mainLabel,
      success: status === "succeeded",
      status,
      durationMs,
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
