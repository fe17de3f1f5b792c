/**
 * A workspace: the `sluice.config.ts` (or .mts/.js/.mjs/.json) at a project's root, naming the project
 * key and the pipeline modules. Every pipeline a module exports is a flow of that project, identified
 * by its name, with a version label and a hash of its definition (see flows/definition.ts).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { SluiceError } from "../core/index.js";
import { flowDefinition, type FlowDefinition } from "./definition.js";
import {
  CATCH_UP_POLICIES,
  checkSchedules,
  EVENT_STATUSES,
  OVERLAP_POLICIES,
  type Schedule,
  type ScheduleConfig,
} from "./schedules.js";
import { exportedPipelines, importModule, type Pipeline, CONFIG_NAMES } from "../runtime/index.js";
import type { FlowVersionStore } from "../store/index.js";
import type { LimitSlot } from "../engine/index.js";
import {
  checkHooks,
  NOTIFY_WHEN,
  type NotificationHook,
  type NotificationHookConfig,
  type NotifyWhen,
} from "./notifications.js";

const PROJECT_KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The config's schema, made on first use: zod loads only for commands that read a workspace. */
async function configSchema() {
  const { z } = await import("zod");
  const hook = z
    .object({
      id: z.string().min(1).optional(),
      webhook: z.string().optional(),
      command: z.string().min(1).optional(),
      secretEnv: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "name an environment variable, e.g. SLUICE_HOOK_SECRET")
        .optional(),
      headers: z.record(z.string(), z.string()).optional(),
      flows: z.array(z.string()).optional(),
      retries: z.number().int().min(0).max(20).optional(),
      retryDelayMs: z.number().int().min(0).optional(),
      timeoutMs: z.number().int().min(1).optional(),
    })
    .strict();
  return z
    .object({
      project: z
        .string()
        .regex(
          PROJECT_KEY,
          "a project key is 1-64 letters, digits, '_', '-' or '.', starting with a letter or digit",
        ),
      pipelines: z.array(z.string().min(1)).min(1, "name at least one pipeline module"),
      maxConcurrentRuns: z.number().int().min(1, "must be at least 1").optional(),
      // Where runs live (read by the stack resolution, runtime/stack.ts): checked here too.
      store: z.string().min(1).optional(),
      stacks: z
        .record(
          z.string(),
          z
            .object({
              store: z.string().min(1),
              artifacts: z.string().min(1).optional(),
              executor: z.literal("workers").optional(),
            })
            .strict(),
        )
        .optional(),
      server: z
        .string()
        .regex(/^https?:\/\//, "must be an http:// or https:// URL of a sluice server")
        .optional(),
      on: z
        .object(Object.fromEntries(NOTIFY_WHEN.map((when) => [when, z.array(hook).optional()])))
        .strict()
        .optional(),
      schedules: z
        .array(
          z
            .object({
              id: z.string().min(1).optional(),
              flow: z.string().min(1),
              cron: z.string().optional(),
              every: z.string().optional(),
              on: z
                .object({
                  flow: z.string().min(1),
                  status: z
                    .union([z.enum(EVENT_STATUSES), z.array(z.enum(EVENT_STATUSES))])
                    .optional(),
                })
                .strict()
                .optional(),
              timezone: z.string().optional(),
              params: z.record(z.string(), z.unknown()).optional(),
              overlap: z.enum(OVERLAP_POLICIES).optional(),
              catchUp: z.enum(CATCH_UP_POLICIES).optional(),
              catchUpLimit: z.number().int().min(1).optional(),
              enabled: z.boolean().optional(),
              startDate: z.string().optional(),
              endDate: z.string().optional(),
            })
            .strict(),
        )
        .optional(),
      // Checked in detail when a context is used (runtime/contexts.ts), with the pipeline's params.
      contexts: z.record(z.string(), z.unknown()).optional(),
    })
    .strict();
}

export interface WorkspaceConfig {
  project: string;
  pipelines: string[];
  /** At most this many runs of the project's flows run at once (all processes on the store). */
  maxConcurrentRuns?: number;
  /** The sluice server that runFlow steps of local runs trigger their children on (key: SLUICE_API_KEY). */
  server?: string;
  /** Notification hooks by what they wait for (see notifications.ts). */
  on?: Partial<Record<NotifyWhen, NotificationHookConfig[]>>;
  schedules?: ScheduleConfig[];
}

export interface WorkspaceFlow {
  name: string;
  pipeline: Pipeline;
  definition: FlowDefinition;
  /** The module it came from (absolute) and its export name: recorded with runs, for resume. */
  file: string;
  exportName: string;
  /** The workspace's cap on running runs, which its runs wait for (its own maxConcurrentRuns comes with the pipeline). */
  runLimits: LimitSlot[];
  /** The workspace's notification hooks (those for other flows included: each hook filters). */
  hooks: NotificationHook[];
  /** The workspace's root: where its contexts are found (the config's, and contexts/NAME.json). */
  root: string;
}

export interface Workspace {
  configPath: string;
  root: string;
  project: string;
  flows: Map<string, WorkspaceFlow>;
  /** The config's schedules, checked against its flows. */
  schedules: Schedule[];
  /** The config's cap on running runs of the project, if any. */
  maxConcurrentRuns?: number;
  /** The config's notification hooks, checked against its flows. */
  hooks: NotificationHook[];
  /** The config's `server`: where runFlow steps of local runs trigger their children. */
  server?: string;
}

/** The limit of a project's running runs (a workspace's `maxConcurrentRuns`, or a server's cap). */
export function projectRunLimit(project: string, limit: number): LimitSlot {
  return { key: `runs:${project}`, limit, label: `runs of project "${project}"` };
}

/** Records that the workspace's flow definitions are registered now (a server start, `sluice flows`). */
export async function registerFlows(workspace: Workspace, store: FlowVersionStore): Promise<void> {
  const registeredAt = Date.now();
  for (const { name, definition } of workspace.flows.values()) {
    await store.registerFlowVersion({
      project: workspace.project,
      flow: name,
      version: definition.version,
      hash: definition.hash,
      registeredAt,
    });
  }
}

/** Refuses to run a flow when the caller asked for a version (label or hash) other than the loaded one. */
export function checkFlowVersion(flow: WorkspaceFlow, requested: string | undefined): void {
  const { definition } = flow;
  if (requested === undefined || requested === definition.version || requested === definition.hash)
    return;
  throw new SluiceError(
    "conflict",
    `Flow "${flow.name}" has version ${definition.version} (hash ${definition.hash.slice(0, 12)}) loaded, not ${requested}. Omit the version to run the loaded one, or load that version's code.`,
    {
      details: { loaded: definition.version, requested },
    },
  );
}

/** The config file in `dir`, if there is one. */
export function findConfig(dir: string = process.cwd()): string | undefined {
  for (const name of CONFIG_NAMES) {
    const path = join(resolve(dir), name);
    if (existsSync(path)) return path;
  }
  return undefined;
}

/** Loads the config (a file, or the one in a folder) and every pipeline module it names. */
export async function loadWorkspace(configOrDir: string = process.cwd()): Promise<Workspace> {
  const configPath =
    existsSync(configOrDir) && statSync(configOrDir).isFile()
      ? resolve(configOrDir)
      : findConfig(configOrDir);
  if (configPath === undefined || !existsSync(configPath)) {
    throw new SluiceError(
      "invalid-usage",
      `No sluice.config.ts, .js or .json in ${resolve(configOrDir)}. Create one naming the project and its pipeline modules, e.g. export default { project: "demo", pipelines: ["./pipeline.ts"] }.`,
    );
  }
  const config = await readConfig(configPath);
  const root = dirname(configPath);
  const flows = new Map<string, WorkspaceFlow>();
  const runLimits =
    config.maxConcurrentRuns === undefined
      ? []
      : [projectRunLimit(config.project, config.maxConcurrentRuns)];
  for (const [index, entry] of config.pipelines.entries()) {
    const file = resolve(root, entry);
    const module = await importModule(file, `Pipeline module (${configPath}, pipelines[${index}])`);
    const pipelines = exportedPipelines(module);
    if (pipelines.length === 0)
      throw new SluiceError(
        "invalid-pipeline",
        `${file} (${configPath}, pipelines[${index}]) exports no pipeline. Export one made by pipeline().`,
      );
    for (const [exportName, pipeline] of pipelines) {
      const known = flows.get(pipeline.name);
      if (known?.pipeline === pipeline) continue; // the same pipeline exported twice (named and default)
      if (known) {
        throw new SluiceError(
          "invalid-pipeline",
          `Two pipelines are named "${pipeline.name}": in ${known.file} and ${file}. Flow names must be unique in project "${config.project}"; rename one.`,
        );
      }
      const definition = flowDefinition(pipeline.graph(), {
        version: pipeline.options.version,
        description: pipeline.options.description,
      });
      flows.set(pipeline.name, {
        name: pipeline.name,
        pipeline,
        definition,
        file,
        exportName,
        runLimits,
        hooks: [],
        root,
      });
    }
  }
  const schedules = await checkSchedules(config.schedules ?? [], new Set(flows.keys()), configPath);
  const hooks = checkHooks(config.on, new Set(flows.keys()), configPath, root);
  for (const flow of flows.values()) flow.hooks = hooks;
  return {
    configPath,
    root,
    project: config.project,
    flows,
    schedules,
    hooks,
    ...(config.server === undefined ? {} : { server: config.server }),
    ...(config.maxConcurrentRuns === undefined
      ? {}
      : { maxConcurrentRuns: config.maxConcurrentRuns }),
  };
}

async function readConfig(path: string): Promise<WorkspaceConfig> {
  let raw: unknown;
  if (path.endsWith(".json")) {
    try {
      raw = JSON.parse(readFileSync(path, "utf8"));
    } catch (error) {
      throw new SluiceError(
        "invalid-usage",
        `${path} is not valid JSON: ${(error as Error).message}.`,
      );
    }
  } else {
    const module = await importModule(path, "Workspace config");
    raw = module.default ?? module;
  }
  const parsed = (await configSchema()).safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(config)"}: ${issue.message}`,
    );
    throw new SluiceError(
      "invalid-usage",
      `${path} is not a valid sluice config:\n- ${problems.join("\n- ")}\nExpected { project: "key", pipelines: ["./module.ts", ...] }.`,
      {
        details: { path, problems },
      },
    );
  }
  return parsed.data;
}
