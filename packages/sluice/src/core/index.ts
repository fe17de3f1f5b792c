/**
 * Core: steps, pipelines' graphs, parameters and hashing. Pure: no I/O, no other sluice folder.
 * @example
 * const raw = step("raw", { params: { rows: z.number().default(100) }, run: ({ params }) => make(params.rows) });
 * const graph = buildGraph("example", [raw]);
 */
export { ERROR_CODES, SluiceError, capText, serializeError } from "./errors.js";
export type { ErrorCode, SerializedError, SluiceErrorOptions } from "./errors.js";
export { canonicalJson, hashParts, sha256 } from "./hash.js";
export { REASONS, RUN_STATUSES, STEP_STATUSES, PLAN_STATUSES, LOG_LEVELS } from "./vocabulary.js";
export type { LogLevel, PlanStatus, Reason, RunStatus, StepStatus } from "./vocabulary.js";
export { isStep, optional, step, stepOf } from "./step.js";
export { checkConcurrencyLimit } from "./concurrency-limit.js";
export type { ConcurrencyLimit } from "./concurrency-limit.js";
export { map } from "./map.js";
export type { MapItemArgs, MapOptions, MapResult } from "./map.js";
export type {
  AnyStep,
  InputBinding,
  MapSpec,
  InputSpec,
  NormalizedRetry,
  OutputRef,
  ParamShape,
  ParamsOf,
  ParamValues,
  RetryOptions,
  SchemaShape,
  Serializer,
  Source,
  Step,
  StepArgs,
  StepContext,
  StepDefinition,
  StepLogger,
  StepOptions,
  RunParams,
  StepRunParams,
} from "./step.js";
export type { DatasetColumn, DeriveColumns } from "./dataset-columns.js";
export {
  buildGraph,
  closest,
  downstreamClosure,
  skipConditions,
  unknownStep,
  upstreamClosure,
} from "./graph.js";
export type { GraphNode, PipelineGraph, ResolvedInput } from "./graph.js";
export { declaredParams, effectiveParams, resolveParams } from "./params.js";
export { identityOf } from "./identity.js";
export { isSecret, MASK, maskParams, maskText, secret } from "./secret.js";
export { declaringFolder, recordCompiledModule } from "./declaring-module.js";
export { OWN_PACKAGE } from "./own-package.js";
export { forbiddenKeyPath, isForbiddenKey } from "./json-keys.js";
export { isPromise } from "./maybe-promise.js";
export { jsonSchemaOf } from "./schema-compat.js";
export type { MaybePromise } from "./maybe-promise.js";
export { embed } from "./sub-pipeline.js";
export type { UseOptions } from "./sub-pipeline.js";
