/**
 * The values a workflow or step sends and computes, each checked as runtime expressions: parameters
 * (or the parameter components they reference), request bodies with their replacements, and outputs.
 */
import { SluiceError } from "sluice/internal";
import type { DocPath } from "./diagnostics.js";
import { parsePointer } from "../expressions/json-pointer.js";
import { component, usedIn } from "./reference-components.js";
import { value } from "./reference-expressions.js";
import { isObj, list, type Obj, type Scope } from "./reference-model.js";
import { MAX_DEPTH, messageOf, report, type ReferenceContext } from "./reference-report.js";

export function parameters(
  c: ReferenceContext,
  scope: Scope,
  path: DocPath,
  params: unknown,
  where: string,
): void {
  list(params).forEach((p, i) => {
    if (!isObj(p)) return;
    const at = [...path, i];
    if (!("reference" in p)) {
      value(c, scope, [...at, "value"], p.value, `${where}: parameter "${String(p.name)}"`);
      return;
    }
    const used = component(
      c,
      scope.doc,
      [...at, "reference"],
      p.reference,
      "parameters",
      `${where}: parameters[${i}]`,
    );
    const label = `${where}: parameter ${String(p.reference)}`;
    // A Reusable Object's own value overrides the component's; else the component's value, in this scope.
    if ("value" in p) value(c, scope, [...at, "value"], p.value, label);
    else if (used && isObj(used.value))
      value(
        c,
        { ...scope, syntax: false },
        [...used.path, "value"],
        used.value.value,
        usedIn(used.path, scope),
      );
  });
}

export function requestBody(
  c: ReferenceContext,
  scope: Scope,
  path: DocPath,
  body: Obj,
  where: string,
): void {
  const what = `${where}: requestBody`;
  deep(c, scope, [...path, "payload"], body.payload, `${what} payload`, 0);
  const xml =
    typeof body.contentType === "string"
      ? /xml/i.test(body.contentType)
      : typeof body.payload === "string" && body.payload.trimStart().startsWith("<");
  // Replacements apply to an object or array payload, or to JSON or XML text; not to other text.
  const contentType = typeof body.contentType === "string" ? body.contentType : undefined;
  if (
    list(body.replacements).length > 0 &&
    scope.syntax &&
    typeof body.payload === "string" &&
    contentType !== undefined &&
    !xml &&
    !/json/i.test(contentType)
  ) {
    report(c, scope.doc, [...path, "replacements"], {
      message: `${what}: replacements need a JSON or XML payload, and this text payload has contentType ${contentType}`,
      hint: "write the value into the payload with {$...} instead, or use a JSON or XML contentType",
    });
  }
  list(body.replacements).forEach((r, i) => {
    if (!isObj(r)) return;
    const at = [...path, "replacements", i];
    if (typeof r.target === "string" && !xml && scope.syntax) {
      try {
        parsePointer(r.target);
      } catch (error) {
        const offset =
          SluiceError.is(error) && typeof error.details?.offset === "number"
            ? error.details.offset
            : 0;
        report(
          c,
          scope.doc,
          [...at, "target"],
          {
            message: `${what}: replacements[${i}] target is not a JSON pointer: ${messageOf(error)}`,
            hint: "a target is a JSON pointer into the payload, such as /pet/id (an XPath only with an XML contentType)",
          },
          r.target,
          offset,
        );
      }
    }
    value(c, scope, [...at, "value"], r.value, `${what}: replacements[${i}] value`);
  });
}

/** Every string anywhere in a payload is a value that may hold expressions. */
function deep(
  c: ReferenceContext,
  scope: Scope,
  path: DocPath,
  payload: unknown,
  what: string,
  depth: number,
): void {
  if (depth > MAX_DEPTH) return;
  if (typeof payload === "string") value(c, scope, path, payload, what);
  else if (Array.isArray(payload))
    payload.forEach((v, i) => deep(c, scope, [...path, i], v, what, depth + 1));
  else if (isObj(payload))
    for (const [k, v] of Object.entries(payload)) deep(c, scope, [...path, k], v, what, depth + 1);
}

export function outputs(
  c: ReferenceContext,
  scope: Scope,
  path: DocPath,
  outputs: unknown,
  where: string,
): void {
  if (!isObj(outputs)) return;
  for (const [name, expression] of Object.entries(outputs))
    value(c, scope, [...path, name], expression, `${where}: output "${name}"`);
}
