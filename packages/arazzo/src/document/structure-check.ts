/**
 * The schema-level rules of an Arazzo 1.0.x document (versions/1.0.1.md, section "Schema"), hand-written so
 * each problem names the field, the object it is in and how to fix it, at the exact line and column.
 * Cross-references (goto targets, component and source names, operations) are checked elsewhere.
 */
import { closest } from "sluice/internal";
import { pointerOf, type Diagnostic, type DocPath } from "./diagnostics.js";
import type { LoadedDocument } from "./load.js";
import type { PositionPart } from "./source-map.js";

type Obj = Record<string, unknown>;
/** An item that must be unique in its list: its identity, how to name it, and where it is. */
type Keyed = { key: string | undefined; label: string; path: DocPath };
type ActionKind = "success" | "failure";
/** Who a parameter list belongs to; decides whether `in` is required. */
type ParamOwner = "operation-step" | "workflow-step" | "workflow" | "component";

// Patterns from the spec: names (Source Description "name", workflowId, stepId: "SHOULD conform", enforced
// because runtime expressions like $steps.<id>.outputs cannot address other ids) and map keys.
const NAME = /^[A-Za-z0-9_\-]+$/;
const KEY = /^[a-zA-Z0-9.\-_]+$/;
const VERSION = /^1\.0\.\d+(-.+)?$/;
const SOURCE_REF = /^\$sourceDescriptions\.[A-Za-z0-9_\-]+\.[^.\s].*$/;
const OPERATION_PATH = /^\{\$sourceDescriptions\.[A-Za-z0-9_\-]+\.url\}#\/\S*$/;
const SCHEMA_TYPES = ["null", "boolean", "object", "array", "number", "string", "integer"];

const FIELDS = {
  root: ["arazzo", "info", "sourceDescriptions", "workflows", "components"],
  info: ["title", "summary", "description", "version"],
  source: ["name", "url", "type"],
  workflow: ["workflowId", "summary", "description", "inputs", "dependsOn", "steps", "successActions", "failureActions", "outputs", "parameters"],
  step: ["description", "stepId", "operationId", "operationPath", "workflowId", "parameters", "requestBody", "successCriteria", "onSuccess", "onFailure", "outputs"],
  parameter: ["name", "in", "value"],
  success: ["name", "type", "workflowId", "stepId", "criteria"],
  failure: ["name", "type", "workflowId", "stepId", "retryAfter", "retryLimit", "criteria"],
  criterion: ["context", "condition", "type"],
  expressionType: ["type", "version"],
  requestBody: ["contentType", "payload", "replacements"],
  replacement: ["target", "value"],
  components: ["inputs", "parameters", "successActions", "failureActions"],
} as const;

/** Fields people put on the wrong object: a step's onSuccess is a workflow's successActions, and back. */
const MOVED: Record<string, string> = {
  successActions: "onSuccess",
  failureActions: "onFailure",
  onSuccess: "successActions",
  onFailure: "failureActions",
};

/** Every schema-level problem in `doc` (an Arazzo document), in document order. */
export function checkStructure(doc: LoadedDocument): Diagnostic[] {
  const c = new Checker(doc);
  c.root(doc.value);
  return c.out.sort((a, b) => a.line - b.line || a.column - b.column);
}

class Checker {
  readonly out: Diagnostic[] = [];
  constructor(private readonly doc: LoadedDocument) {}

  private report(path: DocPath, message: string, hint?: string, part: PositionPart = "value", severity?: "warning"): void {
    const d: Diagnostic = { file: this.doc.url, ...this.doc.positionOf(path, part), path: pointerOf(path), message };
    if (hint !== undefined) d.hint = hint;
    if (severity) d.severity = severity;
    this.out.push(d);
  }

  // ---- generic field helpers -----------------------------------------------------------------------

  private object(path: DocPath, value: unknown, what: string): Obj | undefined {
    if (isObj(value)) return value;
    this.report(path, `${what} must be an object (a map of fields), found ${kindOf(value)}`, Array.isArray(value) ? "remove the '- ' list markers (or [ ]) and write fields as key: value" : "write it as key: value fields");
    return undefined;
  }

  private fields(path: DocPath, obj: Obj, allowed: readonly string[], what: string, extensions = true, otherwise?: string): void {
    for (const key of Object.keys(obj)) {
      if (allowed.includes(key) || (extensions && key.startsWith("x-"))) continue;
      const moved = Object.keys(MOVED).filter((m) => allowed.includes(MOVED[m]!));
      const near = closest(key, [...allowed, ...moved]) ?? allowed.find((a) => a.toLowerCase() === key.toLowerCase());
      const hint =
        near !== undefined && moved.includes(near)
          ? `'${near}' belongs to ${near.startsWith("on") ? "a step" : "a workflow"}; here it is '${MOVED[near]}'`
          : near !== undefined
            ? `did you mean '${near}'?`
            : otherwise ?? `allowed fields: ${allowed.join(", ")}${extensions ? "; extension fields must start with 'x-'" : ""}`;
      this.report([...path, key], `${what} has no field '${key}'`, hint, "key");
    }
  }

  private required(path: DocPath, obj: Obj, field: string, what: string, hint: string): boolean {
    if (obj[field] !== undefined) return true;
    this.report(path, `${what} is missing the required field '${field}'`, hint);
    return false;
  }

  private string(path: DocPath, obj: Obj, field: string, what: string): string | undefined {
    const value = obj[field];
    if (value === undefined) return undefined;
    if (typeof value === "string") return value;
    const hint = typeof value === "number" || typeof value === "boolean" ? `quote it: ${field}: "${String(value)}"` : "write a string";
    this.report([...path, field], `${what}: '${field}' must be a string, found ${kindOf(value)}`, hint);
    return undefined;
  }

  private name(path: DocPath, obj: Obj, field: string, what: string): string | undefined {
    const value = this.string(path, obj, field, what);
    if (value !== undefined && !NAME.test(value)) {
      // The spec says SHOULD: a warning, not an error (expressions that name it may still fail to parse).
      const rename = `rename it, e.g. "${value.replace(/[^A-Za-z0-9_\-]+/g, "-") || "main"}"`;
      this.report([...path, field], `${what}: ${field} "${value}" should contain only letters, digits, '_' and '-'`, rename, "value", "warning");
    }
    return value;
  }

  private oneOf(path: DocPath, obj: Obj, field: string, what: string, allowed: readonly string[]): string | undefined {
    const value = this.string(path, obj, field, what);
    if (value === undefined || allowed.includes(value)) return value;
    const near = closest(value, allowed);
    this.report([...path, field], `${what}: '${field}' must be one of ${allowed.join(", ")}, found "${value}"`, near ? `did you mean '${near}'?` : `write ${field}: ${allowed[0]}, or another of the values listed`);
    return undefined;
  }

  private list(path: DocPath, obj: Obj, field: string, what: string, min = 0): unknown[] | undefined {
    const value = obj[field];
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) {
      this.report([...path, field], `${what}: '${field}' must be a list, found ${kindOf(value)}`, `write it as a YAML list ("- ...") or JSON array`);
      return undefined;
    }
    if (value.length < min) this.report([...path, field], `${what}: '${field}' must have at least ${min} ${min === 1 ? "entry" : "entries"}`, "add one, or remove the field if it is optional");
    return value;
  }

  /** Reports the second and later items with the same key (`label` names the item in the message). */
  private unique(items: Keyed[], hint: string): void {
    const seen = new Map<string, DocPath>();
    for (const { key, label, path } of items) {
      if (key === undefined) continue;
      const first = seen.get(key);
      if (first === undefined) seen.set(key, path);
      else this.report(path, `${label} appears more than once (first at line ${this.doc.positionOf(first).line})`, hint);
    }
  }

  // ---- objects -------------------------------------------------------------------------------------

  root(value: unknown): void {
    if (!isObj(value)) {
      this.report([], `an Arazzo document must be an object with arazzo, info, sourceDescriptions and workflows; found ${kindOf(value)}`, "start from a document like: arazzo: 1.0.1");
      return;
    }
    if (value.arazzo === undefined && ("openapi" in value || "swagger" in value)) {
      // One clear message instead of a list of "unknown field" ones.
      this.report([], "this is an OpenAPI description, not an Arazzo document (no 'arazzo' field)", "name it in an Arazzo document's sourceDescriptions");
      return;
    }
    this.fields([], value, FIELDS.root, "the Arazzo document");
    if (value.arazzo === undefined) {
      this.report([], "the document is missing the required field 'arazzo'", "add arazzo: 1.0.1 at the top");
    } else {
      if (typeof value.arazzo !== "string") {
        this.report(["arazzo"], `'arazzo' must be a version string such as "1.0.1", found ${kindOf(value.arazzo)}`, "write the full version, arazzo: 1.0.1 (YAML reads 1.0 as a number)");
      }
      const version = typeof value.arazzo === "string" ? value.arazzo : undefined;
      if (version !== undefined && !VERSION.test(version)) {
        this.report(["arazzo"], `arazzo version "${version}" is not supported; sluice reads Arazzo 1.0.x`, "set arazzo: 1.0.1");
      }
    }
    if (this.required([], value, "info", "the Arazzo document", "add info: with title and version")) this.info(value.info);
    if (this.required([], value, "sourceDescriptions", "the Arazzo document", "add sourceDescriptions: with at least one { name, url, type }")) this.sources(value);
    if (this.required([], value, "workflows", "the Arazzo document", "add workflows: with at least one workflow")) this.workflows(value);
    if (value.components !== undefined) this.components(value.components);
  }

  private info(value: unknown): void {
    const info = this.object(["info"], value, "info");
    if (!info) return;
    this.fields(["info"], info, FIELDS.info, "info");
    if (this.required(["info"], info, "title", "info", "add title: <a human readable title>")) this.string(["info"], info, "title", "info");
    if (this.required(["info"], info, "version", "info", "add version: of this document, e.g. version: 1.0.0")) this.string(["info"], info, "version", "info");
    for (const f of ["summary", "description"]) this.string(["info"], info, f, "info");
  }

  private sources(root: Obj): void {
    const list = this.list([], root, "sourceDescriptions", "the Arazzo document", 1);
    if (!list) return;
    const names: Keyed[] = [];
    list.forEach((entry, i) => {
      const path = ["sourceDescriptions", i];
      const source = this.object(path, entry, `sourceDescriptions[${i}]`);
      if (!source) return;
      const what = typeof source.name === "string" ? `source description "${source.name}"` : `sourceDescriptions[${i}]`;
      this.fields(path, source, FIELDS.source, what);
      if (this.required(path, source, "name", what, "add name: <a unique name>, used as $sourceDescriptions.<name>")) {
        const name = this.name(path, source, "name", what);
        names.push({ key: name, label: `source description "${name}"`, path: [...path, "name"] });
      }
      if (this.required(path, source, "url", what, "add url: the path or URL of the OpenAPI or Arazzo description")) {
        const url = this.string(path, source, "url", what);
        if (url !== undefined && (url.trim() === "" || /\s/.test(url))) this.report([...path, "url"], `${what}: url "${url}" is not a URI reference`, "remove the spaces (write them as %20)");
      }
      this.oneOf(path, source, "type", what, ["openapi", "arazzo"]);
    });
    this.unique(names, "give each source description a unique name");
  }

  private workflows(root: Obj): void {
    const list = this.list([], root, "workflows", "the Arazzo document", 1);
    if (!list) return;
    const ids: Keyed[] = [];
    list.forEach((entry, i) => {
      const id = this.workflow(["workflows", i], entry, i, countOpenApiSources(root));
      ids.push({ key: id, label: `workflowId "${id}"`, path: ["workflows", i, "workflowId"] });
    });
    this.unique(ids, "workflowIds must be unique in the document; rename one");
  }

  private workflow(path: DocPath, value: unknown, index: number, openApiSources: number): string | undefined {
    const wf = this.object(path, value, `workflows[${index}]`);
    if (!wf) return undefined;
    const id = typeof wf.workflowId === "string" ? wf.workflowId : undefined;
    const what = id !== undefined ? `workflow "${id}"` : `workflows[${index}]`;
    this.fields(path, wf, FIELDS.workflow, what);
    if (this.required(path, wf, "workflowId", what, "add workflowId: <a unique id>")) this.name(path, wf, "workflowId", what);
    for (const f of ["summary", "description"]) this.string(path, wf, f, what);
    if (wf.inputs !== undefined) this.schema([...path, "inputs"], wf.inputs, `${what}: inputs`);
    const dependsOn = this.list(path, wf, "dependsOn", what);
    dependsOn?.forEach((d, i) => {
      if (typeof d !== "string") this.report([...path, "dependsOn", i], `${what}: dependsOn entries must be workflowId strings, found ${kindOf(d)}`, "e.g. dependsOn: [setup]");
      else this.workflowRef([...path, "dependsOn", i], d, `${what}: dependsOn`);
    });
    if (dependsOn) {
      const keyed = dependsOn.map((d, i) => ({ key: typeof d === "string" ? d : undefined, label: `${what}: dependsOn "${String(d)}"`, path: [...path, "dependsOn", i] }));
      this.unique(keyed, "list each workflow once");
    }
    const callsOperation: string[] = [];
    if (this.required(path, wf, "steps", what, "add steps: with at least one step")) {
      const steps = this.list(path, wf, "steps", what, 1) ?? [];
      const stepIds = steps.map((s, i) => {
        const stepPath = [...path, "steps", i];
        const info = this.step(stepPath, s, `${what} steps[${i}]`, what, openApiSources);
        if (info?.operation && info.id !== undefined) callsOperation.push(info.id);
        return { key: info?.id, label: `${what}: stepId "${info?.id}"`, path: [...stepPath, "stepId"] };
      });
      this.unique(stepIds, "stepIds must be unique within a workflow; rename one");
    }
    this.actions(path, wf, "successActions", what, "success");
    this.actions(path, wf, "failureActions", what, "failure");
    this.outputs(path, wf, what);
    this.parameters(path, wf, what, "workflow", callsOperation);
    return id;
  }

  private step(path: DocPath, value: unknown, fallback: string, workflow: string, openApiSources: number): { id?: string; operation: boolean } | undefined {
    const step = this.object(path, value, fallback);
    if (!step) return undefined;
    const id = typeof step.stepId === "string" ? step.stepId : undefined;
    const what = id !== undefined ? `step "${id}" of ${workflow}` : fallback;
    this.fields(path, step, FIELDS.step, what);
    if (this.required(path, step, "stepId", what, "add stepId: <an id unique in this workflow>")) this.name(path, step, "stepId", what);
    this.string(path, step, "description", what);
    const targets = (["operationId", "operationPath", "workflowId"] as const).filter((f) => step[f] !== undefined);
    if (targets.length === 0) {
      this.report(path, `${what} does not say what it calls`, "add exactly one of operationId, operationPath or workflowId");
    } else if (targets.length > 1) {
      this.report([...path, targets[1]!], `${what}: '${targets[0]}' and '${targets[1]}' are mutually exclusive`, `keep only one of operationId, operationPath and workflowId`, "key");
    }
    const operationId = this.string(path, step, "operationId", what);
    if (operationId !== undefined) {
      if (operationId.startsWith("$") ? !SOURCE_REF.test(operationId) : operationId === "") {
        this.report([...path, "operationId"], `${what}: operationId "${operationId}" is not an operationId or $sourceDescriptions.<name>.<operationId>`, "write e.g. $sourceDescriptions.petStore.getPetById");
      } else if (!operationId.startsWith("$") && openApiSources > 1) {
        this.report([...path, "operationId"], `${what}: operationId "${operationId}" is ambiguous with ${openApiSources} OpenAPI source descriptions`, `say which: $sourceDescriptions.<name>.${operationId}`);
      }
    }
    const operationPath = this.string(path, step, "operationPath", what);
    if (operationPath !== undefined && !OPERATION_PATH.test(operationPath)) {
      this.report([...path, "operationPath"], `${what}: operationPath "${operationPath}" must be {$sourceDescriptions.<name>.url} followed by # and a JSON pointer`, "write e.g. '{$sourceDescriptions.petStore.url}#/paths/~1pets~1{petId}/get' ('/' inside a path is '~1')");
    }
    const workflowId = this.string(path, step, "workflowId", what);
    if (workflowId !== undefined) this.workflowRef([...path, "workflowId"], workflowId, `${what}: workflowId`);
    const operation = targets[0] === "operationId" || targets[0] === "operationPath";
    this.parameters(path, step, what, operation ? "operation-step" : targets[0] === "workflowId" ? "workflow-step" : "component");
    if (step.requestBody !== undefined) {
      if (targets[0] === "workflowId") this.report([...path, "requestBody"], `${what} calls a workflow, so it cannot have a requestBody`, "pass the data as parameters; they become the called workflow's inputs", "key");
      else this.requestBody([...path, "requestBody"], step.requestBody, what);
    }
    this.criteria(path, step, "successCriteria", what, 1);
    this.actions(path, step, "onSuccess", what, "success");
    this.actions(path, step, "onFailure", what, "failure");
    this.outputs(path, step, what);
    return { id, operation };
  }

  /** A workflowId: a local id, or $sourceDescriptions.<name>.<workflowId> for one in an arazzo source. */
  private workflowRef(path: DocPath, ref: string, what: string): void {
    if (ref.startsWith("$") ? SOURCE_REF.test(ref) : NAME.test(ref)) return;
    this.report(path, `${what} "${ref}" is neither a workflowId nor $sourceDescriptions.<name>.<workflowId>`, "write a local workflowId, or $sourceDescriptions.<name>.<workflowId> for a workflow in another Arazzo document");
  }

  private parameters(path: DocPath, obj: Obj, what: string, owner: ParamOwner, operationSteps: string[] = []): void {
    const list = this.list(path, obj, "parameters", what);
    if (!list) return;
    const keys: Keyed[] = [];
    list.forEach((entry, i) => {
      const p = [...path, "parameters", i];
      const param = this.object(p, entry, `${what}: parameters[${i}]`);
      if (!param) return;
      if ("reference" in param) {
        this.reusable(p, param, `${what}: parameters[${i}]`, "parameters");
        keys.push({ key: typeof param.reference === "string" ? `ref:${param.reference}` : undefined, label: `${what}: parameter reference ${String(param.reference)}`, path: [...p, "reference"] });
        return;
      }
      const name = this.parameter(p, param, `${what}: parameters[${i}]`, owner);
      if (name !== undefined) {
        const where = typeof param.in === "string" ? param.in : "";
        keys.push({ key: `${where}:${where === "header" ? name.toLowerCase() : name}`, label: `${what}: parameter "${name}"${where ? ` in ${where}` : ""}`, path: [...p, "name"] });
      }
      if (owner === "workflow" && param.in === undefined && operationSteps.length > 0) {
        this.report(p, `${what}: parameter "${name ?? i}" has no 'in', but step "${operationSteps[0]}" calls an operation and needs it`, "add in: path, query, header or cookie");
      }
    });
    this.unique(keys, "list each parameter once (a parameter is identified by name and in)");
  }

  private parameter(path: DocPath, param: Obj, fallback: string, owner: ParamOwner): string | undefined {
    const name = typeof param.name === "string" ? param.name : undefined;
    const what = name !== undefined ? `parameter "${name}"` : fallback;
    this.fields(path, param, FIELDS.parameter, what);
    if (this.required(path, param, "name", what, "add name: of the operation parameter or workflow input")) this.string(path, param, "name", what);
    if (param.in === undefined && owner === "operation-step") {
      this.report(path, `${what} is missing 'in', required when the step calls an operation`, "add in: path, query, header or cookie");
    }
    this.oneOf(path, param, "in", what, ["path", "query", "header", "cookie"]);
    if (!("value" in param)) this.report(path, `${what} is missing the required field 'value'`, "add value: a constant or a runtime expression such as $inputs.id");
    return name;
  }

  /** A Reusable Object: `{ reference: $components.<kind>.<name>, value? }`, nothing else (not even x-). */
  private reusable(path: DocPath, obj: Obj, what: string, kind: "parameters" | "successActions" | "failureActions"): void {
    const only = kind === "parameters" ? ["reference", "value"] : ["reference"];
    this.fields(path, obj, only, `${what} (a Reusable Object)`, false, `a Reusable Object holds only ${only.join(" and ")}; to change other fields, define another component`);
    const ref = this.string(path, obj, "reference", what);
    if (ref === undefined) return;
    const match = /^\$components\.(parameters|successActions|failureActions|inputs)\.([a-zA-Z0-9.\-_]+)$/.exec(ref);
    if (!match) {
      this.report([...path, "reference"], `${what}: reference "${ref}" must be $components.${kind}.<name>`, `e.g. reference: $components.${kind}.${kind === "parameters" ? "pageSize" : "retryOnBusy"}`);
    } else if (match[1] !== kind) {
      this.report([...path, "reference"], `${what}: reference "${ref}" points into components.${match[1]}, but only components.${kind} can be used here`, `use $components.${kind}.<name>`);
    }
  }

  private actions(path: DocPath, obj: Obj, field: string, owner: string, kind: ActionKind): void {
    const list = this.list(path, obj, field, owner);
    if (!list) return;
    const keys: Keyed[] = [];
    list.forEach((entry, i) => {
      const p = [...path, field, i];
      const action = this.object(p, entry, `${owner}: ${field}[${i}]`);
      if (!action) return;
      if ("reference" in action) {
        this.reusable(p, action, `${owner}: ${field}[${i}]`, kind === "success" ? "successActions" : "failureActions");
        keys.push({ key: typeof action.reference === "string" ? `ref:${action.reference}` : undefined, label: `${owner}: ${field} reference ${String(action.reference)}`, path: [...p, "reference"] });
      } else {
        const name = this.action(p, action, `${owner}: ${field}[${i}]`, kind);
        keys.push({ key: name === undefined ? undefined : `name:${name}`, label: `${owner}: ${field} action "${name}"`, path: [...p, "name"] });
      }
    });
    this.unique(keys, "a list of actions must not repeat one; remove or rename it");
  }

  private action(path: DocPath, action: Obj, fallback: string, kind: ActionKind): string | undefined {
    const name = typeof action.name === "string" ? action.name : undefined;
    const what = name !== undefined ? `${kind} action "${name}"` : fallback;
    this.fields(path, action, kind === "success" ? FIELDS.success : FIELDS.failure, what);
    if (this.required(path, action, "name", what, "add name: <a name for this action>")) this.string(path, action, "name", what);
    let type: string | undefined;
    if (this.required(path, action, "type", what, kind === "success" ? "add type: end or goto" : "add type: end, retry or goto")) {
      if (kind === "success" && action.type === "retry") {
        this.report([...path, "type"], `${what}: a success action cannot retry (type must be end or goto)`, "move the retry to onFailure / failureActions");
      } else {
        type = this.oneOf(path, action, "type", what, kind === "success" ? ["end", "goto"] : ["end", "retry", "goto"]);
      }
    }
    const targets = (["workflowId", "stepId"] as const).filter((f) => action[f] !== undefined);
    if (type === "goto" && targets.length === 0) this.report(path, `${what}: a goto action needs a stepId or a workflowId to go to`, "add stepId: <a step of this workflow> (or workflowId:)");
    if (targets.length === 2 && type !== "end") this.report([...path, "stepId"], `${what}: 'workflowId' and 'stepId' are mutually exclusive`, "keep only one", "key");
    if (type === "end" && targets.length > 0) this.report([...path, targets[0]!], `${what}: '${targets[0]}' is only used by ${kind === "success" ? "goto actions" : "goto and retry actions"}`, `remove it, or change type to goto`, "key");
    this.string(path, action, "stepId", what);
    const workflowId = this.string(path, action, "workflowId", what);
    if (workflowId !== undefined) this.workflowRef([...path, "workflowId"], workflowId, `${what}: workflowId`);
    for (const f of ["retryAfter", "retryLimit"] as const) {
      const value = action[f];
      if (value === undefined || kind === "success") continue; // on a success action, fields() reported it
      const integer = f === "retryLimit";
      if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
        this.report([...path, f], `${what}: '${f}' must be a non-negative ${integer ? "integer" : "number"}${integer ? " (a count of retries)" : " of seconds"}, found ${JSON.stringify(value) ?? kindOf(value)}`, integer ? "e.g. retryLimit: 5" : "e.g. retryAfter: 1.5");
      } else if (type !== undefined && type !== "retry") {
        this.report([...path, f], `${what}: '${f}' only applies when type is retry`, "remove it, or change type to retry", "key");
      }
    }
    this.criteria(path, action, "criteria", what, 0);
    return name;
  }

  private criteria(path: DocPath, obj: Obj, field: string, what: string, min: number): void {
    const list = this.list(path, obj, field, what, min);
    list?.forEach((entry, i) => {
      const p = [...path, field, i];
      const label = `${what}: ${field}[${i}]`;
      const criterion = this.object(p, entry, label);
      if (!criterion) return;
      this.fields(p, criterion, FIELDS.criterion, label);
      if (this.required(p, criterion, "condition", label, "add condition: e.g. $statusCode == 200")) {
        const condition = this.string(p, criterion, "condition", label);
        if (condition?.trim() === "") this.report([...p, "condition"], `${label}: condition is empty`, "write a condition, e.g. $statusCode == 200");
      }
      this.string(p, criterion, "context", label);
      const type = criterion.type;
      if (type === undefined) return;
      if (isObj(type)) this.expressionType([...p, "type"], type, `${label}: type`);
      else this.oneOf(p, criterion, "type", label, ["simple", "regex", "jsonpath", "xpath"]);
      if (criterion.context === undefined) {
        this.report(p, `${label}: 'context' is required when 'type' is given`, type === "simple" ? "remove type: simple (it is the default) or add context:" : "add context: the runtime expression to apply it to, e.g. $response.body");
      }
    });
  }

  private expressionType(path: DocPath, obj: Obj, what: string): void {
    this.fields(path, obj, FIELDS.expressionType, what);
    const versions: Record<string, string[]> = { jsonpath: ["draft-goessner-dispatch-jsonpath-00"], xpath: ["xpath-30", "xpath-20", "xpath-10"] };
    let type: string | undefined;
    if (this.required(path, obj, "type", what, "add type: jsonpath or xpath")) type = this.oneOf(path, obj, "type", what, ["jsonpath", "xpath"]);
    if (!this.required(path, obj, "version", what, "add version:")) return;
    const version = this.string(path, obj, "version", what);
    const allowed = type === undefined ? undefined : versions[type];
    if (version !== undefined && allowed && !allowed.includes(version)) {
      this.report([...path, "version"], `${what}: version "${version}" is not a ${type} version`, `use ${allowed.join(", ")}`);
    }
  }

  private requestBody(path: DocPath, value: unknown, owner: string): void {
    const what = `${owner}: requestBody`;
    const body = this.object(path, value, what);
    if (!body) return;
    this.fields(path, body, FIELDS.requestBody, what);
    const contentType = this.string(path, body, "contentType", what);
    if (contentType !== undefined && !/^[\w.+-]+\/[\w.+*-]+/.test(contentType)) this.report([...path, "contentType"], `${what}: contentType "${contentType}" is not a media type`, "e.g. application/json");
    this.list(path, body, "replacements", what)?.forEach((entry, i) => {
      const p = [...path, "replacements", i];
      const label = `${what}: replacements[${i}]`;
      const r = this.object(p, entry, label);
      if (!r) return;
      this.fields(p, r, FIELDS.replacement, label);
      if (this.required(p, r, "target", label, "add target: a JSON pointer such as /petId (or an XPath for XML)")) this.string(p, r, "target", label);
      if (!("value" in r)) this.report(p, `${label} is missing the required field 'value'`, "add value: a constant or a runtime expression");
    });
  }

  private outputs(path: DocPath, obj: Obj, what: string): void {
    if (obj.outputs === undefined) return;
    const outputs = this.object([...path, "outputs"], obj.outputs, `${what}: outputs`);
    if (!outputs) return;
    for (const [key, value] of Object.entries(outputs)) {
      const p = [...path, "outputs", key];
      if (!KEY.test(key)) this.report(p, `${what}: output name "${key}" may contain only letters, digits, '.', '-' and '_'`, `rename it, e.g. "${key.replace(/[^a-zA-Z0-9.\-_]+/g, "_")}"`, "key");
      if (typeof value !== "string") this.report(p, `${what}: output "${key}" must be a runtime expression string, found ${kindOf(value)}`, "e.g. $response.body#/id or $steps.<stepId>.outputs.<name>");
      else if (!value.includes("$")) this.report(p, `${what}: output "${key}" is "${value}", not a runtime expression`, "outputs are computed: write e.g. $response.body#/id, $statusCode or $steps.<stepId>.outputs.<name>");
    }
  }

  /** A JSON Schema 2020-12 (inputs): an object or a boolean, with the few keywords whose shape is cheap to check. */
  private schema(path: DocPath, value: unknown, what: string, depth = 0): void {
    if (typeof value === "boolean" || depth > 64) return;
    const schema = this.object(path, value, `${what} (a JSON Schema)`);
    if (!schema) return;
    const type = schema.type;
    if (type !== undefined && !(typeof type === "string" ? SCHEMA_TYPES.includes(type) : Array.isArray(type) && type.every((t) => typeof t === "string" && SCHEMA_TYPES.includes(t)))) {
      const near = typeof type === "string" ? closest(type, SCHEMA_TYPES) : undefined;
      this.report([...path, "type"], `${what}: JSON Schema type ${JSON.stringify(type)} is not one of ${SCHEMA_TYPES.join(", ")}`, near ? `did you mean '${near}'?` : "use one of the JSON Schema types listed (text is 'string')");
    }
    if (schema.required !== undefined && !(Array.isArray(schema.required) && schema.required.every((r) => typeof r === "string"))) {
      this.report([...path, "required"], `${what}: JSON Schema 'required' must be a list of property names`, "e.g. required: [scenarioId]");
    }
    if (schema.$ref !== undefined && typeof schema.$ref !== "string") this.report([...path, "$ref"], `${what}: $ref must be a string`, "e.g. $ref: '#/components/inputs/pagination'");
    if (schema.properties !== undefined) {
      const props = this.object([...path, "properties"], schema.properties, `${what}: properties`);
      for (const [k, v] of Object.entries(props ?? {})) this.schema([...path, "properties", k], v, `${what}: property "${k}"`, depth + 1);
    }
    if (schema.items !== undefined) this.schema([...path, "items"], schema.items, `${what}: items`, depth + 1);
  }

  private components(value: unknown): void {
    const comps = this.object(["components"], value, "components");
    if (!comps) return;
    this.fields(["components"], comps, FIELDS.components, "components");
    for (const field of FIELDS.components) {
      if (comps[field] === undefined) continue;
      const map = this.object(["components", field], comps[field], `components.${field}`);
      for (const [key, entry] of Object.entries(map ?? {})) {
        const p = ["components", field, key];
        if (!KEY.test(key)) this.report(p, `components.${field}: key "${key}" may contain only letters, digits, '.', '-' and '_'`, `rename it, e.g. "${key.replace(/[^a-zA-Z0-9.\-_]+/g, "_")}"`, "key");
        const what = `components.${field}.${key}`;
        if (field === "inputs") this.schema(p, entry, what);
        else {
          const obj = this.object(p, entry, what);
          if (!obj) continue;
          if (field === "parameters") this.parameter(p, obj, what, "component");
          else this.action(p, obj, what, field === "successActions" ? "success" : "failure");
        }
      }
    }
  }
}

/** Sources not declared as arazzo: with more than one, a bare operationId is ambiguous (Step Object, operationId). */
function countOpenApiSources(root: Obj): number {
  const list = Array.isArray(root.sourceDescriptions) ? root.sourceDescriptions : [];
  return list.filter((s) => isObj(s) && s.type !== "arazzo").length;
}

function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return `the string "${value.length > 40 ? `${value.slice(0, 40)}...` : value}"`;
  return `${typeof value === "number" ? "the number" : "the boolean"} ${String(value)}`;
}
