/** Structure checks of the Components Object: each map's keys, and each entry as the object it defines. */
import { action } from "./structure-actions.js";
import * as f from "./structure-fields.js";
import type { StructureContext } from "./structure-fields.js";
import { parameter } from "./structure-parameters.js";
import { schema } from "./structure-values.js";

const COMPONENTS_FIELDS = ["inputs", "parameters", "successActions", "failureActions"];

export function components(c: StructureContext, value: unknown): void {
  const comps = f.object(c, ["components"], value, "components");
  if (!comps) return;
  f.fields(c, ["components"], comps, COMPONENTS_FIELDS, "components");
  for (const field of COMPONENTS_FIELDS) {
    if (comps[field] === undefined) continue;
    const map = f.object(c, ["components", field], comps[field], `components.${field}`);
    for (const [key, entry] of Object.entries(map ?? {})) {
      const p = ["components", field, key];
      if (!f.KEY.test(key))
        f.report(
          c,
          p,
          `components.${field}: key "${key}" may contain only letters, digits, '.', '-' and '_'`,
          `rename it, e.g. "${key.replace(/[^a-zA-Z0-9.\-_]+/g, "_")}"`,
          "key",
        );
      const what = `components.${field}.${key}`;
      if (field === "inputs") schema(c, p, entry, what);
      else {
        const obj = f.object(c, p, entry, what);
        if (!obj) continue;
        if (field === "parameters") parameter(c, p, obj, what, "component");
        else action(c, p, obj, what, field === "successActions" ? "success" : "failure");
      }
    }
  }
}
