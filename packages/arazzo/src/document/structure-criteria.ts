/** Structure checks of the Criterion Object and the Criterion Expression Type Object (successCriteria, an action's criteria). */
import type { DocPath } from "./diagnostics.js";
import * as f from "./structure-fields.js";
import type { Obj, StructureContext } from "./structure-fields.js";

const CRITERION_FIELDS = ["context", "condition", "type"];
const EXPRESSION_TYPE_FIELDS = ["type", "version"];
/** The versions 1.0.1 names for each expression type. */
const VERSIONS: Record<string, string[]> = {
  jsonpath: ["draft-goessner-dispatch-jsonpath-00"],
  xpath: ["xpath-30", "xpath-20", "xpath-10"],
};

export function criteria(
  c: StructureContext,
  path: DocPath,
  obj: Obj,
  field: string,
  what: string,
  min: number,
): void {
  const list = f.list(c, path, obj, field, what, min);
  list?.forEach((entry, i) => {
    const p = [...path, field, i];
    const label = `${what}: ${field}[${i}]`;
    const criterion = f.object(c, p, entry, label);
    if (!criterion) return;
    f.fields(c, p, criterion, CRITERION_FIELDS, label);
    if (f.required(c, p, criterion, "condition", label, "add condition: e.g. $statusCode == 200")) {
      const condition = f.string(c, p, criterion, "condition", label);
      if (condition?.trim() === "")
        f.report(
          c,
          [...p, "condition"],
          `${label}: condition is empty`,
          "write a condition, e.g. $statusCode == 200",
        );
    }
    f.string(c, p, criterion, "context", label);
    const type = criterion.type;
    if (type === undefined) return;
    if (f.isObj(type)) expressionType(c, [...p, "type"], type, `${label}: type`);
    else f.oneOf(c, p, criterion, "type", label, ["simple", "regex", "jsonpath", "xpath"]);
    if (criterion.context === undefined) {
      f.report(
        c,
        p,
        `${label}: 'context' is required when 'type' is given`,
        type === "simple"
          ? "remove type: simple (it is the default) or add context:"
          : "add context: the runtime expression to apply it to, e.g. $response.body",
      );
    }
  });
}

function expressionType(c: StructureContext, path: DocPath, obj: Obj, what: string): void {
  f.fields(c, path, obj, EXPRESSION_TYPE_FIELDS, what);
  let type: string | undefined;
  if (f.required(c, path, obj, "type", what, "add type: jsonpath or xpath"))
    type = f.oneOf(c, path, obj, "type", what, ["jsonpath", "xpath"]);
  if (!f.required(c, path, obj, "version", what, "add version:")) return;
  const version = f.string(c, path, obj, "version", what);
  const allowed = type === undefined ? undefined : VERSIONS[type];
  if (version !== undefined && allowed && !allowed.includes(version)) {
    f.report(
      c,
      [...path, "version"],
      `${what}: version "${version}" is not a ${type} version`,
      `use ${allowed.join(", ")}`,
    );
  }
}
