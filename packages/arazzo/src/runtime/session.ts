/**
 * One Arazzo run in progress, the RunContext its workflow frames run in: each root workflow after
 * its dependsOn (once each, at the same time when no dependsOn path joins them), the step budget,
 * checkpoint commits with no secret in them, the clock and cancellation, and the run's end.
 */
import {
  SluiceError,
  type RunStatus,
  type SerializedError,
  sleep as waitOrAbort,
} from "sluice/internal";
import type { CompiledRun, RunnableStep, RunnableWorkflow } from "./compile.js";
import type { HttpResponse } from "./http.js";
import { validateInputs } from "./inputs.js";
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
import { RunReport } from "./run-report.js";
import type { ArazzoClock, ArazzoRunResult, CommonOptions } from "./run-types.js";
import type { Masker } from "./secrets.js";
import { sealCheckpoint } from "./checkpoint-secrets.js";
import type { Checkpoint, RootState } from "./checkpoint.js";

type Obj = Record<string, unknown>;

const SYSTEM_CLOCK: ArazzoClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => waitOrAbort(ms, signal),
};
const DEFAULT_POLL_TIMEOUT_MS = 60 * 60 * 1000;

export class Session implements RunContext {
  readonly recorder: Recorder;
  readonly signal: AbortSignal;
  readonly timeoutMs?: number;
  readonly pollTimeoutMs: number;
  readonly fetch?: typeof fetch;
  private readonly clock: ArazzoClock;
  private readonly control = new AbortController();
  private readonly rootRuns = new Map<string, Promise<WorkflowOutcome>>();
  private readonly report: RunReport;
  private readonly secretValues: Map<string, string>;
  private readonly startedAt = Date.now();

  constructor(
    private readonly options: CommonOptions,
    readonly compiled: CompiledRun,
    private readonly checkpoint: Checkpoint,
    readonly masker: Masker,
    runId: string,
    private readonly keys: string[],
  ) {
    this.recorder = new Recorder(options.runs, runId, masker);
    this.report = new RunReport(options, this.recorder, masker, runId);
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
      this.report.skipped(wf, blocked);
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
    this.report.workflowEnded(wf, st, outcome);
  }

  logCall(
    step: RunnableStep,
    request: BuiltRequest,
    response: HttpResponse | undefined,
    failure: Error | undefined,
  ): void {
    this.report.logCall(step, request, response, failure);
  }

  logFailure(step: RunnableStep, error: Error): void {
    this.report.logFailure(step, error);
  }

  emitStep(
    wf: RunnableWorkflow,
    step: RunnableStep,
    summary: StepSummary,
    failure: Error | undefined,
  ): void {
    this.report.emitStep(wf, step, summary, failure);
  }

  private async finish(failure: unknown): Promise<ArazzoRunResult> {
    const roots = Object.values(this.checkpoint.roots);
    const cancelled = this.signal.aborted || roots.some((r) => r.status === "cancelled");
    const failed = failure !== undefined || roots.some((r) => r.status !== "succeeded");
    const status: RunStatus =
      failure !== undefined ? "failed" : cancelled ? "cancelled" : failed ? "failed" : "succeeded";
    this.recorder.settleUnfinished(status !== "succeeded", status === "cancelled");
    let error: SerializedError | undefined;
    if (failure !== undefined) error = this.report.maskError(stepError(failure));
    else if (status === "cancelled")
      error = { code: "cancelled", message: "The run was cancelled." };
    else if (failed) {
      const rootResults = Object.keys(this.checkpoint.roots).map((key) =>
        this.report.results.get(this.compiled.workflow(key).label),
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
    return this.report.runResult(main.label, status, finishedAt - this.startedAt, error);
  }
}
