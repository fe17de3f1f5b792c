/**
 * Structure checks of the data a workflow takes, sends and computes: inputs (a JSON Schema), the Request
 * Body Object with its Payload Replacement Objects, and outputs (of a workflow or a step).
 */
import { closest } from "sluice/internal";
import type { DocPath } from "./diagnostics.js";
import * as f from "./structure-fields.js";
import type { Obj, StructureContext } from "./structure-fields.js";

const REQUEST_BODY_FIELDS = ["contentType", "payload", "replacements"];
const REPLACEMENT_FIELDS = ["target", "value"];
const SCHEMA_TYPES = ["null", "boolean", "object", "array", "number", "string", "integer"];

export function requestBody(
  c: StructureContext,
  path: DocPath,
  value: unknown,
  owner: string,
): void {
  const what = `${owner}: requestBody`;
  const body = f.object(c, path, value, what);
  if (!body) return;
  f.fields(c, path, body, REQUEST_BODY_FIELDS, what);
  const contentType = f.string(c, path, body, "contentType", what);
  if (contentType !== undefined && !/^[\w.+-]+\/[\w.+*-]+/.test(contentType))
    f.report(
      c,
      [...path, "contentType"],
      `${what}: contentType "${contentType}" is not a media type`,
      "e.g. application/json",
    );
  f.list(c, path, body, "replacements", what)?.forEach((entry, i) => {
    const p = [...path, "replacements", i];
    const label = `${what}: replacements[${i}]`;
    const r = f.object(c, p, entry, label);
    if (!r) return;
    f.fields(c, p, r, REPLACEMENT_FIELDS, label);
    if (
      f.required(
        c,
        p,
        r,
        "target",
        label,
        "add target: a JSON pointer such as /petId (or an XPath for XML)",
      )
    )
      f.string(c, p, r, "target", label);
    if (!("value" in r))
      f.report(
        c,
        p,
        `${label} is missing the required field 'value'`,
        "add value: a constant or a runtime expression",
      );
  });
}

/** The `outputs` map of `obj` (a workflow or a step): names that expressions can address, each a runtime expression. */
export function outputs(c: StructureContext, path: DocPath, obj: Obj, what: string): void {
  if (obj.outputs === undefined) return;
  const outputs = f.object(c, [...path, "outputs"], obj.outputs, `${what}: outputs`);
  if (!outputs) return;
  for (const [key, value] of Object.entries(outputs)) {
    const p = [...path, "outputs", key];
    if (!f.KEY.test(key))
      f.report(
        c,
        p,
        `${what}: output name "${key}" may contain only letters, digits, '.', '-' and '_'`,
        `rename it, e.g. "${key.replace(/[^a-zA-Z0-9.\-_]+/g, "_")}"`,
        "key",
      );
    if (typeof value !== "string")
      f.report(
        c,
        p,
        `${what}: output "${key}" must be a runtime expression string, found ${f.kindOf(value)}`,
        "e.g. $response.body#/id or $steps.<stepId>.outputs.<name>",
      );
    else if (!value.includes("$"))
      f.report(
        c,
        p,
        `${what}: output "${key}" is "${value}", not a runtime expression`,
        "outputs are computed: write e.g. $response.body#/id, $statusCode or $steps.<stepId>.outputs.<name>",
      );
  }
}

/** A JSON Schema 2020-12 (inputs): an object or a boolean, with the few keywords whose shape is cheap to check. */
export function schema(
  c: StructureContext,
  path: DocPath,
  value: unknown,
  what: string,
  depth = 0,
): void {
  if (typeof value === "boolean" || depth > 64) return;
  const obj = f.object(c, path, value, `${what} (a JSON Schema)`);
  if (!obj) return;
  const type = obj.type;
  if (
    type !== undefined &&
    !(typeof type === "string"
      ? SCHEMA_TYPES.includes(type)
      : Array.isArray(type) && type.every((t) => typeof t === "string" && SCHEMA_TYPES.includes(t)))
  ) {
    const near = typeof type === "string" ? closest(type, SCHEMA_TYPES) : undefined;
    f.report(
      c,
      [...path, "type"],
      `${what}: JSON Schema type ${JSON.stringify(type)} is not one of ${SCHEMA_TYPES.join(", ")}`,
      near
        ? `did you mean '${near}'?`
        : "use one of the JSON Schema types listed (text is 'string')",
    );
  }
  if (
    obj.required !== undefined &&
    !(Array.isArray(obj.required) && obj.required.every((r) => typeof r === "string"))
  ) {
    f.report(
      c,
      [...path, "required"],
      `${what}: JSON Schema 'required' must be a list of property names`,
      "e.g. required: [scenarioId]",
    );
  }
  if (obj.$ref !== undefined && typeof obj.$ref !== "string")
    f.report(
      c,
      [...path, "$ref"],
      `${what}: $ref must be a string`,
      "e.g. $ref: '#/components/inputs/pagination'",
    );
  if (obj.properties !== undefined) {
    const props = f.object(c, [...path, "properties"], obj.properties, `${what}: properties`);
    for (const [k, v] of Object.entries(props ?? {}))
      schema(c, [...path, "properties", k], v, `${what}: property "${k}"`, depth + 1);
  }
  if (obj.items !== undefined)
    schema(c, [...path, "items"], obj.items, `${what}: items`, depth + 1);
}
