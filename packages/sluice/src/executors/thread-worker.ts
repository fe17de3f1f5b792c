/**
 * The worker-thread side of the thread pool (thread-pool.ts). A task names a module, and either a
 * step (by pipeline and step name: the module is imported again here, so no closure crosses threads)
 * or an exported function (parallelMap). Step logs and metrics are sent back with the result.
 */
import { fileURLToPath } from "node:url";
import type { MessagePort } from "node:worker_threads";
import { importUserModule } from "../loader/index.js";

export type ThreadTask =
  | {
      kind: "step";
      moduleUrl: string;
      pipeline: string;
      step: string;
      args: unknown;
      runId: string;
      attempt: number;
      started: MessagePort;
    }
  | { kind: "call"; moduleUrl: string; exportName: string; item: unknown };

export interface ThreadResult {
  value: unknown;
  logs: Array<{ level: "debug" | "info" | "warn" | "error"; message: string; data?: unknown }>;
  metrics: Array<{ name: string; value: number }>;
}

const modules = new Map<string, Promise<Record<string, unknown>>>();

function load(moduleUrl: string): Promise<Record<string, unknown>> {
  let loading = modules.get(moduleUrl);
  if (!loading) {
    // The same loader as the main thread's, so a TypeScript module is the same compiled file.
    loading = moduleUrl.startsWith("file:")
      ? importUserModule(fileURLToPath(moduleUrl))
      : (import(moduleUrl) as Promise<Record<string, unknown>>);
    modules.set(moduleUrl, loading);
  }
  return loading;
}

interface PipelineLike {
  kind: "pipeline";
  name: string;
  graph(): {
    byName: ReadonlyMap<
      string,
      {
        def: {
          run: (args: unknown, ctx: unknown) => unknown;
          filePaths: Readonly<Record<string, string>>;
        };
      }
    >;
  };
}

function findStep(
  module: Record<string, unknown>,
  moduleUrl: string,
  pipeline: string,
  step: string,
) {
  const found = Object.values(module).find(
    (value): value is PipelineLike =>
      typeof value === "object" &&
      value !== null &&
      (value as PipelineLike).kind === "pipeline" &&
      (value as PipelineLike).name === pipeline,
  );
  if (!found)
    throw new Error(
      `isolate "thread": ${moduleUrl} exports no pipeline named "${pipeline}"; a thread-isolated step's pipeline must be exported by the module it is defined in.`,
    );
  const node = found.graph().byName.get(step);
  if (!node)
    throw new Error(
      `isolate "thread": pipeline "${pipeline}" in ${moduleUrl} has no step "${step}" when imported again; define steps at the module's top level.`,
    );
  return node.def;
}

export default async function runTask(task: ThreadTask): Promise<ThreadResult> {
  const module = await load(task.moduleUrl);
  const logs: ThreadResult["logs"] = [];
  const metrics: ThreadResult["metrics"] = [];
  if (task.kind === "call") {
    const fn = module[task.exportName];
    if (typeof fn !== "function")
      throw new Error(
        `parallelMap: ${task.moduleUrl} has no exported function "${task.exportName}".`,
      );
    return { value: await fn(task.item), logs, metrics };
  }
  const { run, filePaths } = findStep(module, task.moduleUrl, task.pipeline, task.step);
  const write =
    (level: ThreadResult["logs"][number]["level"]) => (message: string, data?: unknown) => {
      logs.push(
        data === undefined
          ? { level, message: String(message) }
          : { level, message: String(message), data },
      );
    };
  const log = Object.assign(write("info"), {
    debug: write("debug"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
  });
  const ctx = {
    runId: task.runId,
    step: task.step,
    attempt: task.attempt,
    // A timeout or cancel terminates this thread, so the signal itself never fires here.
    signal: new AbortController().signal,
    log,
    metric: (name: string, value: number) => metrics.push({ name, value }),
    files: filePaths,
  };
  task.started.postMessage("started");
  task.started.close();
  return { value: await run(task.args, ctx), logs, metrics };
}
