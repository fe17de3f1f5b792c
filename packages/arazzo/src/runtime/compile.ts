/**
 * Turns a validated Arazzo document (and the documents it names) into what the runner executes:
 * workflows with their steps' targets resolved (operation, server, or called workflow), parameters
 * merged (workflow level, then step level; the step wins by name and `in`; Reusable Objects
 * resolved, `value` overriding), criteria compiled once, and each step's success and failure
 * actions merged (the step's first, then the workflow's whose names the step does not use).
 * Only workflows the run can reach are compiled. Runs after validation, so malformed parts have
 * been reported already; what is left unresolved here is an internal error.
 */
import { SluiceError } from "sluice/internal";
import {
  compileCondition,
  evaluateCondition,
  type ExpressionResolver,
} from "../expressions/condition.js";
import type { DocumentScope } from "../expressions/context.js";
import type { LoadedDocument, LoadResult } from "../document/load.js";
import type { IndexedOperation } from "../document/operation-index.js";
import {
  createModel,
  isObj,
  list,
  lookupComponent,
  type DocInfo,
  type Obj,
} from "../document/reference-model.js";

export interface RunnableCriterion {
  source: string;
  /** simple, regex, jsonpath or xpath. */
  type: string;
  test(resolve: ExpressionResolver): boolean;
}

export interface RunnableAction {
  name: string;
  type: "end" | "goto" | "retry";
  stepId?: string;
  /** Key of the workflow a goto or retry names. */
  workflow?: string;
  /** retryAfter in ms. */
  retryAfterMs?: number;
  /** How many retries this action allows (default 1). */
  retryLimit: number;
  criteria: RunnableCriterion[];
}

export interface RunnableParameter {
  name: string;
  in?: string;
  value: unknown;
}

export interface RunnableStep {
  id: string;
  index: number;
  obj: Obj;
  /** The name of its step record. */
  recordName: string;
  operation?: { op: IndexedOperation; serverUrl: string | undefined; method: string; path: string };
  /** Key of the workflow a workflowId step calls. */
  calls?: string;
  parameters: RunnableParameter[];
  requestBody?: Obj;
  successCriteria: RunnableCriterion[];
  onSuccess: RunnableAction[];
  onFailure: RunnableAction[];
  outputs: Array<[string, unknown]>;
  poll?: { intervalMs: number; timeoutMs: number };
}

export interface RunnableDocument {
  info: DocInfo;
  /** "" for the document run; else the source names that lead to it, joined by ".". */
  label: string;
  scope: DocumentScope;
}

export interface RunnableWorkflow {
  key: string;
  id: string;
  /** How the workflow is named in results and step names: its id, or `<source>.<id>` in another document. */
  label: string;
  doc: RunnableDocument;
  index: number;
  obj: Obj;
  steps: RunnableStep[];
  stepIndex: Map<string, number>;
  outputs: Array<[string, unknown]>;
  inputsSchema: unknown;
  /** Keys of the workflows this one depends on. */
  dependsOn: string[];
}

export interface CompileOptions {
  /** Source description name → server base URL, overriding the OpenAPI servers of its operations. */
  serverUrls?: Record<string, string>;
  /** Criteria other than simple conditions (loaded only when a document uses them). */
  criteria?: typeof import("../criteria/criteria.js");
}

/** Every runnable workflow the given ones can reach (dependsOn, workflowId steps, goto and retry targets). */
export class CompiledRun {
  readonly workflows = new Map<string, RunnableWorkflow>();
  readonly root: RunnableDocument;
  private readonly docs = new Map<string, RunnableDocument>();
  private readonly infoOf: (doc: LoadedDocument) => DocInfo | undefined;
  private readonly servers = new Map<string, string>();

  constructor(
    readonly loaded: LoadResult,
    private readonly options: CompileOptions = {},
  ) {
    this.infoOf = createModel(loaded.documents);
    this.root = this.document(loaded.root, "");
    for (const [name, url] of Object.entries(options.serverUrls ?? {})) {
      const target = this.findSource(name);
      if (target === undefined) {
        throw new SluiceError(
          "invalid-usage",
          `--source-url ${name}=${url}: no source description is named "${name}". Names: ${[...this.root.info.sources.keys()].join(", ") || "(none)"}.`,
        );
      }
      this.servers.set(target, url);
    }
  }

  /** The root document's workflow ids, in document order. */
  workflowIds(): string[] {
    return [...this.root.info.workflows.keys()];
  }

  /** Compiles `ids` of the root document and everything they reach; returns their keys. */
  select(ids: readonly string[]): string[] {
    const keys = ids.map((id) => {
      const wf = this.root.info.workflows.get(id);
      if (!wf)
        throw new SluiceError(
          "invalid-usage",
          `The document has no workflow "${id}". Its workflows: ${this.workflowIds().join(", ")}.`,
        );
      return this.key(this.root, id);
    });
    const queue = [...keys];
    const seen = new Set<string>();
    const pending: Array<[RunnableDocument, Obj, number, string]> = [];
    while (queue.length > 0) {
      const key = queue.shift()!;
      if (seen.has(key)) continue;
      seen.add(key);
      const [doc, id] = this.parseKey(key);
      const info = doc.info.workflows.get(id)!;
      pending.push([doc, info.obj, info.path[1] as number, key]);
      for (const next of this.reachable(doc, info.obj)) queue.push(next);
    }
    const qualified = seen.size > 1;
    for (const [doc, obj, index, key] of pending)
      this.workflows.set(key, this.compileWorkflow(doc, obj, index, key, qualified));
    return keys;
  }

  workflow(key: string): RunnableWorkflow {
    const wf = this.workflows.get(key);
    if (!wf) throw new SluiceError("internal", `Workflow ${key} was not compiled.`);
    return wf;
  }

  // ---- documents and keys ---------------------------------------------------------------------------

  private document(loaded: LoadedDocument, label: string): RunnableDocument {
    const cached = this.docs.get(loaded.url);
    if (cached) return cached;
    const info = this.infoOf(loaded);
    if (!info) throw new SluiceError("internal", `${loaded.url} is not an Arazzo document.`);
    const sources = new Map<string, { entry: Obj; url?: string }>();
    for (const entry of list(info.value.sourceDescriptions)) {
      if (!isObj(entry) || typeof entry.name !== "string") continue;
      const url = loaded.sources?.get(entry.name);
      sources.set(entry.name, url === undefined ? { entry } : { entry, url });
    }
    const doc: RunnableDocument = {
      info,
      label,
      scope: { value: info.value, sources, workflows: new Map() },
    };
    this.docs.set(loaded.url, doc);
    return doc;
  }

  private key(doc: RunnableDocument, id: string): string {
    return `${doc.info.doc.url}#${id}`;
  }

  private parseKey(key: string): [RunnableDocument, string] {
    const at = key.lastIndexOf("#");
    const doc = this.docs.get(key.slice(0, at));
    if (!doc) throw new SluiceError("internal", `No document for ${key}.`);
    return [doc, key.slice(at + 1)];
  }

  /** The key of a workflow reference (a local id or `$sourceDescriptions.<name>.<id>`) made in `doc`. */
  workflowKey(doc: RunnableDocument, ref: string): string {
    const m = /^\$sourceDescriptions\.([A-Za-z0-9_-]+)\.(.+)$/.exec(ref);
    if (!m) return this.key(doc, ref);
    const source = doc.info.sources.get(m[1]!);
    if (!source?.loaded || source.kind !== "arazzo")
      throw new SluiceError("internal", `Source "${m[1]}" is not a loaded Arazzo document.`);
    const other = this.document(source.loaded, doc.label === "" ? m[1]! : `${doc.label}.${m[1]}`);
    return this.key(other, m[2]!);
  }

  private findSource(name: string): string | undefined {
    const direct = this.loaded.root.sources?.get(name);
    if (direct !== undefined) return direct;
    for (const doc of this.loaded.documents.values()) {
      const url = doc.kind === "arazzo" ? doc.sources?.get(name) : undefined;
      if (url !== undefined) return url;
    }
    return undefined;
  }

  private reachable(doc: RunnableDocument, wf: Obj): string[] {
    const out: string[] = [];
    for (const dep of list(wf.dependsOn))
      if (typeof dep === "string") out.push(this.workflowKey(doc, dep));
    const actions = [...list(wf.successActions), ...list(wf.failureActions)];
    for (const step of list(wf.steps)) {
      if (!isObj(step)) continue;
      if (typeof step.workflowId === "string") out.push(this.workflowKey(doc, step.workflowId));
      actions.push(...list(step.onSuccess), ...list(step.onFailure));
    }
    for (const raw of actions) {
      const action = this.actionObject(doc, raw);
      if (isObj(action) && typeof action.workflowId === "string")
        out.push(this.workflowKey(doc, action.workflowId));
    }
    return out;
  }

  // ---- workflows and steps ---------------------------------------------------------------------------

  private compileWorkflow(
    doc: RunnableDocument,
    obj: Obj,
    index: number,
    key: string,
    qualified: boolean,
  ): RunnableWorkflow {
    const id = obj.workflowId as string;
    const label = doc.label === "" ? id : `${doc.label}.${id}`;
    const wfParams = this.parameters(doc, obj.parameters);
    const wfSuccess = this.actions(doc, obj.successActions, "success");
    const wfFailure = this.actions(doc, obj.failureActions, "failure");
    const steps = list(obj.steps).map((raw, i) =>
      this.compileStep(
        doc,
        raw as Obj,
        i,
        qualified ? `${label}/${(raw as Obj).stepId}` : String((raw as Obj).stepId),
        wfParams,
        wfSuccess,
        wfFailure,
      ),
    );
    return {
      key,
      id,
      label,
      doc,
      index,
      obj,
      steps,
      stepIndex: new Map(steps.map((s) => [s.id, s.index])),
      outputs: isObj(obj.outputs) ? Object.entries(obj.outputs) : [],
      inputsSchema: obj.inputs,
      dependsOn: list(obj.dependsOn)
        .filter((d): d is string => typeof d === "string")
        .map((d) => this.workflowKey(doc, d)),
    };
  }

  private compileStep(
    doc: RunnableDocument,
    obj: Obj,
    index: number,
    recordName: string,
    wfParams: RunnableParameter[],
    wfSuccess: RunnableAction[],
    wfFailure: RunnableAction[],
  ): RunnableStep {
    const step: RunnableStep = {
      id: obj.stepId as string,
      index,
      obj,
      recordName,
      parameters: [],
      successCriteria: list(obj.successCriteria).map((c) => this.criterion(c)),
      onSuccess: merge(this.actions(doc, obj.onSuccess, "success"), wfSuccess),
      onFailure: merge(this.actions(doc, obj.onFailure, "failure"), wfFailure),
      outputs: isObj(obj.outputs) ? Object.entries(obj.outputs) : [],
    };
    const own = this.parameters(doc, obj.parameters);
    if (typeof obj.workflowId === "string") {
      step.calls = this.workflowKey(doc, obj.workflowId);
      // Parameters of a step that calls a workflow are the called workflow's inputs, by name.
      step.parameters = mergeParameters(
        wfParams.filter((p) => p.in === undefined),
        own,
      );
    } else {
      const op = this.operation(doc, obj);
      step.operation = {
        op,
        serverUrl: this.servers.get(op.source) ?? op.servers[0]?.url,
        method: op.method.toUpperCase(),
        path: op.path,
      };
      step.parameters = mergeParameters(
        wfParams.filter((p) => p.in !== undefined),
        own.filter((p) => p.in !== undefined),
      );
      if (isObj(obj.requestBody)) {
        // No contentType: the operation's first request media type says how to serialize (1.0.1 Request Body Object).
        const declared = op.requestBody?.contentTypes[0];
        step.requestBody =
          obj.requestBody.contentType === undefined && declared !== undefined
            ? { ...obj.requestBody, contentType: declared }
            : obj.requestBody;
      }
    }
    const poll = obj["x-sluice-poll"];
    if (isObj(poll)) {
      const intervalMs =
        typeof poll.intervalMs === "number" && poll.intervalMs >= 0 ? poll.intervalMs : 1000;
      const timeoutMs =
        typeof poll.timeoutMs === "number" && poll.timeoutMs > 0
          ? poll.timeoutMs
          : Number.POSITIVE_INFINITY;
      step.poll = { intervalMs, timeoutMs };
    }
    return step;
  }

  private operation(doc: RunnableDocument, step: Obj): IndexedOperation {
    const fail = (): never => {
      throw new SluiceError(
        "internal",
        `Step "${String(step.stepId)}": its operation cannot be found (validation should have said why).`,
      );
    };
    if (typeof step.operationPath === "string") {
      const m = /^\{\$sourceDescriptions\.([A-Za-z0-9_-]+)\.url\}(#.*)$/.exec(step.operationPath);
      const source = m ? doc.info.sources.get(m[1]!) : undefined;
      return source?.loaded?.operations?.byPointer(m![2]!) ?? fail();
    }
    const id = String(step.operationId);
    const m = /^\$sourceDescriptions\.([A-Za-z0-9_-]+)\.(.+)$/.exec(id);
    if (m) return doc.info.sources.get(m[1]!)?.loaded?.operations?.byId.get(m[2]!) ?? fail();
    for (const source of doc.info.sources.values()) {
      const found = source.loaded?.operations?.byId.get(id);
      if (found) return found;
    }
    return fail();
  }

  private parameters(doc: RunnableDocument, raw: unknown): RunnableParameter[] {
    const out: RunnableParameter[] = [];
    for (const item of list(raw)) {
      if (!isObj(item)) continue;
      let param: Obj | undefined = item;
      if (typeof item.reference === "string") {
        const found = lookupComponent(doc.info, item.reference);
        param = isObj(found)
          ? Object.hasOwn(item, "value")
            ? { ...found, value: item.value }
            : found
          : undefined;
      }
      if (!param || typeof param.name !== "string") continue;
      out.push(
        typeof param.in === "string"
          ? { name: param.name, in: param.in, value: param.value }
          : { name: param.name, value: param.value },
      );
    }
    return out;
  }

  private actionObject(doc: RunnableDocument, raw: unknown): Obj | undefined {
    if (!isObj(raw)) return undefined;
    if (typeof raw.reference !== "string") return raw;
    const found = lookupComponent(doc.info, raw.reference);
    return isObj(found) ? found : undefined;
  }

  private actions(
    doc: RunnableDocument,
    raw: unknown,
    kind: "success" | "failure",
  ): RunnableAction[] {
    const out: RunnableAction[] = [];
    for (const item of list(raw)) {
      const a = this.actionObject(doc, item);
      if (!a || typeof a.name !== "string" || typeof a.type !== "string") continue;
      const type =
        a.type === "goto" || a.type === "end" || (a.type === "retry" && kind === "failure")
          ? a.type
          : undefined;
      if (!type) continue;
      const action: RunnableAction = {
        name: a.name,
        type,
        retryLimit: typeof a.retryLimit === "number" ? a.retryLimit : 1,
        criteria: list(a.criteria).map((c) => this.criterion(c)),
      };
      if (typeof a.stepId === "string") action.stepId = a.stepId;
      if (typeof a.workflowId === "string") action.workflow = this.workflowKey(doc, a.workflowId);
      if (typeof a.retryAfter === "number") action.retryAfterMs = a.retryAfter * 1000;
      out.push(action);
    }
    return out;
  }

  private criterion(raw: unknown): RunnableCriterion {
    const c = raw as Obj;
    const source = String(c.condition);
    if (c.type === undefined || c.type === "simple") {
      const compiled = compileCondition(source);
      return { source, type: "simple", test: (resolve) => evaluateCondition(compiled, resolve) };
    }
    const type = typeof c.type === "string" ? c.type : String((c.type as Obj).type);
    const criteria = this.options.criteria;
    if (!criteria)
      throw new SluiceError(
        "internal",
        `Criterion "${source}" needs the criteria module, which was not loaded.`,
      );
    const compiled = criteria.compileCriterion(c as never);
    return {
      source: criteria.describeCriterion(compiled),
      type,
      test: (resolve) => criteria.evaluateCriterion(compiled, resolve),
    };
  }
}

/** Whether any criterion of the loaded Arazzo documents is other than a simple condition. */
export function needsCriteriaModule(loaded: LoadResult): boolean {
  const visit = (value: unknown, depth: number): boolean => {
    if (depth > 64 || typeof value !== "object" || value === null) return false;
    if (Array.isArray(value)) return value.some((v) => visit(v, depth + 1));
    const obj = value as Obj;
    if (typeof obj.condition === "string" && obj.type !== undefined && obj.type !== "simple")
      return true;
    return Object.values(obj).some((v) => visit(v, depth + 1));
  };
  for (const doc of loaded.documents.values())
    if (doc.kind === "arazzo" && visit(doc.value, 0)) return true;
  return false;
}

/** Step-level entries first, then workflow-level ones whose names the step does not use. */
function merge(own: RunnableAction[], inherited: RunnableAction[]): RunnableAction[] {
  if (inherited.length === 0) return own;
  const names = new Set(own.map((a) => a.name));
  return [...own, ...inherited.filter((a) => !names.has(a.name))];
}

function paramKey(p: RunnableParameter): string {
  return p.in === "header" ? `header:${p.name.toLowerCase()}` : `${p.in ?? ""}:${p.name}`;
}

function mergeParameters(
  inherited: RunnableParameter[],
  own: RunnableParameter[],
): RunnableParameter[] {
  if (inherited.length === 0) return own;
  const keys = new Set(own.map(paramKey));
  return [...inherited.filter((p) => !keys.has(paramKey(p))), ...own];
}
