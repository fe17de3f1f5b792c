/** Structure checks of the Success and Failure Action Objects, and of action lists (onSuccess, successActions, ...). */
import type { DocPath } from "./diagnostics.js";
import { criteria } from "./structure-criteria.js";
import * as f from "./structure-fields.js";
import type { Keyed, Obj, StructureContext } from "./structure-fields.js";
import { reusable } from "./structure-reusable.js";

export type ActionKind = "success" | "failure";

const SUCCESS_FIELDS = ["name", "type", "workflowId", "stepId", "criteria"];
const FAILURE_FIELDS = [
  "name",
  "type",
  "workflowId",
  "stepId",
  "retryAfter",
  "retryLimit",
  "criteria",
];

export function actions(
  c: StructureContext,
  path: DocPath,
  obj: Obj,
  field: string,
  owner: string,
  kind: ActionKind,
): void {
  const list = f.list(c, path, obj, field, owner);
  if (!list) return;
  const keys: Keyed[] = [];
  list.forEach((entry, i) => {
    const p = [...path, field, i];
    const item = f.object(c, p, entry, `${owner}: ${field}[${i}]`);
    if (!item) return;
    if ("reference" in item) {
      reusable(
        c,
        p,
        item,
        `${owner}: ${field}[${i}]`,
        kind === "success" ? "successActions" : "failureActions",
      );
      keys.push({
        key: typeof item.reference === "string" ? `ref:${item.reference}` : undefined,
        label: `${owner}: ${field} reference ${String(item.reference)}`,
        path: [...p, "reference"],
      });
    } else {
      const name = action(c, p, item, `${owner}: ${field}[${i}]`, kind);
      keys.push({
        key: name === undefined ? undefined : `name:${name}`,
        label: `${owner}: ${field} action "${name}"`,
        path: [...p, "name"],
      });
    }
  });
  f.unique(c, keys, "a list of actions must not repeat one; remove or rename it");
}

/** Checks one action (in a list or in components); its name. */
export function action(
  c: StructureContext,
  path: DocPath,
  action: Obj,
  fallback: string,
  kind: ActionKind,
): string | undefined {
  const name = typeof action.name === "string" ? action.name : undefined;
  const what = name !== undefined ? `${kind} action "${name}"` : fallback;
  f.fields(c, path, action, kind === "success" ? SUCCESS_FIELDS : FAILURE_FIELDS, what);
  if (f.required(c, path, action, "name", what, "add name: <a name for this action>"))
    f.string(c, path, action, "name", what);
  let type: string | undefined;
  if (
    f.required(
      c,
      path,
      action,
      "type",
      what,
      kind === "success" ? "add type: end or goto" : "add type: end, retry or goto",
    )
  ) {
    if (kind === "success" && action.type === "retry") {
      f.report(
        c,
        [...path, "type"],
        `${what}: a success action cannot retry (type must be end or goto)`,
        "move the retry to onFailure / failureActions",
      );
    } else {
      type = f.oneOf(
        c,
        path,
        action,
        "type",
        what,
        kind === "success" ? ["end", "goto"] : ["end", "retry", "goto"],
      );
    }
  }
  const targets = (["workflowId", "stepId"] as const).filter(
    (field) => action[field] !== undefined,
  );
  if (type === "goto" && targets.length === 0)
    f.report(
      c,
      path,
      `${what}: a goto action needs a stepId or a workflowId to go to`,
      "add stepId: <a step of this workflow> (or workflowId:)",
    );
  if (targets.length === 2 && type !== "end")
    f.report(
      c,
      [...path, "stepId"],
      `${what}: 'workflowId' and 'stepId' are mutually exclusive`,
      "keep only one",
      "key",
    );
  if (type === "end" && targets.length > 0)
    f.report(
      c,
      [...path, targets[0]!],
      `${what}: '${targets[0]}' is only used by ${kind === "success" ? "goto actions" : "goto and retry actions"}`,
      `remove it, or change type to goto`,
      "key",
    );
  f.string(c, path, action, "stepId", what);
  const workflowId = f.string(c, path, action, "workflowId", what);
  if (workflowId !== undefined)
    f.workflowRef(c, [...path, "workflowId"], workflowId, `${what}: workflowId`);
  for (const field of ["retryAfter", "retryLimit"] as const) {
    const value = action[field];
    if (value === undefined || kind === "success") continue; // on a success action, fields() reported it
    const integer = field === "retryLimit";
    if (
      typeof value !== "number" ||
      !Number.isFinite(value) ||
      value < 0 ||
      (integer && !Number.isInteger(value))
    ) {
      f.report(
        c,
        [...path, field],
        `${what}: '${field}' must be a non-negative ${integer ? "integer" : "number"}${integer ? " (a count of retries)" : " of seconds"}, found ${JSON.stringify(value) ?? f.kindOf(value)}`,
        integer ? "e.g. retryLimit: 5" : "e.g. retryAfter: 1.5",
      );
    } else if (type !== undefined && type !== "retry") {
      f.report(
        c,
        [...path, field],
        `${what}: '${field}' only applies when type is retry`,
        "remove it, or change type to retry",
        "key",
      );
    }
  }
  criteria(c, path, action, "criteria", what, 0);
  return name;
}
