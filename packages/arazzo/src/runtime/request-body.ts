/**
 * The body of a step's request (Arazzo 1.0.1 "Request Body Object", "Payload Replacement Object").
 *
 * A string payload is text with `{$...}` substituted (JSON templates as written; values are
 * form-encoded in x-www-form-urlencoded text and XML-escaped in XML text, so they stay data); a
 * payload that is one expression is data. Replacements: JSON Pointer (RFC 6901) targets in object,
 * array or JSON-text payloads set an existing location, a new member of an existing object, or
 * append at `-` (nothing else is created); XPath 1.0 targets in XML payloads set the text of the
 * selected elements, attributes or text nodes (request-xml.ts). Serialization: JSON types
 * (`application/json`, `+json`) and data without a content type → JSON (Content-Type
 * `application/json` added); `application/x-www-form-urlencoded` objects → URLSearchParams; text as
 * it is; bytes as they are.
 * Content-Type comes from `contentType` unless a header parameter sets it. `bodyValue` (for
 * `$request.body`) is the structured payload: JSON text and form text parsed back.
 */
import { SluiceError } from "sluice/internal";
import type { ExpressionResolver } from "../expressions/condition.js";
import { quoteForMessage } from "../expressions/expression.js";
import { parsePointer } from "../expressions/json-pointer.js";
import type { BuiltRequest, RequestInput } from "./request.js";
import {
  documentError,
  evaluateTemplate,
  headerName,
  isPlainObject,
  listText,
  replacementValue,
  required,
  resolveValue,
  setOwn,
  template,
} from "./request-values.js";
import { replaceInXml } from "./request-xml.js";

type Media = "json" | "form" | "xml" | "text" | "other" | undefined;

function mediaOf(contentType: string | undefined): Media {
  if (contentType === undefined) return undefined;
  const essence = contentType.split(";")[0]!.trim().toLowerCase();
  if (essence === "application/json" || essence.endsWith("+json")) return "json";
  if (essence === "application/x-www-form-urlencoded") return "form";
  if (essence.endsWith("/xml") || essence.endsWith("+xml")) return "xml";
  return essence.startsWith("text/") ? "text" : "other";
}

export function addBody(
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

function formEncode(text: string): string {
  return new URLSearchParams([["", text]]).toString().slice(1);
}

function xmlEscape(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[ch]!,
  );
}

function cloneJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cloneJson);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) setOwn(out, key, cloneJson(item));
  return out;
}
