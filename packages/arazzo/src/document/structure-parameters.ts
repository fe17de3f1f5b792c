/** Structure checks of the Parameter Object and of parameter lists (each parameter once, by name and in). */
import type { DocPath } from "./diagnostics.js";
import * as f from "./structure-fields.js";
import type { Keyed, Obj, StructureContext } from "./structure-fields.js";
import { reusable } from "./structure-reusable.js";

const PARAMETER_FIELDS = ["name", "in", "value"];

/** Who a parameter list belongs to; decides whether `in` is required. */
export type ParamOwner = "operation-step" | "workflow-step" | "workflow" | "component";

/** `operationSteps`: for a workflow's list, its steps that call an operation (which need `in` on its parameters). */
export function parameters(
  c: StructureContext,
  path: DocPath,
  obj: Obj,
  what: string,
  owner: ParamOwner,
  operationSteps: string[] = [],
): void {
  const list = f.list(c, path, obj, "parameters", what);
  if (!list) return;
  const keys: Keyed[] = [];
  list.forEach((entry, i) => {
    const p = [...path, "parameters", i];
    const param = f.object(c, p, entry, `${what}: parameters[${i}]`);
    if (!param) return;
    if ("reference" in param) {
      reusable(c, p, param, `${what}: parameters[${i}]`, "parameters");
      keys.push({
        key: typeof param.reference === "string" ? `ref:${param.reference}` : undefined,
        label: `${what}: parameter reference ${String(param.reference)}`,
        path: [...p, "reference"],
      });
      return;
    }
    const name = parameter(c, p, param, `${what}: parameters[${i}]`, owner);
    if (name !== undefined) {
      const where = typeof param.in === "string" ? param.in : "";
      keys.push({
        key: `${where}:${where === "header" ? name.toLowerCase() : name}`,
        label: `${what}: parameter "${name}"${where ? ` in ${where}` : ""}`,
        path: [...p, "name"],
      });
    }
    if (owner === "workflow" && param.in === undefined && operationSteps.length > 0) {
      f.report(
        c,
        p,
        `${what}: parameter "${name ?? i}" has no 'in', but step "${operationSteps[0]}" calls an operation and needs it`,
        "add in: path, query, header or cookie",
      );
    }
  });
  f.unique(c, keys, "list each parameter once (a parameter is identified by name and in)");
}

export function parameter(
  c: StructureContext,
  path: DocPath,
  param: Obj,
  fallback: string,
  owner: ParamOwner,
): string | undefined {
  const name = typeof param.name === "string" ? param.name : undefined;
  const what = name !== undefined ? `parameter "${name}"` : fallback;
  f.fields(c, path, param, PARAMETER_FIELDS, what);
  if (
    f.required(
      c,
      path,
      param,
      "name",
      what,
      "add name: of the operation parameter or workflow input",
    )
  )
    f.string(c, path, param, "name", what);
  if (param.in === undefined && owner === "operation-step") {
    f.report(
      c,
      path,
      `${what} is missing 'in', required when the step calls an operation`,
      "add in: path, query, header or cookie",
    );
  }
  f.oneOf(c, path, param, "in", what, ["path", "query", "header", "cookie"]);
  if (!("value" in param))
    f.report(
      c,
      path,
      `${what} is missing the required field 'value'`,
      "add value: a constant or a runtime expression such as $inputs.id",
    );
  return name;
}
