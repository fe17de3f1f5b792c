/** Structure checks of the Workflow Object: its fields, dependsOn, its steps (unique stepIds) and the unique workflowIds of a document. */
import type { DocPath } from "./diagnostics.js";
import { actions } from "./structure-actions.js";
import * as f from "./structure-fields.js";
import type { Keyed, Obj, StructureContext } from "./structure-fields.js";
import { parameters } from "./structure-parameters.js";
import { step } from "./structure-step.js";
import { outputs, schema } from "./structure-values.js";

const WORKFLOW_FIELDS = [
  "workflowId",
  "summary",
  "description",
  "inputs",
  "dependsOn",
  "steps",
  "successActions",
  "failureActions",
  "outputs",
  "parameters",
];

export function workflows(c: StructureContext, root: Obj): void {
  const list = f.list(c, [], root, "workflows", "the Arazzo document", 1);
  if (!list) return;
  const ids: Keyed[] = [];
  list.forEach((entry, i) => {
    const id = workflow(c, ["workflows", i], entry, i, countOpenApiSources(root));
    ids.push({ key: id, label: `workflowId "${id}"`, path: ["workflows", i, "workflowId"] });
  });
  f.unique(c, ids, "workflowIds must be unique in the document; rename one");
}

function workflow(
  c: StructureContext,
  path: DocPath,
  value: unknown,
  index: number,
  openApiSources: number,
): string | undefined {
  const wf = f.object(c, path, value, `workflows[${index}]`);
  if (!wf) return undefined;
  const id = typeof wf.workflowId === "string" ? wf.workflowId : undefined;
  const what = id !== undefined ? `workflow "${id}"` : `workflows[${index}]`;
  f.fields(c, path, wf, WORKFLOW_FIELDS, what);
  if (f.required(c, path, wf, "workflowId", what, "add workflowId: <a unique id>"))
    f.name(c, path, wf, "workflowId", what);
  for (const field of ["summary", "description"]) f.string(c, path, wf, field, what);
  if (wf.inputs !== undefined) schema(c, [...path, "inputs"], wf.inputs, `${what}: inputs`);
  const dependsOn = f.list(c, path, wf, "dependsOn", what);
  dependsOn?.forEach((d, i) => {
    if (typeof d !== "string")
      f.report(
        c,
        [...path, "dependsOn", i],
        `${what}: dependsOn entries must be workflowId strings, found ${f.kindOf(d)}`,
        "e.g. dependsOn: [setup]",
      );
    else f.workflowRef(c, [...path, "dependsOn", i], d, `${what}: dependsOn`);
  });
  if (dependsOn) {
    const keyed = dependsOn.map((d, i) => ({
      key: typeof d === "string" ? d : undefined,
      label: `${what}: dependsOn "${String(d)}"`,
      path: [...path, "dependsOn", i],
    }));
    f.unique(c, keyed, "list each workflow once");
  }
  const callsOperation: string[] = [];
  if (f.required(c, path, wf, "steps", what, "add steps: with at least one step")) {
    const steps = f.list(c, path, wf, "steps", what, 1) ?? [];
    const stepIds = steps.map((s, i) => {
      const stepPath = [...path, "steps", i];
      const info = step(c, stepPath, s, `${what} steps[${i}]`, what, openApiSources);
      if (info?.operation && info.id !== undefined) callsOperation.push(info.id);
      return {
        key: info?.id,
        label: `${what}: stepId "${info?.id}"`,
        path: [...stepPath, "stepId"],
      };
    });
    f.unique(c, stepIds, "stepIds must be unique within a workflow; rename one");
  }
  actions(c, path, wf, "successActions", what, "success");
  actions(c, path, wf, "failureActions", what, "failure");
  outputs(c, path, wf, what);
  // Last, because whether a workflow parameter needs `in` depends on the steps seen above.
  parameters(c, path, wf, what, "workflow", callsOperation);
  return id;
}

/** Sources not declared as arazzo: with more than one, a bare operationId is ambiguous (Step Object, operationId). */
function countOpenApiSources(root: Obj): number {
  const list = Array.isArray(root.sourceDescriptions) ? root.sourceDescriptions : [];
  return list.filter((s) => f.isObj(s) && s.type !== "arazzo").length;
}
