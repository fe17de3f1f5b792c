/**
 * Flows: pipelines registered under a name in a project (the workspace config lists their modules),
 * with versions and frozen snapshots.
 */
export { flowDefinition } from "./definition.js";
export type { FlowDefinition, FlowStep } from "./definition.js";
export {
  checkFlowVersion,
  findConfig,
  loadWorkspace,
  projectRunLimit,
  registerFlows,
} from "./workspace.js";
export type { Workspace, WorkspaceConfig, WorkspaceFlow } from "./workspace.js";
export { findFlow, queueTrigger, startQueued } from "./trigger.js";
export type { QueuedTrigger, StartOptions, TriggerRequest } from "./trigger.js";
export { checkChildFlows, childRunsEnded, flowName, runFlow } from "./run-flow.js";
export type { ChildRunOutput, FlowName, RunFlowOptions } from "./run-flow.js";
export { checkSchedules, CATCH_UP_POLICIES, OVERLAP_POLICIES } from "./schedules.js";
export type { Schedule, ScheduleConfig } from "./schedules.js";
export {
  checkHooks,
  notificationsDelivered,
  NOTIFY_WHEN,
  withNotifications,
} from "./notifications.js";
export type { NotificationHook, NotificationHookConfig, NotifyWhen } from "./notifications.js";
