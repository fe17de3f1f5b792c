/**
 * One error type for everything sluice reports. Every error has a string `code` from ERROR_CODES,
 * which says whether it is the user's input (CLI exit 2, HTTP 400) or a failure at run time.
 */

/** Every error code, with its HTTP status and whether retrying the same work can help. */
export const ERROR_CODES = {
  "invalid-pipeline": { http: 400, input: true, retryable: false },
  "dependency-cycle": { http: 400, input: true, retryable: false },
  "missing-input": { http: 400, input: true, retryable: false },
  "duplicate-output": { http: 400, input: true, retryable: false },
  "duplicate-step": { http: 400, input: true, retryable: false },
  "reserved-name": { http: 400, input: true, retryable: false },
  "schema-mismatch": { http: 400, input: true, retryable: false },
  "unknown-param": { http: 400, input: true, retryable: false },
  "invalid-param": { http: 400, input: true, retryable: false },
  "unknown-step": { http: 400, input: true, retryable: false },
  "invalid-usage": { http: 400, input: true, retryable: false },
  "module-load-failed": { http: 400, input: true, retryable: false },
  "step-failed": { http: 500, input: false, retryable: true },
  "step-timeout": { http: 504, input: false, retryable: true },
  "output-invalid": { http: 500, input: false, retryable: false },
  "unstorable-output": { http: 500, input: false, retryable: false },
  cancelled: { http: 499, input: false, retryable: false },
  "not-found": { http: 404, input: true, retryable: false },
  "store-corrupt": { http: 500, input: false, retryable: false },
  "store-too-new": { http: 500, input: false, retryable: false },
  "store-full": { http: 507, input: false, retryable: false },
  "store-unwritable": { http: 500, input: false, retryable: false },
  crashed: { http: 500, input: false, retryable: true },
  "invalid-document": { http: 400, input: true, retryable: false },
  "invalid-expression": { http: 400, input: true, retryable: false },
  "invalid-inputs": { http: 400, input: true, retryable: false },
  "http-failed": { http: 502, input: false, retryable: true },
  "criteria-failed": { http: 500, input: false, retryable: false },
  "loop-limit": { http: 500, input: false, retryable: false },
  "invalid-request": { http: 400, input: true, retryable: false },
  unauthorized: { http: 401, input: true, retryable: false },
  forbidden: { http: 403, input: true, retryable: false },
  conflict: { http: 409, input: true, retryable: false },
  superseded: { http: 409, input: false, retryable: false },
  "payload-too-large": { http: 413, input: true, retryable: false },
  unreachable: { http: 503, input: false, retryable: true },
  internal: { http: 500, input: false, retryable: false },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

const BRAND = Symbol.for("sluice.error");

export interface SluiceErrorOptions {
  cause?: unknown;
  runId?: string;
  step?: string;
  retryable?: boolean;
  /** Structured facts about the problem (the parameter name, the cycle, ...), kept in JSON output. */
  details?: Record<string, unknown>;
}

export interface SerializedError {
  code: string;
  message: string;
  step?: string;
  runId?: string;
  stack?: string;
  details?: Record<string, unknown>;
}

export class SluiceError extends Error {
  readonly code: ErrorCode;
  readonly runId?: string;
  readonly step?: string;
  readonly retryable: boolean;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: SluiceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SluiceError";
    this.code = code;
    this.runId = options.runId;
    this.step = options.step;
    this.retryable = options.retryable ?? ERROR_CODES[code].retryable;
    this.details = options.details;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** True for sluice errors, also those made by another copy of the package (brand, not instanceof). */
  static is(value: unknown): value is SluiceError {
    return (
      typeof value === "object" &&
      value !== null &&
      (value as Record<symbol, unknown>)[BRAND] === true
    );
  }

  /** Whether this error means the user's input is wrong (CLI exit code 2). */
  get isInputError(): boolean {
    return ERROR_CODES[this.code]?.input ?? false;
  }

  toJSON(): SerializedError {
    const out: SerializedError = { code: this.code, message: this.message };
    if (this.step !== undefined) out.step = this.step;
    if (this.runId !== undefined) out.runId = this.runId;
    if (this.details !== undefined) out.details = this.details;
    return out;
  }
}

/** Turns anything thrown by user code into a SerializedError without losing its message or stack. */
export function serializeError(
  error: unknown,
  mask: (text: string) => string = (text) => text,
): SerializedError {
  // Masked before it is cut, so that no cut can leave part of a secret unmasked.
  const text = (value: string) => capText(mask(value));
  if (SluiceError.is(error))
    return {
      ...error.toJSON(),
      message: text(error.message),
      ...(error.stack ? { stack: text(error.stack) } : {}),
    };
  if (error instanceof Error) {
    const own = (error as { code?: unknown }).code;
    const code = typeof own === "string" ? own : "step-failed";
    return {
      code,
      message: text(error.message),
      ...(error.stack ? { stack: text(error.stack) } : {}),
    };
  }
  return {
    code: "step-failed",
    message: text(typeof error === "string" ? error : safeString(error)),
  };
}

/** Longest error message or stack that is recorded; longer ones keep their head and tail. */
export const MAX_ERROR_TEXT = 16 * 1024;

/**
 * A text cut to at most about `max` characters: its head and its tail (where a message and a stack
 * say the most), with how much was left out between them.
 */
export function capText(text: string, max: number = MAX_ERROR_TEXT): string {
  if (text.length <= max) return text;
  const half = Math.floor(max / 2);
  return `${text.slice(0, half)}\n... (${text.length - 2 * half} characters left out) ...\n${text.slice(text.length - half)}`;
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
