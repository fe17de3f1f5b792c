/**
 * sluice: typed pipelines for data and ML work.
 * @example
 * import { step, pipeline } from "sluice";
 * const raw = step("raw", { run: () => [1, 2, 3] });
 * const total = step("total", { inputs: { raw }, run: ({ raw }) => raw.reduce((a, b) => a + b, 0) });
 * const result = await pipeline("demo", { steps: [total] }).run();
 */
export {
  step,
  map,
  isStep,
  optional,
  secret,
  SluiceError,
  ERROR_CODES,
  REASONS,
  RUN_STATUSES,
  STEP_STATUSES,
  PLAN_STATUSES,
  LOG_LEVELS,
} from "./core/index.js";
export type {
  AnyStep,
  ErrorCode,
  InputSpec,
  LogLevel,
  MapItemArgs,
  MapOptions,
  MapResult,
  OutputRef,
  ParamShape,
  ParamsOf,
  ParamValues,
  PipelineGraph,
  GraphNode,
  PlanStatus,
  Reason,
  RetryOptions,
  RunParams,
  RunStatus,
  SchemaShape,
  SerializedError,
  Serializer,
  Source,
  Step,
  StepArgs,
  StepContext,
  StepLogger,
  StepOptions,
  StepStatus,
  DatasetColumn,
  DeriveColumns,
} from "./core/index.js";
export { registeredModel } from "./runtime/index.js";
export type { VersionComparison, VersionSummary } from "./runtime/index.js";
export type { ModelRecord, ModelStage, ModelPromotion, ModelRegistry } from "./store/index.js";
export type { ModelOptions } from "./artifacts/index.js";
export {
  pipeline,
  isPipeline,
  memoryStores,
  homeStores,
  freeze,
  Pipeline,
  Preview,
} from "./runtime/index.js";
export { compareSnapshots as compare, readSnapshot, SNAPSHOT_FORMAT } from "./runtime/index.js";
export type {
  Snapshot,
  SnapshotComparison,
  SnapshotJson,
  SnapshotStep,
  StepChange,
} from "./runtime/index.js";
export { openHome, resolveHomePath } from "./runtime/index.js";
export { flowName, runFlow } from "./flows/index.js";
export type { ChildRunOutput, FlowName, RunFlowOptions } from "./flows/index.js";
export type { SluiceHome } from "./runtime/index.js";
export type { UseOptions } from "./core/index.js";
export type {
  PipelineOptions,
  PipelineOutputs,
  PipelineParams,
  PreviewOptions,
  PreviewStep,
  ResetOptions,
  ResetResult,
  RunOptions,
  Typed,
} from "./runtime/index.js";
export { RunResult, formatSummary } from "./engine/index.js";
export type {
  ExecutionSummary,
  FirstFailure,
  SluiceEvent,
  SluiceEventListener,
  SluiceEventMap,
  SluiceEventName,
  StepResult,
  Stores,
} from "./engine/index.js";
export { MemoryStore, SqliteStore, keepsCheckpoints, openSqliteRoles } from "./store/index.js";
export type {
  ArtifactRows,
  OutputIndex,
  ServerTables,
  StoreMaintenance,
  StoreRoles,
} from "./store/index.js";
export type {
  Completion,
  CompletionStore,
  DatasetCatalog,
  DatasetRecord,
  LogRecord,
  RunFilter,
  RunCheckpoints,
  RunRecord,
  RunStore,
  StepRunRecord,
} from "./store/index.js";
export {
  FileArtifactStore,
  MemoryArtifactStore,
  dataset,
  model,
  metrics,
  describeDataset,
  isParquetDataset,
  parquetDataset,
  parquetRecords,
} from "./artifacts/index.js";
export type {
  ArtifactIndex,
  ArtifactKind,
  ArtifactRef,
  ArtifactStore,
  DatasetInfo,
  EncodedValue,
  OutputTag,
  ParquetDataset,
} from "./artifacts/index.js";
export type { Executor, StepCall, StepLocation } from "./executors/index.js";
export { AttemptControl, InProcessExecutor, ThreadExecutor } from "./executors/index.js";
export { parallelMap } from "./executors/index.js";
