import { SluiceError } from "../core/index.js";
import type { Executor, StepCall } from "./executor.js";

/**
 * Runs step bodies on the main thread. A timeout or cancel aborts the attempt's signal and settles the
 * attempt at once; a body that ignores its signal keeps running in the background, and a synchronous
 * body cannot be interrupted at all (it has the thread until it returns).
 */
export class InProcessExecutor implements Executor {
  execute(call: StepCall): unknown {
    const { control } = call;
    if (control.aborted) throw control.reason;
    const result = call.body(call.args as never, call.ctx);
    if (!isThenable(result)) return result;
    const { signal } = control;
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const cleanup = () => {
        if (timer !== undefined) clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
      };
      const onAbort = () => {
        cleanup();
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      if (call.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          control.abort(
            new SluiceError(
              "step-timeout",
              `step "${call.step}" timed out after ${call.timeoutMs} ms (attempt ${call.ctx.attempt}).`,
              {
                step: call.step,
                runId: call.ctx.runId,
                details: { timeoutMs: call.timeoutMs, attempt: call.ctx.attempt },
              },
            ),
          );
        }, call.timeoutMs);
      }
      result.then(
        (value) => {
          cleanup();
          resolve(value);
        },
        (error: unknown) => {
          cleanup();
          reject(error);
        },
      );
    });
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
