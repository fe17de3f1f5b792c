/** Engine: runs a plan (ready queue, concurrency, retries, timeouts, cancel, when, fallbacks) and records it. */
export { executeRun } from "./engine.js";
export { executeStepJob } from "./step-job.js";
export { executeUnitJob } from "./unit-job.js";
export type { UnitJob } from "./unit-job.js";
export type {
  ChildUnitInput,
  ClaimedUnit,
  FanOut,
  MapUnitInput,
  UnitInput,
  UnitResult,
} from "./fan-out.js";
export { DEFAULT_QUEUE, dispatchPlan } from "./dispatch-plan.js";
export type { DispatchedStep, DispatchPlan, PlannedStepData } from "./dispatch-plan.js";
export type { StepJob, StepJobOutcome, UpstreamRecord } from "./step-job.js";
export { afterFailedAttempt, blockedBy, mapSucceeds, runOutcome } from "./transitions.js";
export type { AfterFailure, UpstreamOutcome } from "./transitions.js";
export { DURABILITY_MODES } from "./execute-options.js";
export type {
  DispatchedFlow,
  DispatchedRun,
  Durability,
  ExecuteOptions,
  RunDispatcher,
  Stores,
} from "./execute-options.js";
export { followRun, stopFollowing } from "./follow-run.js";
export type { FollowOptions } from "./follow-run.js";
export type {
  SluiceEvent,
  SluiceEventListener,
  SluiceEventMap,
  SluiceEventName,
} from "./events.js";
export { RunResult } from "./result.js";
export type { ExecutionSummary, FirstFailure, OutputRefJson, StepResult } from "./result.js";
export { retryDelay, sleep } from "./retry.js";
export { formatDuration, formatSummary } from "./summary-text.js";
export { newRunId } from "./run-id.js";
export { recoverCrashedRuns } from "./recovery.js";
export { RunRecording } from "./run-recording.js";
export type { RunOpening } from "./run-recording.js";
export {
  adoptRun,
  HEARTBEAT_MS,
  LEASE_MS,
  isOrphaned,
  newClaim,
  ownerAlive,
  ownerFields,
  ownerName,
  shownRun,
  takeRun,
} from "./owner.js";
export { checkResumable } from "./resume-check.js";
export { holdLimits, limitStoreOr, LIMIT_POLL_MS } from "./limits.js";
export type { LimitSlot, WaitOptions } from "./limits.js";
export { Context } from "./step-context.js";
export type { ChildRunsTarget, RunServices } from "./step-context.js";
