/**
 * The HTTP request for a step (Arazzo 1.0.1 "Parameter Object", "Request Body Object", "Payload
 * Replacement Object"); the runner supplies the resolver for runtime expressions.
 *
 * Values: a string that is one expression keeps the value's type; embedded `{$...}` make a string
 * (objects as JSON); objects and arrays are walked and every string in them evaluated. A whole-value
 * expression that resolves to nothing leaves the parameter out (an object member: dropped); an
 * embedded one is an error, as is a payload or replacement value that resolves to nothing.
 * Parameters follow OpenAPI's defaults: path (`simple`): percent-encoded with encodeURIComponent,
 * so `/` becomes %2F and `.`/`..` become %2E (never a dot segment), arrays `a,b`; query (`form`,
 * `explode: true`, URLSearchParams encoding): arrays repeat the key, objects spread their members
 * into keys, null sends `name=`; header: arrays `a,b`, objects as JSON, CR/LF refused; cookie: one
 * `Cookie: a=1; b=2` header, values percent-encoded. Objects inside a path value are JSON.
 *
 * Body: a string payload is text with `{$...}` substituted (JSON templates as written; values are
 * form-encoded in x-www-form-urlencoded text and XML-escaped in XML text, so they stay data); a
 * payload that is one expression is data. Replacements: JSON Pointer (RFC 6901) targets in object,
 * array or JSON-text payloads set an existing location, a new member of an existing object, or
 * append at `-` (nothing else is created); XPath 1.0 targets in XML payloads set the text of the
 * selected elements, attributes or text nodes. Serialization: JSON types (`application/json`,
 * `+json`) and data without a content type → JSON (Content-Type `application/json` added);
 * `application/x-www-form-urlencoded` objects → URLSearchParams; text as it is; bytes as they are.
 * Content-Type comes from `contentType` unless a header parameter sets it. `bodyValue` (for
 * `$request.body`) is the structured payload: JSON text and form text parsed back.
 */
import { createRequire } from "node:module";
import type { Document, Node } from "@xmldom/xmldom";
import { MASK, SluiceError } from "sluice/internal";
import type { ExpressionResolver } from "../expressions/condition.js";
import {
  expressionToString,
  quoteForMessage,
  type RuntimeExpression,
} from "../expressions/expression.js";
import { parsePointer } from "../expressions/json-pointer.js";
import { parseTemplate, type Template } from "../expressions/template.js";

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
const MAX_DEPTH = 200;

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

/**
 * Evaluates a field value: strings as templates (one expression keeps its type, undefined when it
 * resolves to nothing), objects and arrays deeply; anything else as it is.
 */
export function resolveValue(
  value: unknown,
  resolve: ExpressionResolver,
  where: string,
  depth = 0,
): unknown {
  if (typeof value === "string") return evaluateTemplate(template(value, where), resolve, where);
  if (depth > MAX_DEPTH)
    throw documentError(`${where} nests deeper than ${MAX_DEPTH} levels.`, { where });
  if (Array.isArray(value))
    return value.map((item) => resolveValue(item, resolve, where, depth + 1));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const resolved = resolveValue(item, resolve, where, depth + 1);
    if (resolved !== undefined) setOwn(out, key, resolved);
  }
  return out;
}

// Templates are parsed once per distinct string (steps run many times: retries, loops).
const TEMPLATES = new Map<string, Template>();

function template(text: string, where: string): Template {
  let parsed = TEMPLATES.get(text);
  if (parsed === undefined) {
    try {
      parsed = parseTemplate(text);
    } catch (error) {
      if (!SluiceError.is(error)) throw error;
      throw new SluiceError(error.code, `In the ${where}: ${error.message}`, {
        details: { ...error.details, where },
      });
    }
    if (TEMPLATES.size >= 4096) TEMPLATES.clear();
    TEMPLATES.set(text, parsed);
  }
  return parsed;
}

function evaluateTemplate(
  parsed: Template,
  resolve: ExpressionResolver,
  where: string,
  encode: (text: string) => string = (text) => text,
): unknown {
  if (parsed.kind === "literal") return parsed.text;
  if (parsed.kind === "expression") {
    const result = resolve(parsed.expression);
    return result.found ? result.value : undefined;
  }
  let out = "";
  for (const part of parsed.parts)
    out +=
      part.kind === "literal"
        ? part.text
        : encode(embeddedText(required(part.expression, resolve, where, true)));
  return out;
}

function required(
  expression: RuntimeExpression,
  resolve: ExpressionResolver,
  where: string,
  embedded: boolean,
): unknown {
  const result = resolve(expression);
  if (result.found && result.value !== undefined) return result.value;
  const text = embedded ? `{${expressionToString(expression)}}` : expressionToString(expression);
  const fix = expression.kind === "inputs" ? ` Give the workflow input "${expression.name}".` : "";
  throw new SluiceError(
    expression.kind === "inputs" ? "invalid-inputs" : "invalid-expression",
    `${text} in the ${where} has no value.${fix}`,
    { details: { expression: expressionToString(expression), where } },
  );
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

function headerName(headers: Record<string, string>, lower: string): string | undefined {
  return Object.keys(headers).find((name) => name.toLowerCase() === lower);
}

/** One item's text in a parameter: null is empty, objects are JSON. */
function listText(value: unknown): string {
  return value === null || value === undefined ? "" : embeddedText(value);
}

/** A value's text inside a string: objects and arrays as JSON, bytes as UTF-8. */
function embeddedText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  if (typeof value === "object" && value !== null) return JSON.stringify(value);
  return String(value);
}

// Request body

type Media = "json" | "form" | "xml" | "text" | "other" | undefined;

function mediaOf(contentType: string | undefined): Media {
  if (contentType === undefined) return undefined;
  const essence = contentType.split(";")[0]!.trim().toLowerCase();
  if (essence === "application/json" || essence.endsWith("+json")) return "json";
  if (essence === "application/x-www-form-urlencoded") return "form";
  if (essence.endsWith("/xml") || essence.endsWith("+xml")) return "xml";
  return essence.startsWith("text/") ? "text" : "other";
}

function addBody(
  request: BuiltRequest,
  body: NonNullable<RequestInput["requestBody"]>,
  resolve: ExpressionResolver,
): void {
  const contentType =
    typeof body.contentType === "string" && body.contentType.trim() !== ""
      ? body.contentType.trim()
      : undefined;
  const media = mediaOf(contentType);
  const replacements = body.replacements ?? [];
  if (body.payload === undefined) {
    if (replacements.length > 0)
      throw documentError(
        `The request body has replacements but no payload to apply them to; add a payload.`,
        {},
      );
    return;
  }
  // Text (a string payload) is sent as written; data (anything else) is serialized.
  let value: unknown;
  let text = false;
  if (typeof body.payload === "string") {
    const parsed = template(body.payload, "request body payload");
    if (parsed.kind === "expression")
      value = required(parsed.expression, resolve, "request body payload", false);
    else {
      const encode = media === "form" ? formEncode : media === "xml" ? xmlEscape : undefined;
      value = evaluateTemplate(parsed, resolve, "request body payload", encode);
      text = true;
    }
  } else {
    value = resolveValue(body.payload, resolve, "request body payload");
  }
  if (replacements.length > 0) {
    if (typeof value === "string" && media === "xml")
      value = replaceInXml(value, replacements, resolve);
    else {
      if (typeof value === "string" && media === "json") value = parseJsonPayload(value);
      else if (typeof value !== "object" || value === null || value instanceof Uint8Array) {
        throw documentError(
          `Replacements need an object or array payload, or a JSON or XML text payload with that contentType; this payload is ${typeof value === "string" ? `text of type ${contentType ?? "(none)"}` : "a scalar"}.`,
          {},
        );
      }
      value = cloneJson(value);
      replacements.forEach((replacement, index) => {
        const where = `request body replacement ${index} (target ${quoteForMessage(String(replacement.target))})`;
        value = replaceAtPointer(
          value,
          replacement.target,
          replacementValue(replacement.value, resolve, where),
          where,
        );
      });
      text = false;
    }
  }
  serializeBody(request, value, text, media, contentType);
}

function replacementValue(raw: unknown, resolve: ExpressionResolver, where: string): unknown {
  if (typeof raw === "string") {
    const parsed = template(raw, where);
    if (parsed.kind === "expression") return required(parsed.expression, resolve, where, false);
  }
  return resolveValue(raw, resolve, where);
}

function serializeBody(
  request: BuiltRequest,
  value: unknown,
  text: boolean,
  media: Media,
  contentType: string | undefined,
): void {
  let body: string | Uint8Array;
  let type = contentType;
  if (value instanceof Uint8Array) body = value;
  else if (typeof value === "string" && (text || media !== "json")) body = value;
  else if (media === "json" || media === undefined) {
    body = JSON.stringify(value);
    type ??= "application/json";
  } else if (media === "form" && isPlainObject(value)) {
    const form = new URLSearchParams();
    for (const [key, item] of Object.entries(value)) {
      if (Array.isArray(item)) for (const entry of item) form.append(key, listText(entry));
      else if (item !== undefined) form.append(key, listText(item));
    }
    body = form.toString();
  } else if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    body = String(value);
  } else {
    const kind = Array.isArray(value) ? "an array" : value === null ? "null" : "an object";
    throw documentError(
      `Cannot send ${kind} payload as ${contentType}: only JSON and form content types serialize data; give this payload as a string.`,
      { contentType },
    );
  }
  request.body = body;
  request.bodyValue = bodyValue(body, value, media);
  if (type !== undefined && headerName(request.headers, "content-type") === undefined)
    request.headers["Content-Type"] = type;
}

function bodyValue(body: string | Uint8Array, value: unknown, media: Media): unknown {
  if (typeof value !== "string" || typeof body !== "string") return value;
  if (media === "json") {
    try {
      return JSON.parse(body) as unknown;
    } catch {
      return body;
    }
  }
  return media === "form" ? Object.fromEntries(new URLSearchParams(body)) : body;
}

function parseJsonPayload(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw documentError(
      `Replacements need the JSON payload to parse, after its {$...} values are filled in: ${(error as Error).message}.`,
      {},
    );
  }
}

/** Sets `value` at an RFC 6901 pointer: an existing location, a new member of an existing object, or `-`. */
function replaceAtPointer(root: unknown, target: unknown, value: unknown, where: string): unknown {
  if (typeof target !== "string")
    throw documentError(`The ${where} needs a target: a JSON Pointer such as /petId.`, { target });
  let tokens: string[];
  try {
    tokens = parsePointer(target);
  } catch (error) {
    throw new SluiceError("invalid-expression", `In the ${where}: ${(error as Error).message}`, {
      details: { target },
    });
  }
  if (tokens.length === 0) return value;
  let parent = root;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const last = i === tokens.length - 1;
    const missing = (): never => {
      throw documentError(
        `The ${where} points at nothing: the payload has no ${quoteForMessage(`/${tokens.slice(0, i + 1).join("/")}`)}. A replacement sets an existing location, a new member of an existing object, or "-" to append to an array; it creates no intermediate objects.`,
        { target },
      );
    };
    if (Array.isArray(parent)) {
      if (last && token === "-") parent.push(value);
      else if (/^(?:0|[1-9][0-9]*)$/.test(token) && Number(token) < parent.length) {
        if (last) parent[Number(token)] = value;
        else parent = parent[Number(token)];
      } else missing();
    } else if (isPlainObject(parent)) {
      if (last) setOwn(parent, token, value);
      else if (Object.prototype.hasOwnProperty.call(parent, token)) parent = parent[token];
      else missing();
    } else missing();
  }
  return root;
}

// XML payloads: xpath and xmldom are loaded through require, on first use (together about 50 ms to
// load, which a run without XML payloads should not pay), and so xpath's typings (which add the DOM lib) stay out.
interface XPathModule {
  parse(expression: string): { select(options: { node: unknown }): Node[] };
}
let xml: { xpath: XPathModule; dom: typeof import("@xmldom/xmldom") } | undefined;
function xmlModules(): NonNullable<typeof xml> {
  const require = createRequire(import.meta.url);
  return (xml ??= {
    xpath: require("xpath") as XPathModule,
    dom: require("@xmldom/xmldom") as typeof import("@xmldom/xmldom"),
  });
}

function replaceInXml(
  text: string,
  replacements: NonNullable<NonNullable<RequestInput["requestBody"]>["replacements"]>,
  resolve: ExpressionResolver,
): string {
  const { xpath, dom } = xmlModules();
  let document: Document;
  try {
    document = new dom.DOMParser({
      onError: (level, message) => {
        if (level !== "warning") throw new Error(message);
      },
    }).parseFromString(text, "text/xml");
  } catch (error) {
    throw documentError(
      `Replacements need the XML payload to parse, after its {$...} values are filled in: ${(error as Error).message}.`,
      {},
    );
  }
  replacements.forEach((replacement, index) => {
    const where = `request body replacement ${index} (target ${quoteForMessage(String(replacement.target))})`;
    if (typeof replacement.target !== "string")
      throw documentError(`The ${where} needs a target: an XPath such as /order/petId.`, {});
    let nodes: Node[];
    try {
      nodes = xpath.parse(replacement.target).select({ node: document });
    } catch (error) {
      throw new SluiceError(
        "invalid-expression",
        `The ${where} is not an XPath 1.0 expression that selects nodes: ${(error as Error).message}.`,
        { details: { target: replacement.target } },
      );
    }
    if (nodes.length === 0)
      throw documentError(`The ${where} selects nothing in the XML payload.`, {
        target: replacement.target,
      });
    const text = embeddedText(replacementValue(replacement.value, resolve, where));
    for (const node of nodes) {
      if (node.nodeType === 1) {
        while (node.firstChild !== null) node.removeChild(node.firstChild);
        node.appendChild(document.createTextNode(text));
      } else if (node.nodeType === 2) {
        Object.assign(node, { value: text, nodeValue: text }); // an attribute
      } else if (node.nodeType === 3 || node.nodeType === 4) {
        Object.assign(node, { data: text, nodeValue: text }); // text or CDATA
      } else {
        throw documentError(
          `The ${where} selects a ${node.nodeName} node; select elements, attributes or text.`,
          { target: replacement.target },
        );
      }
    }
  });
  return new dom.XMLSerializer().serializeToString(document);
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

function formEncode(text: string): string {
  return new URLSearchParams([["", text]]).toString().slice(1);
}

function xmlEscape(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[ch]!,
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** Own property even for "__proto__" (payloads come from YAML and JSON). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function cloneJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cloneJson);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) setOwn(out, key, cloneJson(item));
  return out;
}

function documentError(message: string, details: Record<string, unknown>): SluiceError {
  return new SluiceError("invalid-document", message, { details });
}
