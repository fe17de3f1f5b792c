/**
 * What a running workflow frame needs from the run around it (session.ts implements it): the
 * compiled documents, recording, the step budget, cancellation, calls of other workflows.
 */
import type { CompiledRun, RunnableStep, RunnableWorkflow } from "./compile.js";
import type { FrameState, StepSummary, WorkflowOutcome } from "./interpreter.js";
import type { HttpResponse } from "./http.js";
import type { Recorder } from "./recorder.js";
import type { BuiltRequest } from "./request.js";
import type { Masker } from "./secrets.js";

export interface RunContext {
  readonly compiled: CompiledRun;
  readonly recorder: Recorder;
  readonly masker: Masker;
  /** Aborted when the run is cancelled. */
  readonly signal: AbortSignal;
  /** Per HTTP attempt. */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  /** Spends one unit of the step budget for an execution of `step`; throws loop-limit when none is left. */
  spend(wf: RunnableWorkflow, st: FrameState, step: RunnableStep): void;
  /** Stores the checkpoint (and everything queued): durable when it resolves. */
  commit(): Promise<void>;
  /** Waits, or rejects with `cancelled` when the run is cancelled. */
  sleep(ms: number): Promise<void>;
  /** The run's clock (ms since the epoch): what waits and poll deadlines are measured with. */
  now(): number;
  /** How long a loop without x-sluice-poll may go on polling, from its first jump back (ms). */
  readonly pollTimeoutMs: number;
  /** Runs a called workflow's frame (after its dependsOn); `checkInputs` for a workflowId step's call. */
  runCall(frame: FrameState, checkInputs: boolean): Promise<WorkflowOutcome>;
  workflowEnded(wf: RunnableWorkflow, st: FrameState, outcome: WorkflowOutcome): void;
  logCall(
    step: RunnableStep,
    request: BuiltRequest,
    response: HttpResponse | undefined,
    failure: Error | undefined,
  ): void;
  logFailure(step: RunnableStep, error: Error): void;
  emitStep(
    wf: RunnableWorkflow,
    step: RunnableStep,
    summary: StepSummary,
    failure: Error | undefined,
  ): void;
}
