/** References into components: a Reusable Object's `reference`, and the JSON Schema `$ref`s of inputs. */
import { closest } from "sluice/internal";
import type { DocPath } from "./diagnostics.js";
import {
  COMPONENT_REF,
  isObj,
  resolveRef,
  suggest,
  type DocInfo,
  type Obj,
  type Scope,
} from "./reference-model.js";
import { MAX_DEPTH, report, type ReferenceContext } from "./reference-report.js";

type ComponentKind = "parameters" | "successActions" | "failureActions" | "inputs";

/** Resolves a Reusable Object's `reference`, reporting a missing component or one of the wrong kind. */
export function component(
  c: ReferenceContext,
  doc: DocInfo,
  path: DocPath,
  ref: unknown,
  kind: ComponentKind,
  what: string,
): { name: string; value: unknown; path: DocPath } | undefined {
  const m = typeof ref === "string" ? COMPONENT_REF.exec(ref) : null;
  if (!m) return undefined;
  const [, type, name] = m as unknown as [string, ComponentKind, string];
  if (type !== kind) {
    report(c, doc, path, {
      message: `${what}: reference "${String(ref)}" is a ${type} component, but only ${kind} can be used here`,
      hint: `use $components.${kind}.<name>`,
    });
    return undefined;
  }
  const map = isObj(doc.components[kind]) ? (doc.components[kind] as Obj) : {};
  if (Object.hasOwn(map, name)) return { name, value: map[name], path: ["components", kind, name] };
  const elsewhere = (["parameters", "successActions", "failureActions", "inputs"] as const).filter(
    (k) => k !== kind && isObj(doc.components[k]) && Object.hasOwn(doc.components[k] as Obj, name),
  );
  const hint =
    closest(name, Object.keys(map)) !== undefined || elsewhere.length === 0
      ? suggest(name, Object.keys(map), `components.${kind}`)
      : `"${name}" is in components.${elsewhere[0]}, but a ${kind} reference needs components.${kind}`;
  report(
    c,
    doc,
    path,
    {
      message: `${what}: reference "${String(ref)}" does not resolve: components.${kind} has no "${name}"`,
      hint,
    },
    String(ref),
    0,
  );
  return undefined;
}

/** Names a component checked where it is used: the same problem from two steps of one workflow is one. */
export function usedIn(path: DocPath, scope: Scope): string {
  return `${path.join(".")}${scope.wf ? ` (as used in workflow "${scope.wf.id}")` : ""}`;
}

/** JSON Schema `$ref`s that start with "#/" must resolve in the document (Reusable Object: inputs). */
export function schemaRefs(
  c: ReferenceContext,
  doc: DocInfo,
  path: DocPath,
  schema: unknown,
  depth: number,
  inMap = false,
): void {
  if (depth > MAX_DEPTH) return;
  if (Array.isArray(schema))
    schema.forEach((s, i) => schemaRefs(c, doc, [...path, i], s, depth + 1));
  if (!isObj(schema)) return;
  for (const [key, value] of Object.entries(schema)) {
    if (key === "$ref" && !inMap && typeof value === "string" && value.startsWith("#/")) {
      if (resolveRef(doc.value, value) !== undefined) continue;
      const prefix = "#/components/inputs/";
      const names = Object.keys(isObj(doc.components.inputs) ? doc.components.inputs : {});
      const hint = value.startsWith(prefix)
        ? suggest(value.slice(prefix.length), names, "components.inputs")
        : `inputs schemas are kept under components.inputs: $ref: '${prefix}<name>'`;
      report(c, doc, [...path, key], {
        message: `$ref "${value}" does not resolve to anything in this document`,
        hint,
      });
    } else if (
      typeof value === "object" &&
      value !== null &&
      key !== "const" &&
      key !== "enum" &&
      key !== "default" &&
      key !== "examples"
    ) {
      // Under properties, $defs and the like the keys are names, so a property called "$ref" is not a reference.
      schemaRefs(
        c,
        doc,
        [...path, key],
        value,
        depth + 1,
        !inMap &&
          ["properties", "$defs", "definitions", "patternProperties", "dependentSchemas"].includes(
            key,
          ),
      );
    }
  }
}
