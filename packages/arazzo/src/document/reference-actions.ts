/** Success and failure actions: goto targets (stepId, workflowId), their criteria, and Reusable Objects in their place. */
import type { DocPath } from "./diagnostics.js";
import { component, usedIn } from "./reference-components.js";
import { criteria } from "./reference-criteria.js";
import { isObj, list, suggest, type Obj, type Scope } from "./reference-model.js";
import { report, type ReferenceContext } from "./reference-report.js";
import { workflowRef } from "./reference-targets.js";
import { keyOf } from "./workflow-cycles.js";

export function actions(
  c: ReferenceContext,
  scope: Scope,
  path: DocPath,
  actions: unknown,
  kind: "successActions" | "failureActions",
  where: string,
): void {
  list(actions).forEach((a, i) => {
    if (!isObj(a)) return;
    const at = [...path, i];
    if (!("reference" in a)) {
      action(
        c,
        scope,
        at,
        a,
        `${where}: ${typeof a.name === "string" ? `action "${a.name}"` : `${path[path.length - 1]}[${i}]`}`,
      );
      return;
    }
    const used = component(
      c,
      scope.doc,
      [...at, "reference"],
      a.reference,
      kind,
      `${where}: ${path[path.length - 1]}[${i}]`,
    );
    // The component again, against this workflow's steps; its syntax was checked where it is defined.
    if (used && isObj(used.value))
      action(c, { ...scope, syntax: false }, used.path, used.value, usedIn(used.path, scope));
  });
}

export function action(
  c: ReferenceContext,
  scope: Scope,
  path: DocPath,
  action: Obj,
  what: string,
): void {
  if (typeof action.stepId === "string" && scope.wf && !scope.wf.steps.has(action.stepId)) {
    report(c, scope.doc, [...path, "stepId"], {
      message: `${what}: stepId "${action.stepId}" is not a step of workflow "${scope.wf.id}"`,
      hint: suggest(action.stepId, [...scope.wf.steps.keys()], `steps of "${scope.wf.id}"`),
    });
  }
  if (typeof action.workflowId === "string") {
    const target = workflowRef(
      c,
      scope.doc,
      [...path, "workflowId"],
      action.workflowId,
      `${what}: workflowId`,
    );
    if (target && scope.wf)
      c.calls.get(keyOf(scope.wf))?.to.push({ key: keyOf(target), path: [...path, "workflowId"] });
  }
  criteria(c, scope, [...path, "criteria"], action.criteria, `${what}: criteria`);
}
