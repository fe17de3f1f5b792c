/**
 * Cross-reference checks of Arazzo 1.0.x documents (versions/1.0.1.md): step targets (operationId,
 * operationPath, workflowId), goto targets, dependsOn (and its cycles), Reusable Object references,
 * JSON Schema `$ref`s of inputs, and every runtime expression a step, workflow or component uses
 * (parsed, and naming steps, outputs, inputs, workflows, sources and components that exist).
 * Only the parts that are structurally sound are looked at; anything malformed is skipped, since
 * checkStructure reports it. Never throws.
 *
 * What an expression may name where it is evaluated, and the decisions behind it, are in
 * reference-model.ts. Expressions in components are checked where they are defined (syntax,
 * sources, components) and again, against the using workflow, wherever something references them.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { closest, SluiceError } from "sluice/internal";
import { compileCondition, type ConditionNode } from "../expressions/condition.js";
import { pointerOf, sortDiagnostics, type Diagnostic, type DocPath } from "./diagnostics.js";
import { parseExpression, type RuntimeExpression } from "../expressions/expression.js";
import { parsePointer } from "../expressions/json-pointer.js";
import type { IndexedOperation, LoadedDocument } from "./load.js";
import { COMPONENT_REF, createModel, expressionProblem, inputNames, isObj, list, lookupComponent, preview, resolveRef, suggest, type DocInfo, type Obj, type Problem, type Scope, type SourceInfo, type StepInfo, type WorkflowInfo } from "./reference-model.js";
import type { Position } from "./source-map.js";
import { bracedRewrite, parseTemplate } from "../expressions/template.js";
import { jsonPathComparisonRewrite } from "../criteria/jsonpath-comparison.js";
import { portedExpression } from "../expressions/ported-forms.js";
import { unknownXPathFunctions } from "../criteria/xpath-functions.js";
import { callCycleProblem, dependsOnCycleProblem, findCycles, keyOf, type Edges } from "./workflow-cycles.js";

type ComponentKind = "parameters" | "successActions" | "failureActions" | "inputs";

export interface ReferenceCheckOptions {
  /**
   * The source text of a document, used to point inside a string at an expression's own column.
   * Default: local files are read again; http(s) documents get the string's position.
   */
  textOf?: (url: string) => string | undefined;
  /**
   * The RFC 9535 parser for jsonpath criteria (validate.ts imports it only when a document has one).
   * Default: loaded here on first use.
   */
  parseJsonPath?: (query: string) => unknown;
}

type JsonPathParser = (query: string) => unknown;
let requiredParser: JsonPathParser | undefined;

/** jsonpath-rfc9535's parser (90 kB of generated code), loaded only when a jsonpath criterion is checked. */
function loadJsonPathParser(): JsonPathParser {
  return (requiredParser ??= (createRequire(import.meta.url)("jsonpath-rfc9535/parser") as { default: JsonPathParser }).default);
}

const SOURCE_REF = /^\$sourceDescriptions\.([A-Za-z0-9_-]+)\.(.+)$/s;
const OPERATION_PATH = /^\{\$sourceDescriptions\.([A-Za-z0-9_-]+)\.url\}#(.*)$/s;
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const MAX_DEPTH = 64;

/** Every cross-reference problem in the Arazzo documents of `loaded`, sorted by file and position. */
export function checkReferences(loaded: { root: LoadedDocument; documents: Map<string, LoadedDocument> }, options: ReferenceCheckOptions = {}): Diagnostic[] {
  const checker = new ReferenceChecker(loaded.documents, options.textOf ?? readLocalText(), options.parseJsonPath);
  const docs = new Map<string, LoadedDocument>([[loaded.root.url, loaded.root], ...loaded.documents]);
  for (const doc of docs.values()) {
    if (doc.kind !== "arazzo" || !isObj(doc.value)) continue;
    try {
      checker.document(doc);
    } catch (error) {
      checker.internal(doc, error);
    }
  }
  try {
    checker.cycles();
  } catch (error) {
    checker.internal(loaded.root, error);
  }
  return checker.result();
}

function readLocalText(): (url: string) => string | undefined {
  const cache = new Map<string, string | undefined>();
  return (url) => {
    if (!cache.has(url)) {
      let text: string | undefined;
      try {
        text = /^https?:/i.test(url) ? undefined : readFileSync(url, "utf8");
      } catch {
        text = undefined;
      }
      cache.set(url, text);
    }
    return cache.get(url);
  };
}

class ReferenceChecker {
  private readonly out = new Map<string, Diagnostic>();
  private readonly info: (doc: LoadedDocument) => DocInfo | undefined;
  private readonly lines = new Map<string, string[] | undefined>();
  /** dependsOn edges between workflows ("url#id"), with where each entry is. */
  private readonly edges = new Map<string, Edges>();
  /** Call edges: a step's workflowId, an action's workflowId (each runs the callee inside the caller). */
  private readonly calls = new Map<string, Edges>();

  constructor(
    documents: Map<string, LoadedDocument>,
    private readonly textOf: (url: string) => string | undefined,
    private parseJsonPath: JsonPathParser | undefined,
  ) {
    this.info = createModel(documents);
  }

  result(): Diagnostic[] {
    return sortDiagnostics([...this.out.values()]);
  }

  internal(doc: LoadedDocument, error: unknown): void {
    const message = `internal error while checking references: ${error instanceof Error ? error.message : String(error)}`;
    this.add({ file: doc.url, line: 1, column: 1, path: "", message, hint: "this is a bug in sluice; please report it with the document" });
  }

  private add(d: Diagnostic): void {
    const key = `${d.file}\0${d.line}\0${d.column}\0${d.message}`;
    if (!this.out.has(key)) this.out.set(key, d);
  }

  /** Reports at `path`; with `text` and `offset`, at that offset inside the string when it can. */
  private report(doc: DocInfo, path: DocPath, problem: Problem, text?: string, offset = 0): void {
    const at = text === undefined ? doc.doc.positionOf(path) : this.inside(doc.doc, path, text, offset);
    this.add({ file: doc.doc.url, line: at.line, column: at.column, path: pointerOf(path), message: problem.message, hint: problem.hint, ...(problem.severity ? { severity: problem.severity } : {}), ...(problem.fix ? { fix: problem.fix } : {}) });
  }

  /** A column inside a one-line plain or quoted scalar holding exactly `text`; else the value's position. */
  private inside(doc: LoadedDocument, path: DocPath, text: string, offset: number): Position {
    const pos = doc.positionOf(path);
    if (!this.lines.has(doc.url)) this.lines.set(doc.url, this.textOf(doc.url)?.split(/\r?\n/));
    const line = this.lines.get(doc.url)?.[pos.line - 1];
    if (line === undefined || text.includes("\n")) return pos;
    const start = pos.column - 1;
    const quote = line[start];
    if (quote === '"' || quote === "'") {
      if (text.includes(quote) || (quote === '"' && text.includes("\\"))) return pos;
      if (line.slice(start + 1, start + 1 + text.length) !== text || line[start + 1 + text.length] !== quote) return pos;
      return { line: pos.line, column: pos.column + 1 + offset };
    }
    if (line.slice(start, start + text.length) !== text) return pos;
    // A plain scalar that goes on (folded onto the next line) has more text after it on this line.
    const rest = line.slice(start + text.length);
    if (rest.trim() !== "" && !/^\s+#/.test(rest) && !/^\s*[,\]}]/.test(rest)) return pos;
    return { line: pos.line, column: pos.column + offset };
  }

  // ---- documents, workflows, steps -----------------------------------------------------------------

  document(doc: LoadedDocument): void {
    const info = this.info(doc)!;
    const base = { doc: info, phase: "response" as const, syntax: true };
    for (const wf of info.workflows.values()) this.workflow(wf);
    // Components on their own: what does not depend on the workflow that uses them.
    for (const kind of ["parameters", "successActions", "failureActions", "inputs"] as const) {
      const map = info.components[kind];
      if (!isObj(map)) continue;
      for (const [name, value] of Object.entries(map)) {
        const path = ["components", kind, name];
        if (kind === "inputs") this.schemaRefs(info, path, value, 0);
        else if (!isObj(value)) continue;
        else if (kind === "parameters") this.value({ ...base, phase: "request" }, [...path, "value"], value.value, `components.parameters.${name}`);
        else this.action(base, path, value, `components.${kind}.${name}`);
      }
    }
  }

  private workflow(wf: WorkflowInfo): void {
    const { doc, obj, path } = wf;
    const where = `workflow "${wf.id}"`;
    this.schemaRefs(doc, [...path, "inputs"], obj.inputs, 0);
    const edge: Edges = { wf, to: [] };
    this.edges.set(keyOf(wf), edge);
    this.calls.set(keyOf(wf), { wf, to: [] });
    list(obj.dependsOn).forEach((ref, i) => {
      if (typeof ref !== "string") return;
      const target = this.workflowRef(doc, [...path, "dependsOn", i], ref, `${where}: dependsOn`);
      if (target) edge.to.push({ key: keyOf(target), path: [...path, "dependsOn", i] });
    });
    const scope: Scope = { doc, wf, phase: "request", syntax: true };
    this.parameters(scope, [...path, "parameters"], obj.parameters, where);
    for (const step of wf.steps.values()) this.step(wf, step);
    this.actions({ ...scope, phase: "response" }, [...path, "successActions"], obj.successActions, "successActions", where);
    this.actions({ ...scope, phase: "response" }, [...path, "failureActions"], obj.failureActions, "failureActions", where);
    this.outputs({ ...scope, phase: "workflow-outputs" }, [...path, "outputs"], obj.outputs, where);
  }

  private step(wf: WorkflowInfo, step: StepInfo): void {
    const { obj, path } = step;
    const doc = wf.doc;
    const where = `step "${step.id}" of workflow "${wf.id}"`;
    let call: Scope["call"] = { kind: "operation" };
    let operation: IndexedOperation | undefined;
    if (typeof obj.operationId === "string") operation = this.operationId(doc, [...path, "operationId"], obj.operationId, where);
    else if (typeof obj.operationPath === "string") operation = this.operationPath(doc, [...path, "operationPath"], obj.operationPath, where);
    if (operation) this.pathParameters(doc, path, obj.parameters, operation, where);
    else if (typeof obj.workflowId === "string") call = { kind: "workflow", callee: this.workflowRef(doc, [...path, "workflowId"], obj.workflowId, `${where}: workflowId`) };
    else if (obj.workflowId !== undefined) call = { kind: "workflow" };
    const request: Scope = { doc, wf, step, call, phase: "request", syntax: true };
    const response: Scope = { ...request, phase: "response" };
    this.parameters(request, [...path, "parameters"], obj.parameters, where);
    if (call.kind === "workflow" && call.callee) {
      this.calleeInputs(doc, path, obj.parameters, call.callee, where);
      this.calls.get(keyOf(wf))?.to.push({ key: keyOf(call.callee), path: [...path, "workflowId"] });
    }
    if (isObj(obj.requestBody)) this.requestBody(request, [...path, "requestBody"], obj.requestBody, where);
    this.criteria(response, [...path, "successCriteria"], obj.successCriteria, `${where}: successCriteria`);
    this.actions(response, [...path, "onSuccess"], obj.onSuccess, "successActions", where);
    this.actions(response, [...path, "onFailure"], obj.onFailure, "failureActions", where);
    this.outputs(response, [...path, "outputs"], obj.outputs, where);
  }

  /** Parameters of a step that calls a workflow become its inputs (Parameter Object, `in`). */
  private calleeInputs(doc: DocInfo, stepPath: DocPath, params: unknown, callee: WorkflowInfo, where: string): void {
    const inputs = inputNames(callee.doc.value, callee.obj.inputs);
    if (inputs === "open") return;
    list(params).forEach((p, i) => {
      const param = isObj(p) && typeof p.reference === "string" ? lookupComponent(doc, p.reference) : p;
      if (!isObj(param) || typeof param.name !== "string" || inputs.has(param.name)) return;
      const at = isObj(p) && "reference" in p ? [...stepPath, "parameters", i, "reference"] : [...stepPath, "parameters", i, "name"];
      this.report(doc, at, { message: `${where}: parameter "${param.name}" is not an input of workflow "${callee.id}", which it calls`, hint: suggest(param.name, [...inputs], `inputs of "${callee.id}"`) });
    });
  }

  /** Checks an operationId; the operation it names, when it names exactly one. */
  private operationId(doc: DocInfo, path: DocPath, id: string, where: string): IndexedOperation | undefined {
    if (id.startsWith("$")) {
      const m = SOURCE_REF.exec(id);
      const source = m ? this.source(doc, path, m[1]!, `${where}: operationId "${id}"`, id, "$sourceDescriptions.".length) : undefined;
      if (!source) return;
      if (source.kind === "arazzo") {
        this.report(doc, path, { message: `${where}: operationId "${id}" names source "${source.name}", an Arazzo document, which has no operations`, hint: `to run one of its workflows write workflowId: $sourceDescriptions.${source.name}.<workflowId>` });
        return;
      }
      const ops = source.loaded?.operations;
      const offset = "$sourceDescriptions.".length + source.name.length + 1;
      if (ops && !ops.byId.has(m![2]!)) this.report(doc, path, { message: `${where}: source "${source.name}" has no operation with operationId "${m![2]}"`, hint: suggest(m![2]!, [...ops.byId.keys()], "operationIds there") }, id, offset);
      return ops?.byId.get(m![2]!);
    }
    const candidates = [...doc.sources.values()].filter((s) => s.kind !== "arazzo");
    if (candidates.length === 0 || candidates.some((s) => !s.loaded?.operations)) return; // none, or one could not be read
    const found = candidates.filter((s) => s.loaded!.operations!.byId.has(id));
    if (found.length === 1) return found[0]!.loaded!.operations!.byId.get(id);
    if (found.length > 1) {
      const names = found.map((s) => `"${s.name}"`).join(", ");
      this.report(doc, path, { message: `${where}: operationId "${id}" is ambiguous: it is defined in the source descriptions ${names}`, hint: `say which one, e.g. $sourceDescriptions.${found[0]!.name}.${id}` });
      return;
    }
    const all = candidates.flatMap((s) => [...s.loaded!.operations!.byId.keys()]);
    const names = candidates.map((s) => `"${s.name}"`).join(", ");
    const message = `${where}: no operation in the source description${candidates.length > 1 ? "s" : ""} ${names} has operationId "${id}"`;
    // Redocly Respect's shorthand `source.operationId`: the standard form is $sourceDescriptions.source.operationId.
    const dot = id.indexOf(".");
    const source = dot > 0 ? doc.sources.get(id.slice(0, dot)) : undefined;
    if (source?.loaded?.operations?.byId.has(id.slice(dot + 1))) {
      const standard = `$sourceDescriptions.${id}`;
      this.report(doc, path, { message, hint: `write ${JSON.stringify(standard)}`, fix: { value: standard } });
      return;
    }
    this.report(doc, path, { message, hint: suggest(id, all, "operationIds there") });
  }

  /** Checks an operationPath; the operation it names, when it resolves. */
  private operationPath(doc: DocInfo, path: DocPath, value: string, where: string): IndexedOperation | undefined {
    const m = OPERATION_PATH.exec(value);
    if (!m) return;
    const what = `${where}: operationPath`;
    const source = this.source(doc, path, m[1]!, what, value, "{$sourceDescriptions.".length);
    if (!source) return;
    if (source.kind === "arazzo") {
      this.report(doc, path, { message: `${what} points into source "${source.name}", an Arazzo document, which has no operations`, hint: `to run one of its workflows write workflowId: $sourceDescriptions.${source.name}.<workflowId>` });
      return;
    }
    const raw = m[2]!;
    const fragment = value.length - raw.length;
    let tokens: string[];
    try {
      const decoded = decodeURIComponent(raw); // RFC 6901 section 6: a fragment may be percent-encoded
      try {
        tokens = parsePointer(decoded);
      } catch (error) {
        const offset = decoded === raw && SluiceError.is(error) && typeof error.details?.offset === "number" ? error.details.offset : 0;
        this.report(doc, path, { message: `${what} has a malformed JSON pointer: ${messageOf(error)}`, hint: "in a JSON pointer '~' is written '~0' and '/' is written '~1' (RFC 6901)" }, value, fragment + offset);
        return;
      }
    } catch {
      this.report(doc, path, { message: `${what} "${value}" has a malformed percent-encoding after "#"`, hint: "write '%' as '%25', or leave the pointer unencoded" }, value, fragment);
      return;
    }
    const ops = source.loaded?.operations;
    if (!ops) return;
    const operation = ops.byPointer(raw);
    if (operation) return operation;
    const paths = [...new Set(ops.all.map((o) => o.path))];
    const pointerOfPath = (p: string, method: string): string => `#${pointerOf(["paths", p, method])}`;
    let hint: string;
    if (tokens[0] !== "paths" || tokens.length < 3) {
      hint = `an operation is at #/paths/<path with '/' written '~1'>/<method>, e.g. ${ops.all[0] ? pointerOfPath(ops.all[0].path, ops.all[0].method) : "#/paths/~1pets/get"}`;
    } else {
      const method = tokens[tokens.length - 1]!;
      const joined = tokens.slice(1, -1).join("/");
      const template = tokens.length === 3 ? tokens[1]! : [joined, `/${joined}`].find((p) => paths.includes(p)) ?? joined;
      const methods = ops.all.filter((o) => o.path === template).map((o) => o.method);
      if (tokens.length > 3 && methods.length > 0 && methods.includes(method)) {
        hint = `inside a JSON pointer '/' is written '~1': ${pointerOfPath(template, method)}`;
      } else if (methods.length > 0) {
        hint = METHODS.includes(method.toLowerCase()) && methods.includes(method.toLowerCase()) ? `methods are lower case: ${pointerOfPath(template, method.toLowerCase())}` : `path "${template}" has ${methods.map((x) => x.toUpperCase()).join(", ")}`;
      } else {
        const near = closest(template, paths) ?? (template.startsWith("/") ? undefined : paths.find((p) => p === `/${template}`));
        hint = near !== undefined ? `did you mean path "${near}"? (${pointerOfPath(near, method)})` : `paths there: ${preview(paths)}`;
      }
    }
    this.report(doc, path, { message: `${what}: source "${source.name}" has no operation at ${pointerOf(tokens)}`, hint });
  }

  /** A source description by name, reporting an unknown one (at `offset` of the name in `text`). */
  private source(doc: DocInfo, path: DocPath, name: string, what: string, text?: string, offset = 0): SourceInfo | undefined {
    const source = doc.sources.get(name);
    if (source === undefined) this.report(doc, path, { message: `${what}: there is no source description named "${name}"`, hint: suggest(name, [...doc.sources.keys()], "source descriptions") }, text, offset);
    return source;
  }

  /** A step's `in: path` parameters must be placeholders of the operation's path template. */
  private pathParameters(doc: DocInfo, path: DocPath, params: unknown, operation: IndexedOperation, where: string): void {
    const names = [...operation.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    list(params).forEach((p, i) => {
      if (!isObj(p) || p.in !== "path" || typeof p.name !== "string" || names.includes(p.name)) return;
      const target = `${operation.method.toUpperCase()} ${operation.path}`;
      this.report(doc, [...path, "parameters", i, "name"], {
        message: `${where}: path parameter "${p.name}" is not in the operation's path ${target}`,
        hint: names.length === 0 ? `that path has no parameters; remove it, or use in: query or in: header` : suggest(p.name, names, `path parameters of ${target}`),
      });
    });
  }

  /** A workflowId: local, or `$sourceDescriptions.<name>.<workflowId>` in an Arazzo source. */
  private workflowRef(doc: DocInfo, path: DocPath, ref: string, what: string): WorkflowInfo | undefined {
    if (!ref.startsWith("$")) {
      const local = doc.workflows.get(ref);
      if (local) return local;
      const elsewhere = [...doc.sources.values()].find((s) => s.info?.workflows.has(ref));
      const hint = elsewhere ? `it is in source "${elsewhere.name}": write $sourceDescriptions.${elsewhere.name}.${ref}` : suggest(ref, [...doc.workflows.keys()], "workflows here");
      this.report(doc, path, { message: `${what} "${ref}" is not a workflow of this document`, hint });
      return undefined;
    }
    const m = SOURCE_REF.exec(ref);
    const source = m ? this.source(doc, path, m[1]!, `${what} "${ref}"`, ref, "$sourceDescriptions.".length) : undefined;
    if (!source) return undefined;
    if (source.kind === "openapi") {
      this.report(doc, path, { message: `${what} "${ref}" names source "${source.name}", an OpenAPI description, which has no workflows`, hint: `to call one of its operations use operationId: $sourceDescriptions.${source.name}.<operationId>` });
      return undefined;
    }
    const other = source.info;
    if (!other) return undefined;
    const target = other.workflows.get(m![2]!);
    if (!target) this.report(doc, path, { message: `${what}: source "${source.name}" has no workflow "${m![2]}"`, hint: suggest(m![2]!, [...other.workflows.keys()], `workflows in "${source.name}"`) });
    return target;
  }

  /** dependsOn cycles (a workflow waiting for itself) and call cycles (a workflow running itself, unbounded). */
  cycles(): void {
    for (const { wf, path, cycle } of findCycles(this.edges)) this.report(wf.doc, path, dependsOnCycleProblem(wf.id, cycle));
    for (const { wf, path, cycle } of findCycles(this.calls)) this.report(wf.doc, path, callCycleProblem(wf.id, cycle));
  }

  // ---- parameters, bodies, actions, outputs --------------------------------------------------------

  private parameters(scope: Scope, path: DocPath, params: unknown, where: string): void {
    list(params).forEach((p, i) => {
      if (!isObj(p)) return;
      const at = [...path, i];
      if (!("reference" in p)) {
        this.value(scope, [...at, "value"], p.value, `${where}: parameter "${String(p.name)}"`);
        return;
      }
      const component = this.component(scope.doc, [...at, "reference"], p.reference, "parameters", `${where}: parameters[${i}]`);
      const label = `${where}: parameter ${String(p.reference)}`;
      if ("value" in p) this.value(scope, [...at, "value"], p.value, label);
      else if (component && isObj(component.value)) this.value({ ...scope, syntax: false }, [...component.path, "value"], component.value.value, usedIn(component.path, scope));
    });
  }

  private requestBody(scope: Scope, path: DocPath, body: Obj, where: string): void {
    const what = `${where}: requestBody`;
    this.deep(scope, [...path, "payload"], body.payload, `${what} payload`, 0);
    const xml = typeof body.contentType === "string" ? /xml/i.test(body.contentType) : typeof body.payload === "string" && body.payload.trimStart().startsWith("<");
    // Replacements apply to an object or array payload, or to JSON or XML text; not to other text.
    const contentType = typeof body.contentType === "string" ? body.contentType : undefined;
    if (list(body.replacements).length > 0 && scope.syntax && typeof body.payload === "string" && contentType !== undefined && !xml && !/json/i.test(contentType)) {
      this.report(scope.doc, [...path, "replacements"], { message: `${what}: replacements need a JSON or XML payload, and this text payload has contentType ${contentType}`, hint: "write the value into the payload with {$...} instead, or use a JSON or XML contentType" });
    }
    list(body.replacements).forEach((r, i) => {
      if (!isObj(r)) return;
      const at = [...path, "replacements", i];
      if (typeof r.target === "string" && !xml && scope.syntax) {
        try {
          parsePointer(r.target);
        } catch (error) {
          const offset = SluiceError.is(error) && typeof error.details?.offset === "number" ? error.details.offset : 0;
          this.report(scope.doc, [...at, "target"], { message: `${what}: replacements[${i}] target is not a JSON pointer: ${messageOf(error)}`, hint: 'a target is a JSON pointer into the payload, such as /pet/id (an XPath only with an XML contentType)' }, r.target, offset);
        }
      }
      this.value(scope, [...at, "value"], r.value, `${what}: replacements[${i}] value`);
    });
  }

  private deep(scope: Scope, path: DocPath, value: unknown, what: string, depth: number): void {
    if (depth > MAX_DEPTH) return;
    if (typeof value === "string") this.value(scope, path, value, what);
    else if (Array.isArray(value)) value.forEach((v, i) => this.deep(scope, [...path, i], v, what, depth + 1));
    else if (isObj(value)) for (const [k, v] of Object.entries(value)) this.deep(scope, [...path, k], v, what, depth + 1);
  }

  private actions(scope: Scope, path: DocPath, actions: unknown, kind: "successActions" | "failureActions", where: string): void {
    list(actions).forEach((a, i) => {
      if (!isObj(a)) return;
      const at = [...path, i];
      if (!("reference" in a)) {
        this.action(scope, at, a, `${where}: ${typeof a.name === "string" ? `action "${a.name}"` : `${path[path.length - 1]}[${i}]`}`);
        return;
      }
      const component = this.component(scope.doc, [...at, "reference"], a.reference, kind, `${where}: ${path[path.length - 1]}[${i}]`);
      if (component && isObj(component.value)) this.action({ ...scope, syntax: false }, component.path, component.value, usedIn(component.path, scope));
    });
  }

  private action(scope: Scope, path: DocPath, action: Obj, what: string): void {
    if (typeof action.stepId === "string" && scope.wf && !scope.wf.steps.has(action.stepId)) {
      this.report(scope.doc, [...path, "stepId"], { message: `${what}: stepId "${action.stepId}" is not a step of workflow "${scope.wf.id}"`, hint: suggest(action.stepId, [...scope.wf.steps.keys()], `steps of "${scope.wf.id}"`) });
    }
    if (typeof action.workflowId === "string") {
      const target = this.workflowRef(scope.doc, [...path, "workflowId"], action.workflowId, `${what}: workflowId`);
      if (target && scope.wf) this.calls.get(keyOf(scope.wf))?.to.push({ key: keyOf(target), path: [...path, "workflowId"] });
    }
    this.criteria(scope, [...path, "criteria"], action.criteria, `${what}: criteria`);
  }

  /** Resolves a Reusable Object's `reference`, reporting a missing component or one of the wrong kind. */
  private component(doc: DocInfo, path: DocPath, ref: unknown, kind: ComponentKind, what: string): { name: string; value: unknown; path: DocPath } | undefined {
    const m = typeof ref === "string" ? COMPONENT_REF.exec(ref) : null;
    if (!m) return undefined;
    const [, type, name] = m as unknown as [string, ComponentKind, string];
    if (type !== kind) {
      this.report(doc, path, { message: `${what}: reference "${String(ref)}" is a ${type} component, but only ${kind} can be used here`, hint: `use $components.${kind}.<name>` });
      return undefined;
    }
    const map = isObj(doc.components[kind]) ? (doc.components[kind] as Obj) : {};
    if (Object.hasOwn(map, name)) return { name, value: map[name], path: ["components", kind, name] };
    const elsewhere = (["parameters", "successActions", "failureActions", "inputs"] as const).filter((k) => k !== kind && isObj(doc.components[k]) && Object.hasOwn(doc.components[k] as Obj, name));
    const hint = closest(name, Object.keys(map)) !== undefined || elsewhere.length === 0 ? suggest(name, Object.keys(map), `components.${kind}`) : `"${name}" is in components.${elsewhere[0]}, but a ${kind} reference needs components.${kind}`;
    this.report(doc, path, { message: `${what}: reference "${String(ref)}" does not resolve: components.${kind} has no "${name}"`, hint }, String(ref), 0);
    return undefined;
  }

  private outputs(scope: Scope, path: DocPath, outputs: unknown, where: string): void {
    if (!isObj(outputs)) return;
    for (const [name, value] of Object.entries(outputs)) this.value(scope, [...path, name], value, `${where}: output "${name}"`);
  }

  /** JSON Schema `$ref`s that start with "#/" must resolve in the document (Reusable Object: inputs). */
  private schemaRefs(doc: DocInfo, path: DocPath, schema: unknown, depth: number, inMap = false): void {
    if (depth > MAX_DEPTH) return;
    if (Array.isArray(schema)) schema.forEach((s, i) => this.schemaRefs(doc, [...path, i], s, depth + 1));
    if (!isObj(schema)) return;
    for (const [key, value] of Object.entries(schema)) {
      if (key === "$ref" && !inMap && typeof value === "string" && value.startsWith("#/")) {
        if (resolveRef(doc.value, value) !== undefined) continue;
        const prefix = "#/components/inputs/";
        const names = Object.keys(isObj(doc.components.inputs) ? doc.components.inputs : {});
        const hint = value.startsWith(prefix) ? suggest(value.slice(prefix.length), names, "components.inputs") : `inputs schemas are kept under components.inputs: $ref: '${prefix}<name>'`;
        this.report(doc, [...path, key], { message: `$ref "${value}" does not resolve to anything in this document`, hint });
      } else if (typeof value === "object" && value !== null && key !== "const" && key !== "enum" && key !== "default" && key !== "examples") {
        this.schemaRefs(doc, [...path, key], value, depth + 1, !inMap && ["properties", "$defs", "definitions", "patternProperties", "dependentSchemas"].includes(key));
      }
    }
  }

  // ---- expressions ---------------------------------------------------------------------------------

  /** A field value: a string may be one runtime expression or text with embedded `{$...}`. */
  private value(scope: Scope, path: DocPath, value: unknown, what: string): void {
    if (typeof value !== "string") return;
    let template;
    try {
      template = parseTemplate(value);
    } catch (error) {
      const ported = portedExpression(value);
      if (ported !== undefined && scope.syntax) {
        this.report(scope.doc, path, { message: `${what}: ${messageOf(error)}`, hint: `write ${JSON.stringify(ported)}`, fix: { value: ported } }, value, 0);
        return;
      }
      this.syntaxError(scope, path, value, error, what, "write one runtime expression (e.g. $inputs.id), or text with embedded expressions in braces (e.g. 'id-{$inputs.id}')");
      return;
    }
    if (template.kind === "expression") this.expression(scope, path, value, 0, template.expression, what);
    else if (template.kind === "interpolated") {
      for (const part of template.parts) if (part.kind === "expression") this.expression(scope, path, value, part.bare ? part.offset : part.offset + 1, part.expression, what);
      const rewrite = scope.syntax ? bracedRewrite(value, template) : undefined;
      if (rewrite !== undefined) {
        const first = template.parts.find((part) => part.kind === "expression" && part.bare) as { offset: number };
        this.report(scope.doc, path, { severity: "warning", message: `${what}: ${JSON.stringify(value)} holds a runtime expression without braces; it is evaluated as if braced`, hint: `write ${JSON.stringify(rewrite)}`, fix: { value: rewrite } }, value, first.offset);
      }
    }
  }

  private syntaxError(scope: Scope, path: DocPath, text: string, error: unknown, what: string, hint: string): void {
    if (!scope.syntax) return;
    const offset = SluiceError.is(error) && typeof error.details?.offset === "number" ? error.details.offset : 0;
    this.report(scope.doc, path, { message: `${what}: ${messageOf(error)}`, hint }, text, offset);
  }

  private criteria(scope: Scope, path: DocPath, criteria: unknown, what: string): void {
    list(criteria).forEach((c, i) => {
      if (!isObj(c)) return;
      const at = [...path, i];
      const label = `${what}[${i}]`;
      if (typeof c.context === "string") {
        try {
          this.expression(scope, [...at, "context"], c.context, 0, parseExpression(c.context), `${label} context`);
        } catch (error) {
          this.syntaxError(scope, [...at, "context"], c.context, error, `${label} context`, "a context is one runtime expression, e.g. $response.body");
        }
      }
      const condition = c.condition;
      if (typeof condition !== "string" || condition.trim() === "") return;
      const cp = [...at, "condition"];
      const type = c.type === undefined ? "simple" : c.type;
      if (type === "simple") {
        let root: ConditionNode;
        try {
          root = compileCondition(condition).root;
        } catch (error) {
          this.syntaxError(scope, cp, condition, error, `${label} condition`, "a simple condition compares runtime expressions and literals, e.g. $statusCode == 200 && $response.body#/status == 'done'");
          return;
        }
        for (const node of expressionNodes(root)) this.expression(scope, cp, condition, node.offset, node.expression, `${label} condition`);
      } else if (type === "regex" && scope.syntax) {
        try {
          new RegExp(condition);
        } catch (error) {
          this.report(scope.doc, cp, { message: `${label}: the regular expression ${JSON.stringify(condition)} does not compile: ${messageOf(error)}`, hint: "write an ECMAScript regular expression, e.g. ^2\\d\\d$; escape ( ) [ ] { } . * + ? with \\ to match them literally" });
        }
      } else if ((type === "xpath" || (isObj(type) && type.type === "xpath")) && scope.syntax) {
        for (const name of unknownXPathFunctions(condition)) {
          this.report(scope.doc, cp, { message: `${label}: the XPath function ${name}() is not XPath 1.0, which sluice evaluates XPath criteria as`, hint: "use XPath 1.0 functions (contains(), starts-with(), translate(), ...), or a regex criterion on the value" }, condition, condition.indexOf(`${name}(`));
        }
      } else if (type === "jsonpath" && scope.syntax) {
        try {
          (this.parseJsonPath ??= loadJsonPathParser())(condition);
        } catch (error) {
          const rewrite = jsonPathComparisonRewrite(condition);
          if (rewrite !== undefined) {
            this.report(scope.doc, cp, { severity: "warning", message: `${label}: ${JSON.stringify(condition)} is a comparison, not an RFC 9535 JSONPath query; it is evaluated as the filter it means (the value at that path compared with the literal)`, hint: `write ${JSON.stringify(rewrite)}`, fix: { value: rewrite } }, condition, 0);
            return;
          }
          const offset = (error as { location?: { start?: { offset?: unknown } } }).location?.start?.offset;
          this.report(scope.doc, cp, { message: `${label}: the JSONPath ${JSON.stringify(condition)} is not valid RFC 9535 JSONPath: ${messageOf(error)}`, hint: "write a JSONPath query such as $.items[?@.status == 'done'] (RFC 9535)" }, condition, typeof offset === "number" ? offset : 0);
        }
      }
    });
  }

  private expression(scope: Scope, path: DocPath, text: string, offset: number, e: RuntimeExpression, what: string): void {
    const problem = expressionProblem(scope, e);
    if (!problem) return;
    const fix = problem.rewrite && scope.syntax ? { value: text.replaceAll(problem.rewrite.from, problem.rewrite.to) } : undefined;
    this.report(scope.doc, path, { message: `${what}: ${problem.message}`, hint: problem.hint, fix }, text, offset);
  }
}

// ---- helpers -----------------------------------------------------------------------------------------

/** Names a component checked where it is used: the same problem from two steps of one workflow is one. */
function usedIn(path: DocPath, scope: Scope): string {
  return `${path.join(".")}${scope.wf ? ` (as used in workflow "${scope.wf.id}")` : ""}`;
}

/** The expression operands of a condition with their offsets, in order. */
function expressionNodes(root: ConditionNode): Extract<ConditionNode, { type: "expression" }>[] {
  const out: Extract<ConditionNode, { type: "expression" }>[] = [];
  const stack: ConditionNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type === "expression") out.push(node);
    else if (node.type === "not") stack.push(node.operand);
    else if (node.type === "compare") stack.push(node.right, node.left);
    else if (node.type === "and" || node.type === "or") for (let i = node.operands.length - 1; i >= 0; i--) stack.push(node.operands[i]!);
  }
  return out;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
