/**
 * One HTTP call of an Arazzo step. Sent with node:http / node:https through keep-alive agents, so
 * the connection is reused from step to step (measured here: half the time of Node's fetch per call,
 * and no 25-30 ms to load undici on the first call); a `fetch` function can be given instead.
 * Each attempt has its own timeout; the run's cancellation signal aborts it too. Redirects are not
 * followed: a step sees the 3xx response (and its Location header) and its criteria decide.
 * The body is read whole: as JSON when the content type says JSON (`application/json` or any
 * `+json` type, RFC 6839), else as text; gzip, deflate and br bodies are decoded. A body that claims
 * JSON but does not parse is kept as text (criteria can still look at it) and flagged.
 */
import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from "node:http";
import { createRequire } from "node:module";
import { SluiceError } from "sluice/internal";

export interface HttpRequest {
  url: string;
  /** Upper case, as sent. */
  method: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/** Response header fields: case-insensitive lookup (RFC 9110 §5.1), repeated fields joined by ", ". */
export interface ResponseHeaders extends Iterable<[string, string]> {
  get(name: string): string | null;
}

export interface HttpResponse {
  status: number;
  headers: ResponseHeaders;
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
  /** Send with this instead of node:http (tests, proxies, custom transports). */
  fetch?: typeof fetch;
}

const JSON_TYPE = /^application\/(?:[\w.!#$%&'*^`|~-]+\+)?json\s*(?:;|$)/i;
const httpAgent = new HttpAgent({ keepAlive: true });
const builtin = createRequire(import.meta.url);
// node:https (and TLS with it) and node:zlib are loaded the first time an https URL or a compressed body needs them.
let https:
  { request: typeof import("node:https").request; agent: import("node:https").Agent } | undefined;
let zlib: typeof import("node:zlib") | undefined;

function httpsModule(): NonNullable<typeof https> {
  if (!https) {
    const mod = builtin("node:https") as typeof import("node:https");
    https = { request: mod.request, agent: new mod.Agent({ keepAlive: true }) };
  }
  return https;
}

/** Whether a Content-Type value names JSON: application/json, application/problem+json, ... */
export function isJsonContentType(contentType: string | null | undefined): boolean {
  return contentType !== null && contentType !== undefined && JSON_TYPE.test(contentType.trim());
}

/**
 * Sends one request. Resolves with the response whatever its status; rejects with SluiceError
 * `http-failed` (retryable; `details.timedOut` when the attempt's timeout fired) when no response
 * came, or `cancelled` when the run was cancelled.
 */
export async function sendRequest(
  request: HttpRequest,
  options: SendOptions = {},
): Promise<HttpResponse> {
  const started = performance.now();
  const signals: AbortSignal[] = [];
  let timeout: AbortSignal | undefined;
  if (options.timeoutMs !== undefined)
    signals.push((timeout = AbortSignal.timeout(options.timeoutMs)));
  if (options.signal) signals.push(options.signal);
  const signal =
    signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals);
  try {
    const { status, headers, bytes } = options.fetch
      ? await viaFetch(options.fetch, request, signal)
      : await viaNode(request, signal);
    const text = bytes.toString("utf8");
    let body: unknown = text === "" ? undefined : text;
    let malformedJson: boolean | undefined;
    if (text !== "" && isJsonContentType(headers.get("content-type"))) {
      try {
        body = JSON.parse(text);
      } catch {
        malformedJson = true;
      }
    }
    const out: HttpResponse = {
      status,
      headers,
      body,
      text,
      durationMs: performance.now() - started,
    };
    if (malformedJson) out.malformedJson = true;
    return out;
  } catch (error) {
    const durationMs = performance.now() - started;
    if (options.signal?.aborted) {
      throw new SluiceError(
        "cancelled",
        `${request.method} ${request.url} was cancelled with the run.`,
        { cause: error },
      );
    }
    if (timeout?.aborted) {
      throw new SluiceError(
        "http-failed",
        `${request.method} ${request.url} timed out after ${options.timeoutMs} ms (the per-attempt timeout, --timeout).`,
        {
          cause: error,
          details: { timedOut: true, durationMs },
        },
      );
    }
    if (SluiceError.is(error)) throw error;
    throw new SluiceError(
      "http-failed",
      `${request.method} ${request.url} failed: ${describeNetworkError(error)}. Check the server is up and the source's server URL (--source-url NAME=URL points a source elsewhere).`,
      {
        cause: error,
        details: { durationMs },
      },
    );
  }
}

interface RawResponse {
  status: number;
  headers: ResponseHeaders;
  bytes: Buffer;
}

function viaNode(request: HttpRequest, signal: AbortSignal | undefined): Promise<RawResponse> {
  const url = new URL(request.url);
  const secure = url.protocol === "https:";
  if (!secure && url.protocol !== "http:")
    return Promise.reject(
      new SluiceError("http-failed", `${request.url}: only http and https URLs can be called.`),
    );
  const headers: Record<string, string> = { ...request.headers };
  const body =
    request.body === undefined
      ? undefined
      : typeof request.body === "string"
        ? Buffer.from(request.body, "utf8")
        : request.body;
  if (body !== undefined && !hasHeader(headers, "content-length"))
    headers["content-length"] = String(body.byteLength);
  if (!hasHeader(headers, "accept")) headers.accept = "*/*";
  if (!hasHeader(headers, "user-agent")) headers["user-agent"] = "sluice";
  return new Promise<RawResponse>((resolve, reject) => {
    const tls = secure ? httpsModule() : undefined;
    const send = tls ? tls.request : httpRequest;
    const req = send(
      url,
      { method: request.method, headers, agent: tls ? tls.agent : httpAgent, signal },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          try {
            resolve({
              status: res.statusCode ?? 0,
              headers: nodeHeaders(res.headers),
              bytes: decode(Buffer.concat(chunks), res.headers["content-encoding"]),
            });
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function viaFetch(
  fetchImpl: typeof fetch,
  request: HttpRequest,
  signal: AbortSignal | undefined,
): Promise<RawResponse> {
  const response = await fetchImpl(request.url, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    signal,
    redirect: "manual",
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  const entries: Array<[string, string]> = [];
  response.headers.forEach((value, name) => entries.push([name, value]));
  return { status: response.status, headers: listHeaders(entries), bytes };
}

function nodeHeaders(raw: IncomingHttpHeaders): ResponseHeaders {
  const entries: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(raw))
    if (value !== undefined) entries.push([name, Array.isArray(value) ? value.join(", ") : value]);
  return listHeaders(entries);
}

function listHeaders(entries: Array<[string, string]>): ResponseHeaders {
  return {
    get(name: string): string | null {
      const lower = name.toLowerCase();
      for (const [key, value] of entries) if (key === lower) return value;
      return null;
    },
    [Symbol.iterator]: () => entries[Symbol.iterator](),
  };
}

function decode(bytes: Buffer, encoding: string | undefined): Buffer {
  if (encoding === undefined || bytes.length === 0) return bytes;
  const coding = encoding.trim().toLowerCase();
  if (coding !== "gzip" && coding !== "x-gzip" && coding !== "deflate" && coding !== "br")
    return bytes;
  zlib ??= builtin("node:zlib") as typeof import("node:zlib");
  if (coding === "deflate") return zlib.inflateSync(bytes);
  return coding === "br" ? zlib.brotliDecompressSync(bytes) : zlib.gunzipSync(bytes);
}

function hasHeader(headers: Record<string, string>, lower: string): boolean {
  for (const name of Object.keys(headers)) if (name.toLowerCase() === lower) return true;
  return false;
}

/**
 * Milliseconds to wait that a Retry-After value asks for (RFC 9110 §10.2.3): a number of seconds,
 * or an HTTP date (in the past: 0). Undefined when absent or unreadable.
 */
export function retryAfterMs(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Only IMF-fixdate and the two obsolete forms look like this; Date.parse reads all three.
  if (!/^[A-Za-z]{3,9},? /.test(text)) return undefined;
  // HTTP dates are always GMT; asctime writes no zone, which Date.parse would read as local time.
  const at = Date.parse(/\b(?:GMT|UTC)\b|[+-]\d{4}$/i.test(text) ? text : `${text} GMT`);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

function describeNetworkError(error: unknown): string {
  const own = error as {
    code?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  const code = own?.code ?? own?.cause?.code;
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "host not found";
  if (code === "ECONNRESET" || code === "UND_ERR_SOCKET") return "the connection was reset";
  if (own?.cause?.message) return own.cause.message;
  return error instanceof Error ? error.message : String(error);
}
