/** Which executor runs a step: the run's own, or the thread pool for `isolate: "thread"` steps. */
import { pathToFileURL } from "node:url";
import { SluiceError } from "../core/index.js";
import { ThreadExecutor } from "../executors/index.js";

/** The run's thread pool, made when its first thread-isolated step runs. */
export function threadExecutorFor(
  source: { file: string } | undefined,
  pipeline: string,
  step: string,
): ThreadExecutor {
  if (!source) {
    throw new SluiceError(
      "invalid-usage",
      `step "${step}" has isolate: "thread", so its thread must import the pipeline's module again, and this run does not know that module. Run it with sluice run FILE, or declare pipeline("${pipeline}", { module: import.meta.url, ... }).`,
      { step, retryable: false },
    );
  }
  return new ThreadExecutor({ moduleUrl: pathToFileURL(source.file).href, pipeline });
}
