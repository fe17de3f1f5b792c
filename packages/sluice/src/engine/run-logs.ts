/**
 * A run's log lines and metrics on their way to the store: buffered, and written with the step
 * records they belong with (`flush`), or with the next group commit after a line is logged, so that a
 * process killed in the middle of a long step keeps the lines it logged before.
 */
import { capText, isPromise, type MaybePromise, type SerializedError } from "../core/index.js";
import type { LogRecord, MetricRecord, RunStore } from "../store/index.js";

export class RunLogs {
  private logs: LogRecord[] = [];
  private metrics: MetricRecord[] = [];
  private scheduled = false;

  /** `writeSoon` is given the flush to run on the next turn (the run tracks it, unless it has ended). */
  constructor(
    private readonly runs: RunStore,
    private readonly runId: string,
    private readonly writeSoon: (flush: () => MaybePromise<void>) => void,
  ) {}

  log(record: LogRecord): void {
    this.logs.push(record);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.writeSoon(() => this.flush());
    });
  }

  metric(...records: MetricRecord[]): void {
    this.metrics.push(...records);
  }

  /** The log's last word on a failed step: its error, code and first stack lines (`sluice logs --tail 1`). */
  failure(step: string, error: SerializedError, attempts: number): void {
    const after = attempts > 1 ? ` after ${attempts} attempts` : "";
    const frames =
      error.stack
        ?.split("\n")
        .filter((line) => /^\s+at /.test(line))
        .slice(0, 8) ?? [];
    const message = [`failed${after} [${error.code}]: ${error.message}`, ...frames].join("\n");
    this.logs.push({
      runId: this.runId,
      step,
      time: Date.now(),
      level: "error",
      message: capText(message),
      data: { code: error.code },
    });
  }

  /** Writes what is buffered (queued with the run's other writes). */
  flush(): MaybePromise<void> {
    let metricsWritten: MaybePromise<void> = undefined;
    if (this.metrics.length > 0) {
      metricsWritten = this.runs.recordMetrics(this.metrics);
      this.metrics = [];
    }
    if (this.logs.length === 0) return metricsWritten;
    const logs = this.logs;
    this.logs = [];
    const logsWritten = this.runs.appendLogs(logs);
    return isPromise(metricsWritten) ? metricsWritten.then(() => logsWritten) : logsWritten;
  }
}
