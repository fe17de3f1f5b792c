// Compile-time tests, checked by `tsc -p test/types` in `npm run lint`: the typed client's
// hand-written wire types (packages/client/src/wire.ts, no zod) must equal the server's zod schemas
// (packages/server/src/wire.ts), one type per schema. Nothing here runs. When a schema changes, change its
// client type to match.
import type { z } from "zod";
import type * as client from "../../packages/client/src/wire.js";
import type * as schemas from "../../packages/server/src/wire.js";

/** Exact type equality (tells `any` and `unknown`, optional and required, apart). */
type Equal<A, B> =
  (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
/** What the schema of this name accepts, as the server's code sees it. */
type Inferred<K extends SchemaName> = z.infer<(typeof schemas)[K]>;

/** The names of the zod schemas that the server's wire.ts exports. */
type SchemaName = {
  [K in keyof typeof schemas]: (typeof schemas)[K] extends z.ZodType ? K : never;
}[keyof typeof schemas];

/** Each schema's check: its inferred type against the client type of the same name. */
type Checks = {
  ErrorBody: Equal<Inferred<"ErrorBody">, client.ErrorBody>;
  SerializedErrorBody: Equal<Inferred<"SerializedErrorBody">, client.SerializedErrorBody>;
  Project: Equal<Inferred<"Project">, client.Project>;
  ProjectList: Equal<Inferred<"ProjectList">, client.ProjectList>;
  FlowStep: Equal<Inferred<"FlowStep">, client.FlowStep>;
  FlowSummary: Equal<Inferred<"FlowSummary">, client.FlowSummary>;
  FlowList: Equal<Inferred<"FlowList">, client.FlowList>;
  FlowDetail: Equal<Inferred<"FlowDetail">, client.FlowDetail>;
  RunSummary: Equal<Inferred<"RunSummary">, client.RunSummary>;
  RunTrigger: Equal<Inferred<"RunTrigger">, client.RunTrigger>;
  ScheduleView: Equal<Inferred<"ScheduleView">, client.ScheduleView>;
  ScheduleList: Equal<Inferred<"ScheduleList">, client.ScheduleList>;
  WorkerView: Equal<Inferred<"WorkerView">, client.WorkerView>;
  WorkerList: Equal<Inferred<"WorkerList">, client.WorkerList>;
  TickResult: Equal<Inferred<"TickResult">, client.TickResult>;
  ChildRun: Equal<Inferred<"ChildRun">, client.ChildRun>;
  RunList: Equal<Inferred<"RunList">, client.RunList>;
  OutputRef: Equal<Inferred<"OutputRef">, client.OutputRef>;
  StepRun: Equal<Inferred<"StepRun">, client.StepRun>;
  RunDetail: Equal<Inferred<"RunDetail">, client.RunDetail>;
  LightStatus: Equal<Inferred<"LightStatus">, client.LightStatus>;
  TriggerRequest: Equal<Inferred<"TriggerRequest">, client.TriggerRequest>;
  TriggerResponse: Equal<Inferred<"TriggerResponse">, client.TriggerResponse>;
  LogLine: Equal<Inferred<"LogLine">, client.LogLine>;
  LogList: Equal<Inferred<"LogList">, client.LogList>;
  Dataset: Equal<Inferred<"Dataset">, client.Dataset>;
  DatasetList: Equal<Inferred<"DatasetList">, client.DatasetList>;
  DatasetSchema: Equal<Inferred<"DatasetSchema">, client.DatasetSchema>;
  DatasetRows: Equal<Inferred<"DatasetRows">, client.DatasetRows>;
  ArtifactMeta: Equal<Inferred<"ArtifactMeta">, client.ArtifactMeta>;
  ArtifactList: Equal<Inferred<"ArtifactList">, client.ArtifactList>;
  Lineage: Equal<Inferred<"Lineage">, client.Lineage>;
  RunMetrics: Equal<Inferred<"RunMetrics">, client.RunMetrics>;
  Health: Equal<Inferred<"Health">, client.Health>;
  Whoami: Equal<Inferred<"Whoami">, client.Whoami>;
  PreviewRequest: Equal<Inferred<"PreviewRequest">, client.PreviewRequest>;
  PreviewStep: Equal<Inferred<"PreviewStep">, client.PreviewStep>;
  FlowPreview: Equal<Inferred<"FlowPreview">, client.FlowPreview>;
  ResetRequest: Equal<Inferred<"ResetRequest">, client.ResetRequest>;
  ResetResult: Equal<Inferred<"ResetResult">, client.ResetResult>;
  RunComparison: Equal<Inferred<"RunComparison">, client.RunComparison>;
  Model: Equal<Inferred<"Model">, client.Model>;
  ModelList: Equal<Inferred<"ModelList">, client.ModelList>;
  PromoteRequest: Equal<Inferred<"PromoteRequest">, client.PromoteRequest>;
};

// Each check below is an empty object that must have a key per schema concerned: it compiles only
// when there is none, and its error names them ("Property 'StepRun' is missing in type '{}' ...").

/** Schemas whose client type differs: fix packages/client/src/wire.ts. */
type Mismatched = { [K in keyof Checks]: Checks[K] extends true ? never : K }[keyof Checks];
export const mismatched: Record<Mismatched, "differs from its schema"> = {};

/** Schemas added to the server's wire.ts unchecked: add a type to packages/client/src/wire.ts, a line to Checks. */
type Unchecked = Exclude<SchemaName, keyof Checks>;
export const unchecked: Record<Unchecked, "has no client type"> = {};

/** Lines of Checks that name no schema (one was removed or renamed). */
type Stale = Exclude<keyof Checks, SchemaName>;
export const stale: Record<Stale, "is no schema"> = {};
