/**
 * One HTTP call of an Arazzo step, with Node's fetch (undici: connections are kept alive and reused
 * between steps). Each attempt has its own timeout; the run's cancellation signal aborts it too.
 * The response body is read whole: as JSON when the content type says JSON (`application/json` or
 * any `+json` type, RFC 6839), else as text. A body that claims JSON but does not parse is kept as
 * text (criteria can still look at it) and flagged.
 */
import { SluiceError } from "../core/index.js";

export interface HttpRequest {
  url: string;
  /** Upper case, as sent. */
  method: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

export interface HttpResponse {
  status: number;
  /** Case-insensitive lookup (RFC 9110 §5.1); repeated fields come joined by ", ". */
  headers: Headers;
  /** Parsed JSON, or the text; undefined for an empty body. */
  body: unknown;
  /** The raw body text (for logs). */
  text: string;
  /** The body claimed JSON but did not parse: `body` holds the text. */
  malformedJson?: boolean;
  durationMs: number;
}

export interface SendOptions {
  /** Per attempt, in ms. */
  timeoutMs?: number;
  /** The run's cancellation: aborting it fails the call with code `cancelled`. */
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

const JSON_TYPE = /^application\/(?:[\w.!#$%&'*^`|~-]+\+)?json\s*(?:;|$)/i;

/** Whether a Content-Type value names JSON: application/json, application/problem+json, ... */
export function isJsonContentType(contentType: string | null | undefined): boolean {
  return contentType !== null && contentType !== undefined && JSON_TYPE.test(contentType.trim());
}

/**
 * Sends one request. Resolves with the response whatever its status; rejects with SluiceError
 * `http-failed` (retryable; `details.timedOut` when the attempt's timeout fired) when no response
 * came, or `cancelled` when the run was cancelled.
 */
export async function sendRequest(request: HttpRequest, options: SendOptions = {}): Promise<HttpResponse> {
  const started = performance.now();
  const signals: AbortSignal[] = [];
  let timeout: AbortSignal | undefined;
  if (options.timeoutMs !== undefined) signals.push((timeout = AbortSignal.timeout(options.timeoutMs)));
  if (options.signal) signals.push(options.signal);
  const signal = signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals);
  const doFetch = options.fetch ?? globalThis.fetch;
  try {
    const response = await doFetch(request.url, { method: request.method, headers: request.headers, body: request.body, signal, redirect: "follow" });
    const text = await response.text();
    const contentType = response.headers.get("content-type");
    let body: unknown = text === "" ? undefined : text;
    let malformedJson: boolean | undefined;
    if (text !== "" && isJsonContentType(contentType)) {
      try {
        body = JSON.parse(text);
      } catch {
        malformedJson = true;
      }
    }
    const out: HttpResponse = { status: response.status, headers: response.headers, body, text, durationMs: performance.now() - started };
    if (malformedJson) out.malformedJson = true;
    return out;
  } catch (error) {
    const durationMs = performance.now() - started;
    if (options.signal?.aborted) {
      throw new SluiceError("cancelled", `${request.method} ${request.url} was cancelled with the run.`, { cause: error });
    }
    if (timeout?.aborted) {
      throw new SluiceError("http-failed", `${request.method} ${request.url} timed out after ${options.timeoutMs} ms (the per-attempt timeout, --timeout).`, {
        cause: error,
        details: { timedOut: true, durationMs },
      });
    }
    throw new SluiceError("http-failed", `${request.method} ${request.url} failed: ${describeNetworkError(error)}. Check the server is up and the source's server URL (--source-url NAME=URL points a source elsewhere).`, {
      cause: error,
      details: { durationMs },
    });
  }
}

/**
 * Milliseconds to wait that a Retry-After value asks for (RFC 9110 §10.2.3): a number of seconds,
 * or an HTTP date (in the past: 0). Undefined when absent or unreadable.
 */
export function retryAfterMs(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Only IMF-fixdate and the two obsolete forms look like this; Date.parse reads all three.
  if (!/^[A-Za-z]{3,9},? /.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code === "ECONNREFUSED") return "connection refused";
  if (cause?.code === "ENOTFOUND") return "host not found";
  if (cause?.code === "ECONNRESET" || cause?.code === "UND_ERR_SOCKET") return "the connection was reset";
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
