/**
 * Worker threads for CPU-bound steps (`isolate: "thread"`) and for `parallelMap`, on tinypool: as
 * many threads as cores. A timeout or cancel terminates the step's thread (a hard stop, unlike the
 * main thread), and the pool replaces it.
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { MessageChannel } from "node:worker_threads";
import { pathToFileURL } from "node:url";
import type Tinypool from "tinypool";
import { OWN_PACKAGE, SluiceError } from "../core/index.js";
import type { Executor, StepCall } from "./executor.js";
import type { ThreadResult, ThreadTask } from "./thread-worker.js";

/** The worker thread's module: an entry point of the bundle (scripts/bundle.mjs), at dist/'s top. */
const WORKER = pathToFileURL(join(OWN_PACKAGE, "dist", "thread-worker.js"));

/** tinypool is loaded when a thread is first needed: most runs never need one. */
async function newPool(threads?: number): Promise<Tinypool> {
  const { default: Pool } = await import("tinypool");
  return new Pool({
    filename: WORKER.href,
    minThreads: 0,
    maxThreads: threads ?? availableParallelism(),
    idleTimeout: 1000,
  });
}

/** Where a thread-isolated step is found again: its module and its pipeline's name. */
export interface StepLocation {
  moduleUrl: string;
  pipeline: string;
}

export class ThreadExecutor implements Executor {
  private pool?: Promise<Tinypool>;

  constructor(private readonly location: StepLocation) {}

  async execute(call: StepCall): Promise<unknown> {
    this.pool ??= newPool();
    const pool = await this.pool;
    const controller = new AbortController();
    const { control } = call;
    const onCancel = () => controller.abort(control.reason);
    if (control.aborted) onCancel();
    else control.signal.addEventListener("abort", onCancel, { once: true });
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    // The timeout counts from the body's start in its thread, not from the thread's start and import.
    const { port1, port2 } = new MessageChannel();
    port1.once("message", () => {
      if (call.timeoutMs === undefined) return;
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, call.timeoutMs);
    });
    const task: ThreadTask = {
      kind: "step",
      moduleUrl: this.location.moduleUrl,
      pipeline: this.location.pipeline,
      step: call.step,
      args: call.args,
      runId: call.ctx.runId,
      attempt: call.ctx.attempt,
      started: port2,
    };
    return (
      pool.run(task, { signal: controller.signal, transferList: [port2] }) as Promise<ThreadResult>
    ).then(
      (result) => {
        done();
        for (const { level, message, data } of result.logs) call.ctx.log[level](message, data);
        for (const { name, value } of result.metrics) call.ctx.metric(name, value);
        return result.value;
      },
      (error: unknown) => {
        done();
        if (timedOut) {
          throw new SluiceError(
            "step-timeout",
            `step "${call.step}" timed out after ${call.timeoutMs} ms (attempt ${call.ctx.attempt}); its thread was terminated.`,
            {
              step: call.step,
              runId: call.ctx.runId,
              details: { timeoutMs: call.timeoutMs, attempt: call.ctx.attempt },
            },
          );
        }
        if (control.aborted) throw control.reason;
        throw error;
      },
    );
    function done() {
      if (timer !== undefined) clearTimeout(timer);
      port1.close();
      control.signal.removeEventListener("abort", onCancel);
    }
  }

  async close(): Promise<void> {
    if (this.pool) await (await this.pool).destroy();
  }
}

/**
 * Calls an exported function of a module on every item, in worker threads, and gives the results in
 * input order: for CPU-bound helpers inside a step. The function must be a top-level export, and the
 * items and results structured-cloneable.
 * @example const scores = await parallelMap(import.meta.url, "score", docs, { workers: 2 });
 */
export async function parallelMap<T, R>(
  moduleUrl: string | URL,
  exportName: string,
  items: readonly T[],
  options: { workers?: number } = {},
): Promise<R[]> {
  const url =
    typeof moduleUrl === "string" && !moduleUrl.startsWith("file:")
      ? pathToFileURL(moduleUrl).href
      : String(moduleUrl);
  const pool = await newPool(options.workers);
  try {
    return await Promise.all(
      items.map(
        async (item) =>
          (
            (await pool.run({
              kind: "call",
              moduleUrl: url,
              exportName,
              item,
            } satisfies ThreadTask)) as ThreadResult
          ).value as R,
      ),
    );
  } finally {
    await pool.destroy();
  }
}
