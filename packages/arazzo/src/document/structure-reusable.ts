/** Structure checks of the Reusable Object, which a parameter or action list uses in place of an entry. */
import type { DocPath } from "./diagnostics.js";
import * as f from "./structure-fields.js";
import type { Obj, StructureContext } from "./structure-fields.js";

/** A Reusable Object: `{ reference: $components.<kind>.<name>, value? }`, nothing else (not even x-). */
export function reusable(
  c: StructureContext,
  path: DocPath,
  obj: Obj,
  what: string,
  kind: "parameters" | "successActions" | "failureActions",
): void {
  const only = kind === "parameters" ? ["reference", "value"] : ["reference"];
  f.fields(
    c,
    path,
    obj,
    only,
    `${what} (a Reusable Object)`,
    false,
    `a Reusable Object holds only ${only.join(" and ")}; to change other fields, define another component`,
  );
  const ref = f.string(c, path, obj, "reference", what);
  if (ref === undefined) return;
  const match =
    /^\$components\.(parameters|successActions|failureActions|inputs)\.([a-zA-Z0-9.\-_]+)$/.exec(
      ref,
    );
  if (!match) {
    f.report(
      c,
      [...path, "reference"],
      `${what}: reference "${ref}" must be $components.${kind}.<name>`,
      `e.g. reference: $components.${kind}.${kind === "parameters" ? "pageSize" : "retryOnBusy"}`,
    );
  } else if (match[1] !== kind) {
    f.report(
      c,
      [...path, "reference"],
      `${what}: reference "${ref}" points into components.${match[1]}, but only components.${kind} can be used here`,
      `use $components.${kind}.<name>`,
    );
  }
}
