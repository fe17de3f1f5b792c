/**
 * The HTTP request for a step (Arazzo 1.0.1 "Parameter Object", "Request Body Object", "Payload
 * Replacement Object"); the runner supplies the resolver for runtime expressions. Field values are
 * evaluated in request-values.ts; the body is built in request-body.ts.
 *
 * Parameters follow OpenAPI's defaults: path (`simple`): percent-encoded with encodeURIComponent,
 * so `/` becomes %2F and `.`/`..` become %2E (never a dot segment), arrays `a,b`; query (`form`,
 * `explode: true`, URLSearchParams encoding): arrays repeat the key, objects spread their members
 * into keys, null sends `name=`; header: arrays `a,b`, objects as JSON, CR/LF refused; cookie: one
 * `Cookie: a=1; b=2` header, values percent-encoded. Objects inside a path value are JSON.
 */
import { MASK, SluiceError } from "sluice/internal";
import type { ExpressionResolver } from "../expressions/condition.js";
import { quoteForMessage } from "../expressions/expression.js";
import { addBody } from "./request-body.js";
import {
  documentError,
  headerName,
  isPlainObject,
  listText,
  resolveValue,
} from "./request-values.js";

export type ParameterLocation = "path" | "query" | "header" | "cookie";

export interface RequestInput {
  method: string;
  /** The server URL, with any base path and server variables already resolved. */
  serverUrl: string;
  /** The OpenAPI path, e.g. `/pets/{petId}`. */
  pathTemplate: string;
  parameters: Array<{ name: string; in: ParameterLocation; value: unknown }>;
  requestBody?: {
    contentType?: string;
    payload?: unknown;
    replacements?: Array<{ target: string; value: unknown }>;
  };
}

export interface BuiltRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** The payload as a value, for `$request.body`. */
  bodyValue?: unknown;
}

export const SECRET_HEADERS: readonly string[] = [
  "authorization",
  "proxy-authorization",
  "cookie",
  "x-api-key",
];

const LOCATIONS: readonly ParameterLocation[] = ["path", "query", "header", "cookie"];
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/; // RFC 9110 §5.6.2

/** Builds the request; throws SluiceError (invalid-document, invalid-expression, invalid-inputs). */
export function buildRequest(input: RequestInput, resolve: ExpressionResolver): BuiltRequest {
  const method = String(input.method).toUpperCase();
  if (!TOKEN.test(method))
    throw documentError(
      `The HTTP method ${quoteForMessage(String(input.method))} is not a method name; use e.g. get, post, put.`,
      { method: input.method },
    );
  const pathValues = new Map<string, unknown>();
  const query = new URLSearchParams();
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  const seen = new Set<string>();
  for (const parameter of input.parameters) {
    const { name, in: location } = parameter;
    if (typeof name !== "string" || name === "" || !LOCATIONS.includes(location)) {
      throw documentError(
        `A parameter needs a name and "in" (${LOCATIONS.join(", ")}); found name ${quoteForMessage(String(name))}, in ${quoteForMessage(String(location))}.`,
        { name, in: location },
      );
    }
    const key = `${location}:${location === "header" ? name.toLowerCase() : name}`;
    if (seen.has(key))
      throw documentError(
        `The ${location} parameter "${name}" is given twice; a parameter is unique by name and location.`,
        { name, in: location },
      );
    seen.add(key);
    const where = `${location} parameter "${name}"`;
    const value = resolveValue(parameter.value, resolve, where);
    if (location === "path") pathValues.set(name, value);
    else if (value === undefined) continue;
    else if (location === "query") appendQuery(query, name, value);
    else if (location === "header") {
      if (!TOKEN.test(name))
        throw documentError(
          `The header name ${quoteForMessage(name)} is not an HTTP field name (RFC 9110 §5.1).`,
          { name },
        );
      headers[name] = headerText(value, where);
    } else {
      if (!TOKEN.test(name))
        throw documentError(
          `The cookie name ${quoteForMessage(name)} is not a valid cookie name (RFC 6265 §4.1.1).`,
          { name },
        );
      cookies.push(`${name}=${encodeComponent(listText(value))}`);
    }
  }
  if (cookies.length > 0) {
    const existing = headerName(headers, "cookie");
    if (existing === undefined) headers.Cookie = cookies.join("; ");
    else headers[existing] = `${headers[existing]}; ${cookies.join("; ")}`;
  }
  let url = joinUrl(input.serverUrl, substitutePath(input.pathTemplate, pathValues));
  const search = query.toString();
  if (search !== "") url += (url.includes("?") ? "&" : "?") + search;
  try {
    new URL(url);
  } catch {
    throw documentError(
      `The request URL ${quoteForMessage(url)} is not an absolute URL; check the server URL ${quoteForMessage(input.serverUrl)}.`,
      { url },
    );
  }
  const request: BuiltRequest = { url, method, headers };
  if (input.requestBody !== undefined) addBody(request, input.requestBody, resolve);
  return request;
}

/** A copy of the headers with secret values replaced by "***", for logs. */
export function maskHeaders(
  headers: Record<string, string>,
  secretHeaderNames: readonly string[] = SECRET_HEADERS,
): Record<string, string> {
  const secret = new Set(secretHeaderNames.map((name) => name.toLowerCase()));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    out[name] = secret.has(name.toLowerCase()) ? MASK : value;
  return out;
}

function substitutePath(pathTemplate: string, values: Map<string, unknown>): string {
  const used = new Set<string>();
  const path = pathTemplate.replace(/\{([^{}]*)\}/g, (_, name: string) => {
    const value = values.get(name);
    if (value === undefined || value === null) {
      const why = values.has(name)
        ? `its value resolved to ${value === null ? "null" : "nothing"}`
        : `add { name: ${name}, in: path, value: ... } to the step's parameters`;
      throw documentError(
        `The path ${quoteForMessage(pathTemplate)} needs a value for the path parameter "${name}": ${why}.`,
        { parameter: name, path: pathTemplate },
      );
    }
    used.add(name);
    const text = Array.isArray(value)
      ? value.map((item) => encodeComponent(listText(item))).join(",")
      : encodeComponent(listText(value));
    // "." and ".." would be dot segments, which URL parsing removes (RFC 3986 §5.2.4).
    return text === "." || text === ".." ? text.replaceAll(".", "%2E") : text;
  });
  for (const name of values.keys()) {
    if (!used.has(name))
      throw documentError(
        `The path parameter "${name}" does not appear in the path ${quoteForMessage(pathTemplate)}; its placeholders are ${placeholders(pathTemplate)}.`,
        { parameter: name, path: pathTemplate },
      );
  }
  return path;
}

function placeholders(pathTemplate: string): string {
  const names = [...pathTemplate.matchAll(/\{([^{}]*)\}/g)].map((match) => `{${match[1]}}`);
  return names.length === 0 ? "none" : names.join(", ");
}

function joinUrl(serverUrl: string, path: string): string {
  if (path === "") return serverUrl;
  return serverUrl.replace(/\/+$/, "") + (path.startsWith("/") ? path : `/${path}`);
}

function appendQuery(query: URLSearchParams, name: string, value: unknown): void {
  if (Array.isArray(value)) for (const item of value) query.append(name, listText(item));
  else if (isPlainObject(value))
    for (const [key, item] of Object.entries(value)) appendQuery(query, key, item);
  else query.append(name, listText(value));
}

function headerText(value: unknown, where: string): string {
  const text = Array.isArray(value) ? value.map(listText).join(",") : listText(value);
  // RFC 9110 §5.5: visible ASCII, spaces, tabs and obs-text (fetch also refuses anything above U+00FF).
  const bad = /[^\t\x20-\x7e\x80-\xff]/.exec(text);
  if (bad !== null) {
    const what =
      bad[0] === "\r" || bad[0] === "\n"
        ? "a line break"
        : `the character U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
    throw new SluiceError(
      "invalid-inputs",
      `The ${where} has ${what} in its value, which an HTTP header cannot carry; encode the value first.`,
      { details: { where } },
    );
  }
  return text;
}

/** encodeURIComponent, with lone surrogates (which it throws on) as U+FFFD, as URLSearchParams does. */
function encodeComponent(text: string): string {
  return encodeURIComponent(
    text.replace(
      /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
      "\ufffd",
    ),
  );
}
