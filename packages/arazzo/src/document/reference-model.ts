/**
 * What the reference check walks: each Arazzo document's source descriptions, workflows and steps
 * by name, and the rules for what a runtime expression may name where it is evaluated (its Scope).
 *
 * Decisions where 1.0.1 says little:
 * - `$outputs.<name>` means the called workflow's outputs in a step that calls a workflow (in its
 *   successCriteria, outputs and actions). Anywhere else it is an error: in workflow `outputs` it
 *   would be the outputs being computed, in an operation step there is no workflow result, and in
 *   a step's own parameters the workflow has not run yet. Workflow-level actions and parameters
 *   serve every step, so `$outputs` there is not checked.
 * - `$response.*` and `$statusCode` are errors where no response exists: parameters and request
 *   bodies (the request is not sent yet). In workflow outputs they are the workflow's last response.
 *   `$url`, `$method` and `$request.*` are errors in a step that calls a workflow: it sends no HTTP
 *   request itself; its `$statusCode` and `$response.*` are the called workflow's last response (the
 *   spec's pet-coupons example). In workflow outputs `$url`, `$method` and `$request.*` are errors.
 * - `$inputs.<name>` must be a property of the workflow's inputs schema (after `$ref`, `allOf`,
 *   `anyOf`, `oneOf`) unless the schema is open: no `properties`, `additionalProperties` other than
 *   false, or `patternProperties`. A workflow without `inputs` has none (the runner refuses inputs
 *   that no workflow declares).
 * - `$steps.<id>` naming a later step is an error only when no action in the workflow has a
 *   `stepId` (steps then run strictly in order; 1.1.0 "Step Dependencies" asks for this error).
 */
import { closest } from "sluice/internal";
import type { DocPath } from "./diagnostics.js";
import { expressionToString, type RuntimeExpression } from "../expressions/expression.js";
import { parsePointer, resolvePointer } from "../expressions/json-pointer.js";
import type { LoadedDocument } from "./load.js";

export type Obj = Record<string, unknown>;
export type Problem = {
  message: string;
  hint: string;
  severity?: "warning";
  fix?: { value: string };
  /** The standard form of one expression inside the value (the fix replaces `from` by `to` in the whole scalar). */
  rewrite?: { from: string; to: string };
};

export interface SourceInfo {
  name: string;
  kind?: "openapi" | "arazzo";
  /** Absent when the source could not be loaded (the loader reported why). */
  loaded?: LoadedDocument;
  /** Arazzo sources that loaded. */
  info?: DocInfo;
}

export interface DocInfo {
  doc: LoadedDocument;
  value: Obj;
  sources: Map<string, SourceInfo>;
  workflows: Map<string, WorkflowInfo>;
  components: Obj;
}

export interface WorkflowInfo {
  doc: DocInfo;
  id: string;
  obj: Obj;
  path: DocPath;
  steps: Map<string, StepInfo>;
  /** No action jumps to a step: steps run in the order written. */
  sequential: boolean;
}

export interface StepInfo {
  id: string;
  index: number;
  obj: Obj;
  path: DocPath;
}

/** Where a value is evaluated; `wf` is absent for a component checked on its own. */
export interface Scope {
  doc: DocInfo;
  wf?: WorkflowInfo;
  step?: StepInfo;
  /** What the step calls; absent outside steps. `callee` is absent when it cannot be resolved. */
  call?: { kind: "operation" } | { kind: "workflow"; callee?: WorkflowInfo };
  phase: "request" | "response" | "workflow-outputs";
  /** False when re-checking a component at a use site: its syntax was reported where it is. */
  syntax: boolean;
}

export const COMPONENT_REF =
  /^\$components\.(parameters|successActions|failureActions|inputs)\.([a-zA-Z0-9._-]+)$/;

/** A cache of DocInfo for the documents the loader returned (first of duplicate names wins). */
export function createModel(
  documents: Map<string, LoadedDocument>,
): (doc: LoadedDocument) => DocInfo | undefined {
  const infos = new Map<string, DocInfo>();
  const info = (doc: LoadedDocument): DocInfo | undefined => {
    const cached = infos.get(doc.url);
    if (cached !== undefined || !isObj(doc.value)) return cached;
    const value = doc.value;
    const model: DocInfo = {
      doc,
      value,
      sources: new Map(),
      workflows: new Map(),
      components: isObj(value.components) ? value.components : {},
    };
    infos.set(doc.url, model); // before the sources, so documents that name each other terminate
    for (const entry of list(value.sourceDescriptions)) {
      if (!isObj(entry) || typeof entry.name !== "string" || model.sources.has(entry.name))
        continue;
      const url = doc.sources?.get(entry.name);
      const loaded = url === undefined ? undefined : documents.get(url);
      const declared = entry.type === "openapi" || entry.type === "arazzo" ? entry.type : undefined;
      const kind = loaded?.kind ?? declared;
      model.sources.set(entry.name, {
        name: entry.name,
        kind,
        loaded,
        info: loaded && kind === "arazzo" ? info(loaded) : undefined,
      });
    }
    list(value.workflows).forEach((wf, index) => {
      if (!isObj(wf) || typeof wf.workflowId !== "string" || model.workflows.has(wf.workflowId))
        return;
      const w: WorkflowInfo = {
        doc: model,
        id: wf.workflowId,
        obj: wf,
        path: ["workflows", index],
        steps: new Map(),
        sequential: true,
      };
      const actionLists = [wf.successActions, wf.failureActions];
      list(wf.steps).forEach((step, i) => {
        if (!isObj(step)) return;
        actionLists.push(step.onSuccess, step.onFailure);
        if (typeof step.stepId === "string" && !w.steps.has(step.stepId))
          w.steps.set(step.stepId, {
            id: step.stepId,
            index: i,
            obj: step,
            path: [...w.path, "steps", i],
          });
      });
      w.sequential = !actionLists.some((l) =>
        list(l).some((a) => {
          const action =
            isObj(a) && typeof a.reference === "string" ? lookupComponent(model, a.reference) : a;
          return isObj(action) && typeof action.stepId === "string";
        }),
      );
      model.workflows.set(w.id, w);
    });
    return model;
  };
  return info;
}

/** The component a `$components.<kind>.<name>` reference names, if it exists. */
export function lookupComponent(doc: DocInfo, ref: string): unknown {
  const m = COMPONENT_REF.exec(ref);
  const map = m ? doc.components[m[1]!] : undefined;
  return m && isObj(map) && Object.hasOwn(map, m[2]!) ? map[m[2]!] : undefined;
}

/** What is wrong with using expression `e` in `scope`, if anything. */
export function expressionProblem(scope: Scope, e: RuntimeExpression): Problem | undefined {
  const shown = `"${expressionToString(e)}"`;
  const { doc, wf, step, call, phase } = scope;
  switch (e.kind) {
    case "url":
    case "method":
    case "request":
    case "statusCode":
    case "response": {
      const responseOnly = e.kind === "statusCode" || e.kind === "response";
      // A step that calls a workflow has no request of its own; its response is the called workflow's last one.
      if (call?.kind === "workflow" && !responseOnly)
        return {
          message: `${shown} has no value: this step calls a workflow and sends no HTTP request of its own`,
          hint: "read the called workflow's results with $outputs.<name>, or its last response with $statusCode and $response.*",
        };
      if (phase === "workflow-outputs" && !responseOnly)
        return {
          message: `${shown} has no value in workflow outputs, which are computed after the last step`,
          hint: "give the step an output (outputs: { name: ... }) and use $steps.<stepId>.outputs.<name>",
        };
      if (phase === "request" && responseOnly)
        return {
          message: `${shown} has no value yet: parameters and request bodies are computed before the request is sent`,
          hint: "use a value from an earlier step, $steps.<stepId>.outputs.<name>, or an input, $inputs.<name>",
        };
      return undefined;
    }
    case "inputs":
      return wf ? inputProblem(wf, e.name) : undefined;
    case "outputs": {
      if (phase === "workflow-outputs")
        return {
          message: `${shown} would be this workflow's own outputs, which are being computed`,
          hint: `use $steps.<stepId>.outputs.${e.name}`,
        };
      if (!step || !call) return undefined;
      if (call.kind === "operation")
        return {
          message: `${shown} has no value: $outputs names the outputs of a called workflow, and this step calls an operation`,
          hint: `use $response.body#/..., or $steps.<stepId>.outputs.${e.name}`,
        };
      if (phase === "request")
        return {
          message: `${shown} has no value yet: the called workflow runs after its parameters are computed`,
          hint: "use an input or an earlier step's output",
        };
      return call.callee
        ? outputProblem(
            call.callee.obj.outputs,
            e.name,
            `workflow "${call.callee.id}" (called by this step)`,
          )
        : undefined;
    }
    case "steps": {
      if (!wf) return undefined;
      const target = wf.steps.get(e.stepId);
      if (!target)
        return {
          message: `${shown}: workflow "${wf.id}" has no step "${e.stepId}"`,
          hint: suggest(e.stepId, [...wf.steps.keys()], `steps of "${wf.id}"`),
        };
      const problem = outputProblem(target.obj.outputs, e.name, `step "${e.stepId}"`);
      if (problem) return { message: `${shown}: ${problem.message}`, hint: problem.hint };
      if (step && target.index > step.index && wf.sequential) {
        return {
          message: `${shown} is read before step "${e.stepId}" runs: steps run in order, and no action jumps back`,
          hint: `move step "${e.stepId}" before step "${step.id}"`,
        };
      }
      return undefined;
    }
    case "workflows": {
      const target = doc.workflows.get(e.workflowId);
      if (!target)
        return {
          message: `${shown}: there is no workflow "${e.workflowId}" in this document`,
          hint: suggest(e.workflowId, [...doc.workflows.keys()], "workflows"),
        };
      const problem =
        e.field === "outputs"
          ? outputProblem(target.obj.outputs, e.name, `workflow "${target.id}"`)
          : inputProblem(target, e.name);
      return problem ? { message: `${shown}: ${problem.message}`, hint: problem.hint } : undefined;
    }
    case "sourceDescriptions": {
      const source = doc.sources.get(e.name);
      if (!source)
        return {
          message: `${shown}: there is no source description named "${e.name}"`,
          hint: suggest(e.name, [...doc.sources.keys()], "source descriptions"),
        };
      const openapi = source.loaded?.kind === "openapi";
      const ids = openapi
        ? [...(source.loaded!.operations?.byId.keys() ?? [])]
        : source.info
          ? [...source.info.workflows.keys()]
          : undefined;
      if (
        ids === undefined ||
        ["url", "name", "type"].includes(e.reference) ||
        ids.includes(e.reference)
      )
        return undefined;
      return {
        message: `${shown}: source "${e.name}" has no field, ${openapi ? "operationId" : "workflowId"} or anything else named "${e.reference}"`,
        hint: suggest(e.reference, ["url", "name", "type", ...ids], "names there"),
      };
    }
    case "components": {
      const map = doc.components[e.type];
      if (isObj(map) && Object.hasOwn(map, e.name)) return undefined;
      return {
        message: `${shown}: components.${e.type} has no "${e.name}"`,
        hint: suggest(e.name, Object.keys(isObj(map) ? map : {}), `components.${e.type}`),
      };
    }
  }
}

export function inputProblem(wf: WorkflowInfo, name: string): Problem | undefined {
  const names = inputNames(wf.doc.value, wf.obj.inputs);
  if (names === "open" || names.has(name)) return undefined;
  const dot = name.indexOf(".");
  const head = name.slice(0, dot);
  if (head === "env" && !names.has("env"))
    return respectEnvironmentInput(wf, name.slice(dot + 1), names);
  if (wf.obj.inputs === undefined)
    return {
      message: `workflow "${wf.id}" has no input "${name}": it declares no inputs`,
      hint: `declare it: inputs: { type: object, properties: { ${name}: { type: string } } }`,
    };
  const hint =
    dot > 0 && names.has(head)
      ? `input names may contain dots; to read a field of input "${head}" write $inputs.${head}#/${name.slice(dot + 1).replace(/\./g, "/")}`
      : suggest(name, [...names], `inputs of "${wf.id}"`);
  return {
    message: `workflow "${wf.id}" has no input "${name}" (its inputs schema does not declare it)`,
    hint,
  };
}

/**
 * Redocly Respect reads environment variables as `$inputs.env.NAME`. sluice lets no document read the
 * environment (a document from elsewhere could send any secret away): the value is a declared input,
 * which the user may set from an environment variable of their choosing (SLUICE_INPUT_<NAME>).
 */
function respectEnvironmentInput(
  wf: WorkflowInfo,
  variable: string,
  declared: ReadonlySet<string>,
): Problem {
  const how = `set it with --input ${variable}=... or the environment variable SLUICE_INPUT_${variable}`;
  const message = `workflow "${wf.id}" has no input "env.${variable}": $inputs.env.${variable} is how Redocly Respect reads the environment variable ${variable}, and sluice does not let a document read environment variables`;
  if (declared.has(variable))
    return {
      message,
      hint: `write $inputs.${variable} (the workflow declares input "${variable}"); ${how}`,
      rewrite: { from: `$inputs.env.${variable}`, to: `$inputs.${variable}` },
    };
  return {
    message,
    hint: `declare an input: inputs: { type: object, properties: { ${variable}: { type: string } } }, write $inputs.${variable}, and ${how}`,
  };
}

function outputProblem(outputs: unknown, name: string, owner: string): Problem | undefined {
  const names = isObj(outputs) ? Object.keys(outputs) : [];
  if (names.includes(name)) return undefined;
  if (names.length === 0)
    return {
      message: `${owner} declares no outputs, so it has no output "${name}"`,
      hint: `add outputs: { ${name}: <runtime expression> } to ${owner}`,
    };
  return {
    message: `${owner} has no output "${name}"`,
    hint: suggest(name, names, `outputs of ${owner}`),
  };
}

/**
 * The property names a workflow's inputs schema declares, or "open" when other names are allowed
 * or the schema cannot be followed ($ref outside the document, composition we do not unfold). A
 * workflow without `inputs` has none.
 */
export function inputNames(root: Obj, schema: unknown, depth = 0): Set<string> | "open" {
  if (schema === undefined) return new Set();
  let current: unknown = schema;
  for (let hops = 0; isObj(current) && typeof current.$ref === "string"; hops++) {
    if (hops > 16 || !current.$ref.startsWith("#")) return "open";
    current = resolveRef(root, current.$ref);
  }
  if (!isObj(current) || depth > 16) return "open";
  if (
    current.patternProperties !== undefined ||
    (current.additionalProperties !== undefined && current.additionalProperties !== false)
  )
    return "open";
  const names = new Set(isObj(current.properties) ? Object.keys(current.properties) : []);
  let declared = isObj(current.properties);
  for (const key of ["allOf", "anyOf", "oneOf"]) {
    for (const part of list(current[key])) {
      const inner = inputNames(root, part, depth + 1);
      if (inner === "open") return "open";
      for (const n of inner) names.add(n);
      declared = true;
    }
  }
  return declared ? names : "open";
}

/** A local `#/...` reference (a URI fragment holding a JSON pointer) into `root`, or undefined. */
export function resolveRef(root: Obj, ref: string): unknown {
  try {
    const found = resolvePointer(root, parsePointer(decodeURIComponent(ref.slice(1))));
    return found.found ? found.value : undefined;
  } catch {
    return undefined;
  }
}

/** "did you mean" when a candidate is within edit distance 2, else the candidates (or that there are none). */
export function suggest(word: string, candidates: readonly string[], noun: string): string {
  const near = closest(word, candidates);
  if (near !== undefined) return `did you mean "${near}"?`;
  return candidates.length === 0 ? `there are no ${noun}` : `${noun}: ${preview(candidates)}`;
}

export function preview(names: readonly string[]): string {
  const shown = names.slice(0, 10).join(", ");
  return names.length > 10 ? `${shown}, ... (${names.length} in all)` : shown;
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
