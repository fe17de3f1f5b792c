/** Structure checks of the Step Object: what it calls (exactly one of operationId, operationPath, workflowId) and its other fields. */
import type { DocPath } from "./diagnostics.js";
import { actions } from "./structure-actions.js";
import { criteria } from "./structure-criteria.js";
import * as f from "./structure-fields.js";
import type { StructureContext } from "./structure-fields.js";
import { parameters } from "./structure-parameters.js";
import { outputs, requestBody } from "./structure-values.js";

const STEP_FIELDS = [
  "description",
  "stepId",
  "operationId",
  "operationPath",
  "workflowId",
  "parameters",
  "requestBody",
  "successCriteria",
  "onSuccess",
  "onFailure",
  "outputs",
];
const OPERATION_PATH = /^\{\$sourceDescriptions\.[A-Za-z0-9_\-]+\.url\}#\/\S*$/;

/** Checks one step; its stepId, and whether it calls an operation (which makes `in` required on its workflow's parameters). */
export function step(
  c: StructureContext,
  path: DocPath,
  value: unknown,
  fallback: string,
  workflow: string,
  openApiSources: number,
): { id?: string; operation: boolean } | undefined {
  const step = f.object(c, path, value, fallback);
  if (!step) return undefined;
  const id = typeof step.stepId === "string" ? step.stepId : undefined;
  const what = id !== undefined ? `step "${id}" of ${workflow}` : fallback;
  f.fields(c, path, step, STEP_FIELDS, what);
  if (f.required(c, path, step, "stepId", what, "add stepId: <an id unique in this workflow>"))
    f.name(c, path, step, "stepId", what);
  f.string(c, path, step, "description", what);
  const targets = (["operationId", "operationPath", "workflowId"] as const).filter(
    (field) => step[field] !== undefined,
  );
  if (targets.length === 0) {
    f.report(
      c,
      path,
      `${what} does not say what it calls`,
      "add exactly one of operationId, operationPath or workflowId",
    );
  } else if (targets.length > 1) {
    f.report(
      c,
      [...path, targets[1]!],
      `${what}: '${targets[0]}' and '${targets[1]}' are mutually exclusive`,
      `keep only one of operationId, operationPath and workflowId`,
      "key",
    );
  }
  const operationId = f.string(c, path, step, "operationId", what);
  if (operationId !== undefined) {
    if (operationId.startsWith("$") ? !f.SOURCE_REF.test(operationId) : operationId === "") {
      f.report(
        c,
        [...path, "operationId"],
        `${what}: operationId "${operationId}" is not an operationId or $sourceDescriptions.<name>.<operationId>`,
        "write e.g. $sourceDescriptions.petStore.getPetById",
      );
    } else if (!operationId.startsWith("$") && openApiSources > 1) {
      f.report(
        c,
        [...path, "operationId"],
        `${what}: operationId "${operationId}" is ambiguous with ${openApiSources} OpenAPI source descriptions`,
        `say which: $sourceDescriptions.<name>.${operationId}`,
      );
    }
  }
  const operationPath = f.string(c, path, step, "operationPath", what);
  if (operationPath !== undefined && !OPERATION_PATH.test(operationPath)) {
    f.report(
      c,
      [...path, "operationPath"],
      `${what}: operationPath "${operationPath}" must be {$sourceDescriptions.<name>.url} followed by # and a JSON pointer`,
      "write e.g. '{$sourceDescriptions.petStore.url}#/paths/~1pets~1{petId}/get' ('/' inside a path is '~1')",
    );
  }
  const workflowId = f.string(c, path, step, "workflowId", what);
  if (workflowId !== undefined)
    f.workflowRef(c, [...path, "workflowId"], workflowId, `${what}: workflowId`);
  const operation = targets[0] === "operationId" || targets[0] === "operationPath";
  parameters(
    c,
    path,
    step,
    what,
    operation ? "operation-step" : targets[0] === "workflowId" ? "workflow-step" : "component",
  );
  if (step.requestBody !== undefined) {
    if (targets[0] === "workflowId")
      f.report(
        c,
        [...path, "requestBody"],
        `${what} calls a workflow, so it cannot have a requestBody`,
        "pass the data as parameters; they become the called workflow's inputs",
        "key",
      );
    else requestBody(c, [...path, "requestBody"], step.requestBody, what);
  }
  criteria(c, path, step, "successCriteria", what, 1);
  actions(c, path, step, "onSuccess", what, "success");
  actions(c, path, step, "onFailure", what, "failure");
  outputs(c, path, step, what);
  return { id, operation };
}
