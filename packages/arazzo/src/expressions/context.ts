/**
 * What runtime expressions read while a workflow runs (1.0.1 "Runtime Expressions"), and the
 * ExpressionResolver over it. One EvaluationScope per step execution: the runner fills in the
 * request and response as they happen, criteria and outputs read them through `resolverFor`.
 *
 * - `$url`, `$method` (upper case, as sent), `$statusCode` (a number);
 * - `$request.header.X` / `$response.header.X`: case-insensitive names (RFC 9110 §5.1); a field
 *   sent or received several times reads as its values joined by ", " ("single header values only");
 * - `$request.query.x`, `$request.path.x`: the parameter values the step sent (before encoding);
 * - `$request.body#/ptr`: the payload value as built (before serialization);
 * - `$response.body#/ptr`: the body read as JSON when JSON, else its text (a pointer into text finds nothing);
 * - `$inputs.x#/ptr`, `$outputs.x#/ptr` (in a workflowId step: the called workflow's outputs),
 *   `$steps.X.outputs.Y#/ptr`, `$workflows.X.inputs|outputs.Y#/ptr` (workflows of the same
 *   document that ran in this run, the current one included);
 * - `$sourceDescriptions.X.url` is the location the source was loaded from (after --source-url);
 *   `.name` and `.type` read its fields; anything else (an operationId or workflowId) is no value;
 * - `$components.T.x` is that component object of the document.
 * An expression that finds nothing is "missing" (`found: false`): criteria treat it as null.
 */
import type { ExpressionResolver } from "./condition.js";
import type { RuntimeExpression } from "./expression.js";
import { resolvePointer } from "./json-pointer.js";
import { parseTemplate, type Template } from "./template.js";

export interface RequestFacts {
  url: string;
  method: string;
  /** Header fields as sent. */
  headers: Record<string, string>;
  query: Record<string, unknown>;
  path: Record<string, unknown>;
  /** The payload value as built, when the step sends a body. */
  body?: unknown;
  hasBody: boolean;
}

export interface ResponseFacts {
  status: number;
  headers: { get(name: string): string | null };
  body: unknown;
}

/** What expressions of one Arazzo document can see beyond the current workflow. */
export interface DocumentScope {
  value: Record<string, unknown>;
  /** Source description name → its object and the location it was loaded from. */
  sources: Map<string, { entry: Record<string, unknown>; url?: string }>;
  /** Workflows of this document that have started in this run: their inputs, and outputs once finished. */
  workflows: Map<string, { inputs: Record<string, unknown>; outputs?: Record<string, unknown> }>;
}

export interface EvaluationScope {
  doc: DocumentScope;
  inputs: Record<string, unknown>;
  /** Outputs of the current workflow's steps so far, by stepId. */
  steps: Record<string, Record<string, unknown>>;
  request?: RequestFacts;
  response?: ResponseFacts;
  /** In a step that calls a workflow: that workflow's outputs (what `$outputs.x` names there). */
  outputs?: Record<string, unknown>;
}

type Lookup = { found: boolean; value?: unknown };
const MISSING: Lookup = Object.freeze({ found: false });

/** The resolver criteria, outputs and parameters are evaluated with; it reads `scope` when called. */
export function resolverFor(scope: EvaluationScope): ExpressionResolver {
  return (expression) => resolveExpression(expression, scope);
}

export function resolveExpression(expression: RuntimeExpression, scope: EvaluationScope): Lookup {
  switch (expression.kind) {
    case "url":
      return scope.request ? { found: true, value: scope.request.url } : MISSING;
    case "method":
      return scope.request ? { found: true, value: scope.request.method } : MISSING;
    case "statusCode":
      return scope.response ? { found: true, value: scope.response.status } : MISSING;
    case "request": {
      const request = scope.request;
      if (!request) return MISSING;
      const source = expression.source;
      switch (source.type) {
        case "header":
          return headerOf(request.headers, source.name);
        case "query":
          return own(request.query, source.name);
        case "path":
          return own(request.path, source.name);
        case "body":
          if (!request.hasBody) return MISSING;
          return at(request.body, source.pointer);
      }
      return MISSING;
    }
    case "response": {
      const response = scope.response;
      if (!response) return MISSING;
      const source = expression.source;
      if (source.type === "header") {
        const value = response.headers.get(source.name);
        return value === null ? MISSING : { found: true, value };
      }
      if (source.type === "body")
        return response.body === undefined ? MISSING : at(response.body, source.pointer);
      return MISSING; // a response has no query or path
    }
    case "inputs":
      return within(scope.inputs, expression.name, expression.pointer);
    case "outputs":
      return scope.outputs ? within(scope.outputs, expression.name, expression.pointer) : MISSING;
    case "steps": {
      const outputs = scope.steps[expression.stepId];
      return outputs === undefined || !Object.hasOwn(scope.steps, expression.stepId)
        ? MISSING
        : within(outputs, expression.name, expression.pointer);
    }
    case "workflows": {
      const workflow = scope.doc.workflows.get(expression.workflowId);
      const values =
        workflow === undefined
          ? undefined
          : expression.field === "inputs"
            ? workflow.inputs
            : workflow.outputs;
      return values === undefined ? MISSING : within(values, expression.name, expression.pointer);
    }
    case "sourceDescriptions": {
      const source = scope.doc.sources.get(expression.name);
      if (!source) return MISSING;
      if (expression.reference === "url")
        return source.url !== undefined
          ? { found: true, value: source.url }
          : own(source.entry, "url");
      if (expression.reference === "name" || expression.reference === "type")
        return own(source.entry, expression.reference);
      return MISSING;
    }
    case "components": {
      const components = scope.doc.value.components;
      if (!isRecord(components)) return MISSING;
      const group = components[expression.type];
      return isRecord(group) ? own(group, expression.name) : MISSING;
    }
  }
}

function own(record: Record<string, unknown>, name: string): Lookup {
  return Object.hasOwn(record, name) ? { found: true, value: record[name] } : MISSING;
}

function within(
  record: Record<string, unknown>,
  name: string,
  pointer: readonly string[] | undefined,
): Lookup {
  if (!Object.hasOwn(record, name)) return MISSING;
  const value = record[name];
  return pointer === undefined ? { found: true, value } : at(value, pointer);
}

function at(value: unknown, pointer: readonly string[] | undefined): Lookup {
  if (pointer === undefined || pointer.length === 0) return { found: true, value };
  return resolvePointer(value, pointer);
}

function headerOf(headers: Record<string, string>, name: string): Lookup {
  if (Object.hasOwn(headers, name)) return { found: true, value: headers[name] };
  const lower = name.toLowerCase();
  const values: string[] = [];
  for (const key of Object.keys(headers))
    if (key.toLowerCase() === lower) values.push(headers[key]!);
  return values.length === 0 ? MISSING : { found: true, value: values.join(", ") };
}

// ---- values with expressions ------------------------------------------------------------------

const templates = new Map<string, Template>();

/** The template of a field value, parsed once per process (poll loops evaluate the same values again and again). */
export function templateOf(text: string): Template {
  let template = templates.get(text);
  if (template === undefined) {
    template = parseTemplate(text);
    templates.set(text, template);
  }
  return template;
}

/**
 * Evaluates a field value that may hold runtime expressions: a string that is one expression keeps
 * the referenced value's type; `{$...}` inside a string are replaced by their text; objects and
 * arrays are evaluated member by member (a member that finds nothing is left out). `found: false`
 * when the value (or a part of an interpolated string) cannot be resolved.
 */
export function evaluateValue(raw: unknown, resolve: ExpressionResolver): Lookup {
  if (typeof raw === "string") {
    const template = templateOf(raw);
    if (template.kind === "literal") return { found: true, value: template.text };
    if (template.kind === "expression") {
      const found = resolve(template.expression);
      return found.found && found.value !== undefined ? found : MISSING;
    }
    let text = "";
    for (const part of template.parts) {
      if (part.kind === "literal") {
        text += part.text;
        continue;
      }
      const found = resolve(part.expression);
      if (!found.found || found.value === undefined) return MISSING;
      text += textOf(found.value);
    }
    return { found: true, value: text };
  }
  if (Array.isArray(raw)) {
    const out: unknown[] = [];
    for (const item of raw) {
      const found = evaluateValue(item, resolve);
      out.push(found.found ? found.value : null);
    }
    return { found: true, value: out };
  }
  if (isRecord(raw)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(raw)) {
      const found = evaluateValue(item, resolve);
      if (found.found) out[key] = found.value;
    }
    return { found: true, value: out };
  }
  return { found: true, value: raw };
}

/** How an embedded value reads inside a string: strings as they are, everything else as JSON. */
export function textOf(value: unknown): string {
  if (typeof value === "string") return value;
  if (
    value === null ||
    typeof value === "number" ||
    typeof value === "boolean" ||
    typeof value === "bigint"
  )
    return String(value);
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return String(value);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
