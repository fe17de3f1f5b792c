/**
 * The typed client of sluice's HTTP API.
 * @example
 * import { SluiceClient } from "@sluice/client";
 * const client = new SluiceClient({ baseUrl: "http://127.0.0.1:8080", apiKey: process.env.SLUICE_API_KEY });
 * const job = await client.project("demo").flow("training").run({ params: { lr: 0.1 }, wait: true, noFail: true });
 * console.log(job.status, job.firstFailure);
 */
export {
  FlowClient,
  ProjectClient,
  SluiceApiError,
  SluiceClient,
  SluiceRunFailedError,
} from "./client.js";
export type { ClientOptions, RunFilter, TriggerOptions, WaitOptions } from "./client.js";
import type * as wire from "./wire.js";
export type * as wire from "./wire.js";
export type ArtifactMeta = wire.ArtifactMeta;
export type Dataset = wire.Dataset;
export type DatasetRows = wire.DatasetRows;
export type DatasetSchema = wire.DatasetSchema;
export type FlowDetail = wire.FlowDetail;
export type FlowSummary = wire.FlowSummary;
export type LightStatus = wire.LightStatus;
export type Lineage = wire.Lineage;
export type LogLine = wire.LogLine;
export type ProjectInfo = wire.Project;
export type RunDetail = wire.RunDetail;
export type RunSummary = wire.RunSummary;
export type RunTrigger = wire.RunTrigger;
export type ScheduleView = wire.ScheduleView;
export type ScheduleList = wire.ScheduleList;
export type TickResult = wire.TickResult;
export type ChildRun = wire.ChildRun;
export type StepRun = wire.StepRun;
export type TriggerResponse = wire.TriggerResponse;
export type Whoami = wire.Whoami;
export type FlowPreview = wire.FlowPreview;
export type PreviewStep = wire.PreviewStep;
export type ResetResult = wire.ResetResult;
export type RunComparison = wire.RunComparison;
export type ServerEvent = wire.ServerEvent;
