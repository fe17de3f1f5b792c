/** Flows: pipelines registered under a name in a project, with versions and frozen snapshots. */
export { flowDefinition } from "./definition.js";
export type { FlowDefinition, FlowStep } from "./definition.js";
export { canonicalText, compareSnapshots, readSnapshot, snapshotHash, snapshotOf, SNAPSHOT_FORMAT } from "./snapshot.js";
export type { ParamsSchema, Snapshot, SnapshotComparison, SnapshotJson, SnapshotStep, StepChange } from "./snapshot.js";
