/**
 * The runtime layer: what turns the engine into a tool. The pipeline facade (`pipeline()`, run,
 * preview, reset), the sluice home (its stores, opened from a folder), module loading, garbage
 * collection, frozen snapshots, lineage and the JSON views that the CLI's --json output and the HTTP
 * API share.
 */
export { collectGarbage, parseAge } from "./gc.js";
export type { GcOptions, GcResult } from "./gc.js";
export { openHome, openStack, resolveHomePath } from "./home.js";
export type { SluiceHome } from "./home.js";
export { lineageJson, lineageStart } from "./lineage.js";
export type { LineageLink, LineageStore } from "./lineage.js";
export { exportedPipelines, importModule, loadPipeline } from "./module-loader.js";
export { freeze, isPipeline, pipeline, Pipeline } from "./pipeline.js";
export type {
  PipelineOptions,
  PipelineOutputs,
  PipelineParams,
  PreviewOptions,
  ResetOptions,
  ResetResult,
  RunOptions,
  Typed,
} from "./pipeline-options.js";
export { Preview } from "./preview.js";
export { contextChanges, readContexts, resolveContext } from "./contexts.js";
export { compareWithVersion, listVersions, pickVersion, registerVersion } from "./versions.js";
export {
  findModelOrFail,
  parseModelRef,
  registeredModel,
  registerRunModels,
  withRunStores,
} from "./models.js";
export type { VersionComparison, VersionSummary } from "./versions.js";
export type { ContextEntry, ContextPreview, ResolvedContext } from "./contexts.js";
export type { PreviewStep } from "./preview.js";
export { homeStores, memoryStores } from "./stores.js";
export {
  canonicalText,
  compareSnapshots,
  readSnapshot,
  snapshotHash,
  snapshotOf,
  SNAPSHOT_FORMAT,
  versionLabel,
} from "./snapshot.js";
export type {
  ParamsSchema,
  Snapshot,
  SnapshotComparison,
  SnapshotJson,
  SnapshotStep,
  StepChange,
} from "./snapshot.js";
export {
  artifactOfPrefix,
  compareRuns,
  datasetJson,
  datasetRows,
  diffRuns,
  findDataset,
  firstFailureOf,
  lightStatusJson,
  lineageQuery,
  logJson,
  metricsOfRuns,
  MIN_HASH_PREFIX,
  runDetailJson,
  runJson,
  schemaJson,
  stepJson,
} from "./views.js";
export type { ComparedRun, RecordStores, RunMetrics } from "./views.js";
export { CONFIG_NAMES, workspaceRoot } from "./workspace-root.js";
export { resolveStack, stackName } from "./stack.js";
export type { StackTarget } from "./stack.js";
export { EXPORT_FORMAT, exportHistory, importHistory } from "./transfer.js";
export type { TransferCounts } from "./transfer.js";
