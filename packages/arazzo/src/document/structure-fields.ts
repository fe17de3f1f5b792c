/**
 * What every structure check of an Arazzo object shares: the context that collects diagnostics, and
 * the field helpers (is it an object, which fields it may have, which it needs, their types, unique
 * names) that word each problem the same way everywhere.
 */
import { closest } from "sluice/internal";
import { pointerOf, type Diagnostic, type DocPath } from "./diagnostics.js";
import type { LoadedDocument } from "./load.js";
import type { PositionPart } from "./source-map.js";

export type Obj = Record<string, unknown>;
/** The document being checked and the diagnostics found so far, passed to every check. */
export type StructureContext = { readonly doc: LoadedDocument; readonly out: Diagnostic[] };
/** An item that must be unique in its list: its identity, how to name it, and where it is. */
export type Keyed = { key: string | undefined; label: string; path: DocPath };

// Patterns from the spec: names (Source Description "name", workflowId, stepId: "SHOULD conform", enforced
// because runtime expressions like $steps.<id>.outputs cannot address other ids) and map keys.
const NAME = /^[A-Za-z0-9_\-]+$/;
export const KEY = /^[a-zA-Z0-9.\-_]+$/;
export const SOURCE_REF = /^\$sourceDescriptions\.[A-Za-z0-9_\-]+\.[^.\s].*$/;

/** Fields people put on the wrong object: a step's onSuccess is a workflow's successActions, and back. */
const MOVED: Record<string, string> = {
  successActions: "onSuccess",
  failureActions: "onFailure",
  onSuccess: "successActions",
  onFailure: "failureActions",
};

export function report(
  c: StructureContext,
  path: DocPath,
  message: string,
  hint?: string,
  part: PositionPart = "value",
  severity?: "warning",
): void {
  const d: Diagnostic = {
    file: c.doc.url,
    ...c.doc.positionOf(path, part),
    path: pointerOf(path),
    message,
  };
  if (hint !== undefined) d.hint = hint;
  if (severity) d.severity = severity;
  c.out.push(d);
}

export function object(
  c: StructureContext,
  path: DocPath,
  value: unknown,
  what: string,
): Obj | undefined {
  if (isObj(value)) return value;
  report(
    c,
    path,
    `${what} must be an object (a map of fields), found ${kindOf(value)}`,
    Array.isArray(value)
      ? "remove the '- ' list markers (or [ ]) and write fields as key: value"
      : "write it as key: value fields",
  );
  return undefined;
}

export function fields(
  c: StructureContext,
  path: DocPath,
  obj: Obj,
  allowed: readonly string[],
  what: string,
  extensions = true,
  otherwise?: string,
): void {
  for (const key of Object.keys(obj)) {
    if (allowed.includes(key) || (extensions && key.startsWith("x-"))) continue;
    const moved = Object.keys(MOVED).filter((m) => allowed.includes(MOVED[m]!));
    const near =
      closest(key, [...allowed, ...moved]) ??
      allowed.find((a) => a.toLowerCase() === key.toLowerCase());
    const hint =
      near !== undefined && moved.includes(near)
        ? `'${near}' belongs to ${near.startsWith("on") ? "a step" : "a workflow"}; here it is '${MOVED[near]}'`
        : near !== undefined
          ? `did you mean '${near}'?`
          : (otherwise ??
            `allowed fields: ${allowed.join(", ")}${extensions ? "; extension fields must start with 'x-'" : ""}`);
    report(c, [...path, key], `${what} has no field '${key}'`, hint, "key");
  }
}

export function required(
  c: StructureContext,
  path: DocPath,
  obj: Obj,
  field: string,
  what: string,
  hint: string,
): boolean {
  if (obj[field] !== undefined) return true;
  report(c, path, `${what} is missing the required field '${field}'`, hint);
  return false;
}

export function string(
  c: StructureContext,
  path: DocPath,
  obj: Obj,
  field: string,
  what: string,
): string | undefined {
  const value = obj[field];
  if (value === undefined) return undefined;
  if (typeof value === "string") return value;
  const hint =
    typeof value === "number" || typeof value === "boolean"
      ? `quote it: ${field}: "${String(value)}"`
      : "write a string";
  report(c, [...path, field], `${what}: '${field}' must be a string, found ${kindOf(value)}`, hint);
  return undefined;
}

export function name(
  c: StructureContext,
  path: DocPath,
  obj: Obj,
  field: string,
  what: string,
): string | undefined {
  const value = string(c, path, obj, field, what);
  if (value !== undefined && !NAME.test(value)) {
    // The spec says SHOULD: a warning, not an error (expressions that name it may still fail to parse).
    const rename = `rename it, e.g. "${value.replace(/[^A-Za-z0-9_\-]+/g, "-") || "main"}"`;
    report(
      c,
      [...path, field],
      `${what}: ${field} "${value}" should contain only letters, digits, '_' and '-'`,
      rename,
      "value",
      "warning",
    );
  }
  return value;
}

export function oneOf(
  c: StructureContext,
  path: DocPath,
  obj: Obj,
  field: string,
  what: string,
  allowed: readonly string[],
): string | undefined {
  const value = string(c, path, obj, field, what);
  if (value === undefined || allowed.includes(value)) return value;
  const near = closest(value, allowed);
  report(
    c,
    [...path, field],
    `${what}: '${field}' must be one of ${allowed.join(", ")}, found "${value}"`,
    near
      ? `did you mean '${near}'?`
      : `write ${field}: ${allowed[0]}, or another of the values listed`,
  );
  return undefined;
}

export function list(
  c: StructureContext,
  path: DocPath,
  obj: Obj,
  field: string,
  what: string,
  min = 0,
): unknown[] | undefined {
  const value = obj[field];
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    report(
      c,
      [...path, field],
      `${what}: '${field}' must be a list, found ${kindOf(value)}`,
      `write it as a YAML list ("- ...") or JSON array`,
    );
    return undefined;
  }
  if (value.length < min)
    report(
      c,
      [...path, field],
      `${what}: '${field}' must have at least ${min} ${min === 1 ? "entry" : "entries"}`,
      "add one, or remove the field if it is optional",
    );
  return value;
}

/** Reports the second and later items with the same key (`label` names the item in the message). */
export function unique(c: StructureContext, items: Keyed[], hint: string): void {
  const seen = new Map<string, DocPath>();
  for (const { key, label, path } of items) {
    if (key === undefined) continue;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, path);
    else
      report(
        c,
        path,
        `${label} appears more than once (first at line ${c.doc.positionOf(first).line})`,
        hint,
      );
  }
}

/**
 * A workflowId: a local id, or $sourceDescriptions.<name>.<workflowId> for one in an arazzo source. Here with
 * the field helpers because a workflow's dependsOn, a step and an action all name workflows this way.
 */
export function workflowRef(c: StructureContext, path: DocPath, ref: string, what: string): void {
  if (ref.startsWith("$") ? SOURCE_REF.test(ref) : NAME.test(ref)) return;
  report(
    c,
    path,
    `${what} "${ref}" is neither a workflowId nor $sourceDescriptions.<name>.<workflowId>`,
    "write a local workflowId, or $sourceDescriptions.<name>.<workflowId> for a workflow in another Arazzo document",
  );
}

export function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function kindOf(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  if (typeof value === "string")
    return `the string "${value.length > 40 ? `${value.slice(0, 40)}...` : value}"`;
  return `${typeof value === "number" ? "the number" : "the boolean"} ${String(value)}`;
}
