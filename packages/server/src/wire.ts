/**
 * The HTTP API's JSON shapes, as zod schemas: the server validates requests and generates its OpenAPI
 * document from them. The typed client has the same shapes as plain types (@sluice/client, src/wire.ts), which
 * test/types/wire-matches-zod.ts checks against these: change both together.
 * The shapes are those of sluice's runtime/views.ts, which the CLI's --json output uses too.
 */
import { z } from "zod";
import { LOG_LEVELS, PLAN_STATUSES, REASONS, RUN_STATUSES, STEP_STATUSES } from "sluice/internal";

const timestamp = z.string().describe("ISO 8601 time (UTC)");

export const ErrorBody = z
  .object({
    error: z.object({
      code: z
        .string()
        .describe("one of sluice's error codes, e.g. invalid-request, unauthorized, not-found"),
      message: z.string(),
      step: z.string().optional(),
      runId: z.string().optional(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: "Error", description: "Every error response has this shape." });

export const SerializedErrorBody = z
  .object({
    code: z.string(),
    message: z.string(),
    step: z.string().optional(),
    runId: z.string().optional(),
    stack: z
      .string()
      .optional()
      .describe("only in the CLI's local output: the server never sends stacks"),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: "RunError" });

export const Project = z
  .object({ key: z.string(), flows: z.number().int() })
  .meta({ id: "Project" });
export const ProjectList = z.object({ projects: z.array(Project) }).meta({ id: "ProjectList" });

export const FlowStep = z
  .object({
    name: z.string(),
    deps: z.array(z.string()),
    params: z.array(z.string()),
    fingerprint: z.string(),
    description: z.string().optional(),
    kind: z
      .enum(["step", "map", "dynamic", "flow"])
      .describe("map: runs over items; dynamic: expands at run time; flow: starts a run of a flow"),
    after: z
      .array(z.string())
      .optional()
      .describe("The deps that only order this step (`after`), no data passes"),
    group: z
      .string()
      .optional()
      .describe('The sub-pipeline (`use()`) the step comes from, outermost first ("outer.inner")'),
  })
  .meta({ id: "FlowStep" });

export const FlowSummary = z
  .object({
    project: z.string(),
    name: z.string(),
    version: z.string(),
    hash: z.string(),
    description: z.string().optional(),
    steps: z.number().int(),
  })
  .meta({ id: "FlowSummary" });
export const FlowList = z.object({ flows: z.array(FlowSummary) }).meta({ id: "FlowList" });

export const FlowDetail = z
  .object({
    project: z.string(),
    name: z.string(),
    version: z.string(),
    hash: z.string(),
    description: z.string().optional(),
    graph: z.object({ steps: z.array(FlowStep) }),
    paramsSchema: z
      .record(z.string(), z.unknown())
      .describe("JSON Schema of the params a run takes"),
    versions: z
      .array(z.object({ version: z.string(), hash: z.string(), registeredAt: timestamp }))
      .describe("registered versions, newest first"),
  })
  .meta({ id: "Flow" });

export const ScheduleView = z
  .object({
    id: z.string(),
    flow: z.string(),
    cron: z.string().nullable().describe("a cron pattern read in timezone; null for an interval"),
    everyMs: z.number().nullable().describe("an interval schedule's period; null for cron"),
    on: z
      .object({ flow: z.string(), status: z.array(z.enum(["succeeded", "failed", "cancelled"])) })
      .nullable()
      .describe(
        "an event trigger: the upstream flow and the ends of its runs that start this flow",
      ),
    timezone: z.string(),
    overlap: z.enum(["skip", "queue", "cancel-previous", "allow"]),
    catchUp: z.enum(["none", "latest", "all"]),
    enabled: z.boolean(),
    paused: z.boolean(),
    nextTickAt: timestamp.nullable(),
    lastTick: z
      .object({
        tickAt: timestamp,
        outcome: z.enum(["started", "skipped"]).nullable(),
        runId: z.string().nullable(),
      })
      .nullable(),
  })
  .meta({ id: "ScheduleView" });

export const ScheduleList = z
  .object({ schedules: z.array(ScheduleView) })
  .meta({ id: "ScheduleList" });

export const WorkerView = z
  .object({
    workerId: z.string(),
    host: z.string(),
    pid: z.number(),
    queues: z.array(z.string()).describe("the queues it serves"),
    concurrency: z.number().describe("how many steps it runs at once"),
    flows: z
      .array(z.object({ name: z.string(), version: z.string(), hash: z.string() }))
      .describe("the flows it has: it runs steps of these versions only"),
    startedAt: timestamp,
    heartbeatAt: timestamp,
    stopping: z.boolean().describe("draining: it takes no new steps"),
    running: z.array(z.string()).describe("the steps it runs now, as run/step"),
  })
  .meta({ id: "WorkerView" });

export const WorkerList = z.object({ workers: z.array(WorkerView) }).meta({ id: "WorkerList" });

export const TickResult = z
  .object({
    scheduleId: z.string(),
    tickAt: timestamp,
    outcome: z.enum(["started", "skipped", "queued", "taken"]),
    runId: z.string().optional(),
  })
  .meta({ id: "TickResult" });

export const RunTrigger = z
  .object({
    kind: z.enum(["manual", "api", "schedule", "parent", "event"]),
    parentRunId: z.string().optional(),
    parentStep: z.string().optional(),
    scheduleId: z.string().optional(),
    tickAt: z.number().optional().describe("the tick a schedule fired for (ms since the epoch)"),
    upstreamRunId: z
      .string()
      .optional()
      .describe("kind event: the upstream run whose end started this one"),
  })
  .meta({ id: "RunTrigger" });

export const ChildRun = z
  .object({
    runId: z.string(),
    pipeline: z.string(),
    status: z.enum(RUN_STATUSES),
    parentStep: z.string().optional(),
  })
  .meta({ id: "ChildRun" });

export const RunSummary = z
  .object({
    runId: z.string(),
    project: z.string(),
    pipeline: z.string(),
    status: z.enum(RUN_STATUSES),
    running: z.boolean(),
    reason: z.string().optional(),
    params: z.record(z.string(), z.unknown()),
    effectiveParams: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("the params as the steps saw them, defaults included (secrets masked)"),
    targets: z.array(z.string()).optional(),
    flow: z.object({ version: z.string(), hash: z.string() }).optional(),
    context: z.string().optional().describe("the context (dev, prod...) whose params the run took"),
    kind: z
      .literal("arazzo")
      .optional()
      .describe(
        "an Arazzo workflow's run (`sluice arazzo run`): its steps are HTTP calls; absent for a flow's run",
      ),
    trigger: RunTrigger.optional(),
    parentRunId: z.string().optional().describe("the run whose runFlow step started this one"),
    waitingOn: z
      .string()
      .optional()
      .describe('what a queued run waits for, e.g. limit runs of flow "train" 1/1'),
    startedAt: timestamp,
    finishedAt: timestamp.nullable(),
    durationMs: z.number().nullable(),
    error: SerializedErrorBody.optional(),
  })
  .meta({ id: "RunSummary" });
export const RunList = z.object({ runs: z.array(RunSummary) }).meta({ id: "RunList" });

export const OutputRef = z
  .object({
    hash: z.string(),
    kind: z.enum(["json", "blob", "records", "table", "parquet"]),
    size: z.number().int(),
  })
  .meta({ id: "OutputRef" });

export const StepRun = z
  .object({
    name: z.string(),
    identity: z.string(),
    status: z.enum(STEP_STATUSES),
    reason: z.enum(REASONS),
    cached: z.boolean(),
    attempts: z.number().int(),
    fallback: z.boolean().optional(),
    cacheKey: z.string().optional(),
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
    durationMs: z.number().optional(),
    output: OutputRef.optional(),
    error: SerializedErrorBody.optional(),
    waitingOn: z.string().optional().describe("what a waiting step waits for, e.g. limit gpu 2/2"),
    http: z
      .object({
        request: z.object({
          method: z.string(),
          url: z.string(),
          headers: z.record(z.string(), z.string()),
          body: z.string().optional(),
        }),
        response: z
          .object({
            status: z.number().int(),
            headers: z.record(z.string(), z.string()),
            body: z.string().optional(),
          })
          .optional(),
        criteria: z.array(z.object({ condition: z.string(), type: z.string(), held: z.boolean() })),
        error: z.string().optional(),
      })
      .optional()
      .describe(
        "An Arazzo step's last HTTP exchange: secrets masked, bodies capped at 64 KiB, each success criterion's result.",
      ),
  })
  .meta({ id: "StepRun" });

export const RunDetail = RunSummary.extend({
  firstFailure: z.object({ step: z.string().optional(), error: SerializedErrorBody }).optional(),
  steps: z.array(StepRun),
  children: z
    .array(ChildRun)
    .optional()
    .describe("the runs its runFlow steps started, oldest first"),
}).meta({ id: "Run" });

export const LightStatus = z
  .object({
    runId: z.string(),
    status: z.enum(RUN_STATUSES),
    running: z.boolean(),
    finishedAt: timestamp.nullable(),
    outcome: z.enum(RUN_STATUSES).nullable(),
  })
  .meta({ id: "LightStatus", description: "What a poller needs: cheap to ask for often." });

export const TriggerRequest = z
  .object({
    params: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("the run's parameters, validated by the flow's schemas"),
    version: z
      .string()
      .optional()
      .describe("run only if this is the loaded version (label or hash)"),
    targets: z.array(z.string()).optional(),
    force: z.array(z.string()).optional(),
    forceAll: z.boolean().optional(),
    context: z
      .string()
      .min(1)
      .optional()
      .describe("a context of the workspace (dev, prod...) whose params the run takes; params win"),
    parent: z
      .object({ runId: z.string().min(1), step: z.string().min(1) })
      .strict()
      .optional()
      .describe(
        "the run (and its runFlow step) that starts this one, perhaps in another store: recorded as trigger kind parent",
      ),
  })
  .strict()
  .meta({ id: "TriggerRequest" });

export const TriggerResponse = RunSummary.extend({
  created: z.boolean().describe("false when the Idempotency-Key named an earlier run"),
}).meta({ id: "TriggerResponse" });

export const LogLine = z
  .object({
    runId: z.string(),
    step: z.string().optional(),
    time: timestamp,
    level: z.enum(LOG_LEVELS),
    message: z.string(),
    data: z.unknown().optional(),
  })
  .meta({ id: "LogLine" });
export const LogList = z
  .object({ runId: z.string(), logs: z.array(LogLine) })
  .meta({ id: "LogList" });

const Column = z.object({ name: z.string(), type: z.string() });

export const Dataset = z
  .object({
    dataset: z.string().describe("pipeline/step"),
    hash: z.string(),
    pipeline: z.string(),
    step: z.string(),
    runId: z.string(),
    tag: z.enum(["dataset", "model", "metrics"]),
    kind: z.enum(["json", "blob", "records", "table", "parquet"]),
    size: z.number().int(),
    rows: z.number().int().optional(),
    columns: z.array(Column).optional(),
    createdAt: timestamp,
  })
  .meta({ id: "Dataset" });
export const DatasetList = z.object({ datasets: z.array(Dataset) }).meta({ id: "DatasetList" });

export const DatasetSchema = z
  .object({
    dataset: z.string(),
    artifact: z.string(),
    tag: z.string(),
    kind: z.string(),
    rows: z.number().int().nullable(),
    columns: z.array(Column),
  })
  .meta({ id: "DatasetSchema" });
export const DatasetRows = z
  .object({
    dataset: z.string(),
    rows: z.array(z.record(z.string(), z.unknown())),
    total: z.number().int(),
  })
  .meta({ id: "DatasetRows" });

export const ArtifactMeta = z
  .object({
    hash: z.string(),
    kind: z.enum(["json", "blob", "records", "table", "parquet"]),
    size: z.number().int(),
    madeBy: z.array(z.object({ pipeline: z.string(), step: z.string(), runId: z.string() })),
  })
  .meta({ id: "Artifact" });
export const ArtifactList = z
  .object({
    runId: z.string(),
    artifacts: z.array(
      z.object({ step: z.string(), hash: z.string(), kind: z.string(), size: z.number().int() }),
    ),
  })
  .meta({ id: "ArtifactList" });

const LineageLink = z.object({
  depth: z.number().int(),
  pipeline: z.string(),
  step: z.string(),
  artifact: z.string(),
  runId: z.string(),
  via: z
    .object({ pipeline: z.string(), step: z.string(), runId: z.string() })
    .describe("the instance one link nearer the start this one was reached from"),
});
export const Lineage = z
  .object({
    artifact: z.string(),
    madeBy: z.array(
      z.object({
        pipeline: z.string(),
        step: z.string(),
        runId: z.string(),
        inputs: z.record(z.string(), z.string()),
      }),
    ),
    upstream: z.array(LineageLink),
    downstream: z.array(LineageLink),
  })
  .meta({ id: "Lineage" });

export const RunMetrics = z
  .object({
    runId: z.string(),
    metrics: z
      .record(z.string(), z.record(z.string(), z.number()))
      .describe("by step, then metric name; a cached step shows the run that computed it"),
  })
  .meta({ id: "RunMetrics" });

export const Health = z.object({ ok: z.boolean(), version: z.string() }).meta({ id: "Health" });

export const Whoami = z
  .object({
    project: z.string().describe("the project this key (or this local server) serves"),
    readOnly: z.boolean().describe("true: it may not trigger, cancel, resume or reset"),
    auth: z.enum(["api-key", "none"]).describe("none: a server started with --insecure-local"),
    keyId: z.string().optional(),
    name: z.string().optional(),
  })
  .meta({ id: "Whoami", description: "Who the caller is, so a UI shows only what it may do." });

export const PreviewRequest = z
  .object({
    params: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("the params a run would get, validated by the flow's schemas"),
    targets: z.array(z.string()).optional(),
    force: z.array(z.string()).optional(),
    forceAll: z.boolean().optional(),
    context: z
      .string()
      .min(1)
      .optional()
      .describe("a context of the workspace whose params the run would take; params win"),
  })
  .strict()
  .meta({ id: "PreviewRequest" });

export const PreviewStep = z
  .object({
    name: z.string(),
    status: z.enum(PLAN_STATUSES),
    reason: z.enum(REASONS),
    deps: z.array(z.string()),
    params: z.record(z.string(), z.unknown()).describe("the params it declares (secrets masked)"),
    conditions: z.array(z.string()).optional(),
    itemsFailed: z.number().int().optional(),
    runsFlow: z.string().optional().describe("a runFlow step: the flow whose run it starts"),
    cacheKey: z
      .string()
      .optional()
      .describe("its cache key, known when every upstream step is complete"),
    keyInputs: z
      .object({
        code: z.string().describe("the code fingerprint"),
        params: z.string().describe("the hash of its params"),
        inputs: z
          .record(z.string(), z.string())
          .optional()
          .describe("each input's content hash (and declared files'), once known"),
      })
      .optional()
      .describe("what the cache key is made of"),
    columns: z
      .array(Column)
      .optional()
      .describe("a dataset step's output columns, derived before the run (DuckDB recipes)"),
  })
  .meta({ id: "PreviewStep" });

export const FlowPreview = z
  .object({
    flow: z.string(),
    version: z.string(),
    hash: z.string(),
    context: z
      .object({
        name: z.string(),
        source: z.string().describe("the file (or config field) it was read from"),
        params: z.array(
          z.object({
            param: z.string(),
            value: z.unknown(),
            default: z.unknown().optional(),
            required: z.literal(true).optional(),
          }),
        ),
      })
      .optional()
      .describe("with a context: each param it sets, beside its default (secrets masked)"),
    steps: z.array(PreviewStep),
  })
  .meta({ id: "FlowPreview", description: "What a run with these params would do, and why." });

export const ResetRequest = z
  .object({
    step: z.string().min(1).describe("the step to reset; its downstream is reset with it"),
    params: z.record(z.string(), z.unknown()).optional(),
    dryRun: z.boolean().optional().describe("only say what would be invalidated"),
  })
  .strict()
  .meta({ id: "ResetRequest" });

export const ResetResult = z
  .object({
    steps: z.array(z.string()).describe("the step and its downstream"),
    invalidated: z.number().int().describe("stored outputs invalidated (or that would be)"),
    dryRun: z.boolean(),
  })
  .meta({ id: "ResetResult" });

const ComparedStep = z
  .object({
    status: z.string(),
    cached: z.boolean(),
    cacheKey: z.string().nullable(),
    output: z.string().nullable(),
  })
  .nullable();

export const RunComparison = z
  .object({
    a: RunSummary,
    b: RunSummary,
    definition: z.object({
      a: z.object({ version: z.string(), hash: z.string() }).nullable(),
      b: z.object({ version: z.string(), hash: z.string() }).nullable(),
      same: z.boolean(),
    }),
    params: z.array(z.object({ name: z.string(), a: z.unknown(), b: z.unknown() })),
    metrics: z.array(
      z.object({
        step: z.string(),
        name: z.string(),
        a: z.number().nullable(),
        b: z.number().nullable(),
        delta: z.number().nullable().describe("b - a"),
      }),
    ),
    steps: z
      .array(z.object({ step: z.string(), a: ComparedStep, b: ComparedStep }))
      .describe("the steps that differed (cache key, or how they ended)"),
  })
  .meta({ id: "RunComparison" });

export type ErrorBody = z.infer<typeof ErrorBody>;
export type ProjectInfo = z.infer<typeof Project>;
export type FlowSummary = z.infer<typeof FlowSummary>;
export type FlowDetail = z.infer<typeof FlowDetail>;
export type FlowStep = z.infer<typeof FlowStep>;
export type RunSummary = z.infer<typeof RunSummary>;
export type RunDetail = z.infer<typeof RunDetail>;
export type StepRun = z.infer<typeof StepRun>;
export type LightStatus = z.infer<typeof LightStatus>;
export type TriggerRequest = z.infer<typeof TriggerRequest>;
export type TriggerResponse = z.infer<typeof TriggerResponse>;
export type LogLine = z.infer<typeof LogLine>;
export type Dataset = z.infer<typeof Dataset>;
export type DatasetSchema = z.infer<typeof DatasetSchema>;
export type DatasetRows = z.infer<typeof DatasetRows>;
export type ArtifactMeta = z.infer<typeof ArtifactMeta>;
export type Lineage = z.infer<typeof Lineage>;
export type RunMetrics = z.infer<typeof RunMetrics>;
export type ScheduleView = z.infer<typeof ScheduleView>;
export type ScheduleList = z.infer<typeof ScheduleList>;
export type WorkerView = z.infer<typeof WorkerView>;
export type WorkerList = z.infer<typeof WorkerList>;
export type TickResult = z.infer<typeof TickResult>;
export type Whoami = z.infer<typeof Whoami>;
export type PreviewRequest = z.infer<typeof PreviewRequest>;
export type FlowPreview = z.infer<typeof FlowPreview>;
export type ResetRequest = z.infer<typeof ResetRequest>;
export type ResetResult = z.infer<typeof ResetResult>;
export type RunComparison = z.infer<typeof RunComparison>;

export { Model, ModelList, PromoteRequest } from "./wire-models.js";
