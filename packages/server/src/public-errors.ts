/**
 * The one way an error leaves the server, in REST answers, run records and SSE events alike: code,
 * message, step, runId and details. Never a stack (it names the server's files and code), and the
 * server's own folders (its home, the workspace) read as `<home>` and `<workspace>` wherever a message,
 * a detail or a log line names them. Stacks stay in the store, for `sluice show` on the server's machine.
 */
import { SluiceError, type SerializedError } from "sluice/internal";

export interface PublicError {
  code: string;
  message: string;
  step?: string;
  runId?: string;
  details?: Record<string, unknown>;
}

type Failure = { step?: string; error: SerializedError };

/** Details are small JSON facts; deeper than this is not walked (and not sent). */
const MAX_DEPTH = 16;

export class PublicErrors {
  private readonly folders: Array<{ pattern: RegExp; label: string }>;

  /** `folders`: for each label (`<home>`), the server's folder that clients must not see named. */
  constructor(folders: Record<string, string>) {
    this.folders = Object.entries(folders)
      .filter(([, path]) => path.length > 1) // never the root folder: that would garble every path-like text
      .sort(([, a], [, b]) => b.length - a.length) // the longest first: a home inside the workspace reads as <home>
      .map(([label, path]) => ({
        label,
        pattern: new RegExp(`${escapeRegExp(path)}(?=[\\\\/\\s'"\`:),;]|$)`, "g"),
      }));
  }

  error(error: SerializedError | SluiceError): PublicError {
    const source = SluiceError.is(error) ? error.toJSON() : error;
    const out: PublicError = { code: source.code, message: this.text(source.message) };
    if (source.step !== undefined) out.step = source.step;
    if (source.runId !== undefined) out.runId = source.runId;
    if (source.details !== undefined)
      out.details = this.value(source.details, 0) as Record<string, unknown>;
    return out;
  }

  /** A record (run, step, step result) with its `error`, if any, made public. */
  withError<T extends { error?: SerializedError }>(record: T): T {
    return record.error === undefined
      ? record
      : ({ ...record, error: this.error(record.error) } as T);
  }

  failure<T extends Failure | undefined>(failure: T): T {
    return failure === undefined
      ? failure
      : ({ ...failure, error: this.error(failure.error) } as T);
  }

  /** A run's full status: its error, its first failure and each step's error. */
  runDetail<
    T extends {
      error?: SerializedError;
      firstFailure?: Failure;
      steps: Array<{ error?: SerializedError }>;
    },
  >(detail: T): T {
    return {
      ...this.withError(detail),
      ...(detail.firstFailure ? { firstFailure: this.failure(detail.firstFailure) } : {}),
      steps: detail.steps.map((step) => this.withError(step)),
    } as T;
  }

  /**
   * A log line, its text with the server's folders replaced. The line the engine writes for a failed
   * step (level error, `data.code`) is that step's error with its first stack frames: sent without them.
   */
  logLine<T extends { level: string; message: string; data?: unknown }>(log: T): T {
    const code = (log.data as { code?: unknown } | undefined)?.code;
    const lines =
      log.level === "error" && typeof code === "string"
        ? log.message
            .split("\n")
            .filter((line) => !/^\s+at /.test(line))
            .join("\n")
        : log.message;
    const message = this.text(lines);
    return message === log.message ? log : { ...log, message };
  }

  /** The text with the server's folders replaced by their labels. */
  text(text: string): string {
    let out = text;
    for (const { pattern, label } of this.folders) out = out.replace(pattern, label);
    return out;
  }

  private value(value: unknown, depth: number): unknown {
    if (typeof value === "string") return this.text(value);
    if (value === null || typeof value !== "object") return value;
    if (depth >= MAX_DEPTH) return "(left out: nested too deep)";
    if (Array.isArray(value)) return value.map((item) => this.value(item, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      if (key !== "stack") out[key] = this.value(item, depth + 1);
    return out;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
