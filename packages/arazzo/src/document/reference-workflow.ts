/**
 * A workflow and its steps: dependsOn, what each step calls, and everything inside them, each value in the
 * scope where it is evaluated. Records the dependsOn and call edges that the cycle check reads.
 */
import type { DocPath } from "./diagnostics.js";
import type { IndexedOperation } from "./operation-index.js";
import { actions } from "./reference-actions.js";
import { schemaRefs } from "./reference-components.js";
import { criteria } from "./reference-criteria.js";
import {
  inputNames,
  isObj,
  list,
  lookupComponent,
  suggest,
  type DocInfo,
  type Scope,
  type StepInfo,
  type WorkflowInfo,
} from "./reference-model.js";
import { report, type ReferenceContext } from "./reference-report.js";
import { operationId, operationPath, pathParameters, workflowRef } from "./reference-targets.js";
import { outputs, parameters, requestBody } from "./reference-values.js";
import { keyOf, type Edges } from "./workflow-cycles.js";

export function workflow(c: ReferenceContext, wf: WorkflowInfo): void {
  const { doc, obj, path } = wf;
  const where = `workflow "${wf.id}"`;
  schemaRefs(c, doc, [...path, "inputs"], obj.inputs, 0);
  const edge: Edges = { wf, to: [] };
  c.edges.set(keyOf(wf), edge);
  c.calls.set(keyOf(wf), { wf, to: [] });
  list(obj.dependsOn).forEach((ref, i) => {
    if (typeof ref !== "string") return;
    const target = workflowRef(c, doc, [...path, "dependsOn", i], ref, `${where}: dependsOn`);
    if (target) edge.to.push({ key: keyOf(target), path: [...path, "dependsOn", i] });
  });
  const scope: Scope = { doc, wf, phase: "request", syntax: true };
  parameters(c, scope, [...path, "parameters"], obj.parameters, where);
  for (const s of wf.steps.values()) step(c, wf, s);
  actions(
    c,
    { ...scope, phase: "response" },
    [...path, "successActions"],
    obj.successActions,
    "successActions",
    where,
  );
  actions(
    c,
    { ...scope, phase: "response" },
    [...path, "failureActions"],
    obj.failureActions,
    "failureActions",
    where,
  );
  outputs(c, { ...scope, phase: "workflow-outputs" }, [...path, "outputs"], obj.outputs, where);
}

function step(c: ReferenceContext, wf: WorkflowInfo, step: StepInfo): void {
  const { obj, path } = step;
  const doc = wf.doc;
  const where = `step "${step.id}" of workflow "${wf.id}"`;
  let call: Scope["call"] = { kind: "operation" };
  let operation: IndexedOperation | undefined;
  if (typeof obj.operationId === "string")
    operation = operationId(c, doc, [...path, "operationId"], obj.operationId, where);
  else if (typeof obj.operationPath === "string")
    operation = operationPath(c, doc, [...path, "operationPath"], obj.operationPath, where);
  if (operation) pathParameters(c, doc, path, obj.parameters, operation, where);
  else if (typeof obj.workflowId === "string")
    call = {
      kind: "workflow",
      callee: workflowRef(c, doc, [...path, "workflowId"], obj.workflowId, `${where}: workflowId`),
    };
  else if (obj.workflowId !== undefined) call = { kind: "workflow" };
  const request: Scope = { doc, wf, step, call, phase: "request", syntax: true };
  const response: Scope = { ...request, phase: "response" };
  parameters(c, request, [...path, "parameters"], obj.parameters, where);
  if (call.kind === "workflow" && call.callee) {
    calleeInputs(c, doc, path, obj.parameters, call.callee, where);
    c.calls.get(keyOf(wf))?.to.push({ key: keyOf(call.callee), path: [...path, "workflowId"] });
  }
  if (isObj(obj.requestBody))
    requestBody(c, request, [...path, "requestBody"], obj.requestBody, where);
  criteria(
    c,
    response,
    [...path, "successCriteria"],
    obj.successCriteria,
    `${where}: successCriteria`,
  );
  actions(c, response, [...path, "onSuccess"], obj.onSuccess, "successActions", where);
  actions(c, response, [...path, "onFailure"], obj.onFailure, "failureActions", where);
  outputs(c, response, [...path, "outputs"], obj.outputs, where);
}

/** Parameters of a step that calls a workflow become its inputs (Parameter Object, `in`). */
function calleeInputs(
  c: ReferenceContext,
  doc: DocInfo,
  stepPath: DocPath,
  params: unknown,
  callee: WorkflowInfo,
  where: string,
): void {
  const inputs = inputNames(callee.doc.value, callee.obj.inputs);
  if (inputs === "open") return;
  list(params).forEach((p, i) => {
    const param =
      isObj(p) && typeof p.reference === "string" ? lookupComponent(doc, p.reference) : p;
    if (!isObj(param) || typeof param.name !== "string" || inputs.has(param.name)) return;
    const at =
      isObj(p) && "reference" in p
        ? [...stepPath, "parameters", i, "reference"]
        : [...stepPath, "parameters", i, "name"];
    report(c, doc, at, {
      message: `${where}: parameter "${param.name}" is not an input of workflow "${callee.id}", which it calls`,
      hint: suggest(param.name, [...inputs], `inputs of "${callee.id}"`),
    });
  });
}
