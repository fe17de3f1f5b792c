/**
 * A workflow's inputs (1.0.1 Workflow Object `inputs`, a JSON Schema 2020-12): inputs taken from
 * the environment, secret inputs, and validation before the first call.
 *
 * - An input not given is read from `SLUICE_INPUT_<NAME>`: the input's name upper-cased with every
 *   character other than A-Z and 0-9 replaced by "_" (`x-api-key` → SLUICE_INPUT_X_API_KEY). The
 *   value is taken as it is for a property whose schema says `type: string`, else parsed as JSON
 *   when it parses (`3`, `true`, `{"a":1}`), else taken as a string.
 * - Validation: schemas made of the common keywords (type, properties, required, enum, const,
 *   bounds, pattern, items, additionalProperties, local $ref, allOf) are checked here, without
 *   loading a validator; anything else goes to ajv 8 (2020-12 dialect) with ajv-formats. `format`
 *   values ajv-formats does not know (e.g. `password`) are annotations, not errors.
 */
import { SluiceError, closest } from "sluice/internal";
import { isSecretInput } from "./secrets.js";

type Obj = Record<string, unknown>;

export interface InputProblem {
  /** The input (top-level property) concerned, if one is. */
  input?: string;
  /** JSON pointer to the value, e.g. /customer/email. */
  path: string;
  message: string;
}

/** The environment variable an input is read from. */
export function envVarOf(name: string): string {
  return `SLUICE_INPUT_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/** Follows local `$ref`s ("#/..."), at most 32 hops. */
export function derefSchema(schema: unknown, doc: unknown): unknown {
  let current = schema;
  for (let hops = 0; hops < 32 && isObj(current) && typeof current.$ref === "string"; hops++) {
    const ref = current.$ref;
    if (!ref.startsWith("#")) return current;
    const target = pointerGet(doc, ref.slice(1));
    if (target === undefined) return current;
    current = target;
  }
  return current;
}

/** The top-level properties an inputs schema declares (through $ref and allOf), with their schemas. */
export function inputProperties(schema: unknown, doc: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const visit = (node: unknown, depth: number): void => {
    const s = derefSchema(node, doc);
    if (!isObj(s) || depth > 16) return;
    if (isObj(s.properties))
      for (const [name, prop] of Object.entries(s.properties))
        if (!out.has(name)) out.set(name, derefSchema(prop, doc));
    if (Array.isArray(s.allOf)) for (const part of s.allOf) visit(part, depth + 1);
  };
  visit(schema, 0);
  return out;
}

/** The required top-level inputs (through $ref and allOf). */
export function requiredInputs(schema: unknown, doc: unknown): string[] {
  const out = new Set<string>();
  const visit = (node: unknown, depth: number): void => {
    const s = derefSchema(node, doc);
    if (!isObj(s) || depth > 16) return;
    if (Array.isArray(s.required))
      for (const name of s.required) if (typeof name === "string") out.add(name);
    if (Array.isArray(s.allOf)) for (const part of s.allOf) visit(part, depth + 1);
  };
  visit(schema, 0);
  return [...out];
}

/** Names of the inputs whose values are secret. */
export function secretInputs(schema: unknown, doc: unknown, given: Obj): Set<string> {
  const out = new Set<string>();
  for (const [name, prop] of inputProperties(schema, doc))
    if (isSecretInput(name, prop)) out.add(name);
  for (const name of Object.keys(given)) if (isSecretInput(name, undefined)) out.add(name);
  return out;
}

/** `given` completed with the declared inputs found in the environment. */
export function withEnvInputs(
  schema: unknown,
  doc: unknown,
  given: Obj,
  env: Record<string, string | undefined>,
): Obj {
  const out: Obj = { ...given };
  for (const [name, prop] of inputProperties(schema, doc)) {
    if (Object.hasOwn(out, name)) continue;
    const text = env[envVarOf(name)];
    if (text === undefined) continue;
    out[name] = isObj(prop) && prop.type === "string" ? text : parseLoosely(text);
  }
  return out;
}

/**
 * Inputs as the workflow will see them: a number, boolean or null given for a property whose schema
 * says `type: string` is taken as its text (`--input projectKey=123` is "123"), and each top-level
 * property with a `default` that was not given gets it.
 */
export function withDefaultsAndTypes(schema: unknown, doc: unknown, given: Obj): Obj {
  const out: Obj = { ...given };
  for (const [name, prop] of inputProperties(schema, doc)) {
    if (!isObj(prop)) continue;
    const value = out[name];
    if (!Object.hasOwn(out, name)) {
      if (Object.hasOwn(prop, "default")) out[name] = structuredClone(prop.default);
    } else if (
      prop.type === "string" &&
      (typeof value === "number" || typeof value === "boolean" || value === null)
    ) {
      out[name] = String(value);
    }
  }
  return out;
}

/** Refuses given inputs that none of these workflows declares (environment inputs are only read for declared names). */
export function checkKnownInputs(
  given: Obj,
  declared: ReadonlySet<string>,
  workflows: readonly string[],
): void {
  const unknown = Object.keys(given).filter((name) => !declared.has(name));
  if (unknown.length === 0) return;
  const names = [...declared];
  const described = unknown.map((name) => {
    const near = closest(name, names);
    return `"${name}"${near === undefined ? "" : ` (did you mean "${near}"?)`}`;
  });
  const which =
    workflows.length === 1
      ? `workflow "${workflows[0]}"`
      : `workflows ${workflows.map((w) => `"${w}"`).join(", ")}`;
  throw new SluiceError(
    "invalid-inputs",
    `Unknown input${unknown.length > 1 ? "s" : ""} ${described.join(", ")}: ${which} declare${workflows.length === 1 ? "s" : ""} ${names.length > 0 ? `the inputs ${names.join(", ")}` : "no inputs"}.`,
    { details: { unknown, declared: names } },
  );
}

/** A command-line value: JSON when it parses, else the text. */
export function parseLoosely(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Checks `inputs` against the workflow's inputs schema; throws SluiceError("invalid-inputs") that
 * names every bad input. `schemaPointer` is where the schema sits in `doc` (for ajv's $refs).
 */
export async function validateInputs(
  workflowId: string,
  schema: unknown,
  doc: Obj,
  schemaPointer: string,
  inputs: Obj,
): Promise<void> {
  if (schema === undefined) return;
  let problems: InputProblem[];
  const simple = new SimpleValidator(doc);
  if (simple.supports(schema, 0)) {
    problems = [];
    simple.check(schema, inputs, "", problems);
  } else {
    problems = await validateWithAjv(doc, schemaPointer, inputs);
  }
  if (problems.length === 0) return;
  const list = problems.map((p) =>
    p.input === undefined
      ? p.message
      : `input "${p.input}"${p.path.split("/").length > 2 ? ` at ${p.path}` : ""} ${p.message}`,
  );
  throw new SluiceError(
    "invalid-inputs",
    `The inputs of workflow "${workflowId}" are invalid: ${list.join("; ")}. Give inputs with --input name=value, --inputs '{...}' (or @file.json), or SLUICE_INPUT_<NAME> environment variables.`,
    { details: { workflowId, problems } },
  );
}

// ---- a validator for the common keywords ----------------------------------------------------------

const ANNOTATIONS = new Set([
  "title",
  "description",
  "default",
  "examples",
  "deprecated",
  "readOnly",
  "writeOnly",
  "$comment",
  "$schema",
  "$id",
  "format",
  "example",
  "nullable",
]);
const SIMPLE = new Set([
  ...ANNOTATIONS,
  "type",
  "properties",
  "required",
  "additionalProperties",
  "enum",
  "const",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "minLength",
  "maxLength",
  "pattern",
  "items",
  "minItems",
  "maxItems",
  "$ref",
  "allOf",
  "multipleOf",
]);
/** Formats ajv-formats checks; any other format is only an annotation. */
const CHECKED_FORMATS = new Set([
  "date",
  "time",
  "date-time",
  "iso-time",
  "iso-date-time",
  "duration",
  "uri",
  "uri-reference",
  "uri-template",
  "url",
  "email",
  "hostname",
  "ipv4",
  "ipv6",
  "regex",
  "uuid",
  "json-pointer",
  "json-pointer-uri-fragment",
  "relative-json-pointer",
  "byte",
  "int32",
  "int64",
  "float",
  "double",
]);

class SimpleValidator {
  constructor(private readonly doc: unknown) {}

  supports(node: unknown, depth: number): boolean {
    if (typeof node === "boolean") return true;
    if (!isObj(node) || depth > 32) return false;
    if (typeof node.$ref === "string" && !node.$ref.startsWith("#")) return false;
    for (const [key, value] of Object.entries(node)) {
      if (key.startsWith("x-")) continue;
      if (!SIMPLE.has(key)) return false;
      if (key === "format" && typeof value === "string" && CHECKED_FORMATS.has(value)) return false;
      if (key === "pattern" && typeof value !== "string") return false;
    }
    const ref = typeof node.$ref === "string" ? derefSchema(node, this.doc) : undefined;
    if (ref !== undefined && (ref === node || !this.supports(ref, depth + 1))) return false;
    if (
      isObj(node.properties) &&
      !Object.values(node.properties).every((p) => this.supports(p, depth + 1))
    )
      return false;
    if (node.items !== undefined && !this.supports(node.items, depth + 1)) return false;
    if (
      node.additionalProperties !== undefined &&
      !this.supports(node.additionalProperties, depth + 1)
    )
      return false;
    if (
      node.allOf !== undefined &&
      !(Array.isArray(node.allOf) && node.allOf.every((p) => this.supports(p, depth + 1)))
    )
      return false;
    return true;
  }

  check(node: unknown, value: unknown, path: string, out: InputProblem[]): void {
    if (node === true) return;
    const input = path === "" ? undefined : decodeToken(path.split("/")[1]!);
    const report = (message: string, name = input, at = path): void => {
      out.push({ ...(name === undefined ? {} : { input: name }), path: at, message });
    };
    if (node === false) return report("is not allowed");
    if (!isObj(node)) return;
    if (typeof node.$ref === "string") this.check(derefSchema(node, this.doc), value, path, out);
    if (Array.isArray(node.allOf))
      for (const part of node.allOf) this.check(part, value, path, out);
    if (node.type !== undefined) {
      const types = Array.isArray(node.type) ? node.type : [node.type];
      if (!types.some((t) => hasType(value, t as string)))
        return report(`must be ${types.join(" or ")} (got ${typeName(value)})`);
    }
    if (Array.isArray(node.enum) && !node.enum.some((e) => deepEqual(e, value)))
      report(
        `must be one of ${node.enum.map((e) => JSON.stringify(e)).join(", ")} (got ${JSON.stringify(value)})`,
      );
    if (Object.hasOwn(node, "const") && !deepEqual(node.const, value))
      report(`must be ${JSON.stringify(node.const)}`);
    if (typeof value === "number") {
      if (typeof node.minimum === "number" && value < node.minimum)
        report(`must be >= ${node.minimum}`);
      if (typeof node.maximum === "number" && value > node.maximum)
        report(`must be <= ${node.maximum}`);
      if (typeof node.exclusiveMinimum === "number" && value <= node.exclusiveMinimum)
        report(`must be > ${node.exclusiveMinimum}`);
      if (typeof node.exclusiveMaximum === "number" && value >= node.exclusiveMaximum)
        report(`must be < ${node.exclusiveMaximum}`);
      if (
        typeof node.multipleOf === "number" &&
        node.multipleOf > 0 &&
        !Number.isInteger(value / node.multipleOf)
      )
        report(`must be a multiple of ${node.multipleOf}`);
    }
    if (typeof value === "string") {
      const length = [...value].length;
      if (typeof node.minLength === "number" && length < node.minLength)
        report(`must have at least ${node.minLength} characters`);
      if (typeof node.maxLength === "number" && length > node.maxLength)
        report(`must have at most ${node.maxLength} characters`);
      if (typeof node.pattern === "string") {
        let regex: RegExp | undefined;
        try {
          regex = new RegExp(node.pattern, "u");
        } catch {
          regex = undefined;
        }
        if (regex && !regex.test(value))
          report(`must match the pattern ${JSON.stringify(node.pattern)}`);
      }
    }
    if (Array.isArray(value)) {
      if (typeof node.minItems === "number" && value.length < node.minItems)
        report(`must have at least ${node.minItems} items`);
      if (typeof node.maxItems === "number" && value.length > node.maxItems)
        report(`must have at most ${node.maxItems} items`);
      if (node.items !== undefined)
        value.forEach((item, i) => this.check(node.items, item, `${path}/${i}`, out));
    }
    if (isObj(value)) {
      if (Array.isArray(node.required)) {
        for (const name of node.required) {
          if (typeof name === "string" && !Object.hasOwn(value, name))
            report("is required", path === "" ? name : input, `${path}/${encodeToken(name)}`);
        }
      }
      const props = isObj(node.properties) ? node.properties : {};
      for (const [name, item] of Object.entries(value)) {
        const at = `${path}/${encodeToken(name)}`;
        if (Object.hasOwn(props, name)) this.check(props[name], item, at, out);
        else if (node.additionalProperties === false)
          report(
            path === ""
              ? `is not an input of this workflow (its inputs: ${Object.keys(props).join(", ") || "none"})`
              : "is not allowed here",
            path === "" ? name : input,
            at,
          );
        else if (node.additionalProperties !== undefined)
          this.check(node.additionalProperties, item, at, out);
      }
    }
  }
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "null":
      return value === null;
    case "array":
      return Array.isArray(value);
    case "object":
      return isObj(value);
    default:
      return false;
  }
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "number")
    return Number.isInteger(value) ? `the integer ${value}` : `the number ${value}`;
  if (typeof value === "string")
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)}`;
  return `${typeof value} ${String(value)}`;
}

// ---- ajv, for everything else ------------------------------------------------------------------------

const DOC_ID = "https://sluice.invalid/arazzo-document";

async function validateWithAjv(
  doc: Obj,
  schemaPointer: string,
  inputs: Obj,
): Promise<InputProblem[]> {
  const [{ Ajv2020 }, formats] = await Promise.all([
    import("ajv/dist/2020.js"),
    import("ajv-formats"),
  ]);
  const ajv = new Ajv2020({ strict: false, allErrors: true, logger: false, validateSchema: false });
  const addFormats = (formats as unknown as { default: (a: unknown) => void }).default;
  addFormats(ajv);
  let validate;
  try {
    ajv.addSchema(doc, DOC_ID);
    validate = ajv.compile({
      $ref: `${DOC_ID}#${schemaPointer.split("/").map(encodeURIComponent).join("/")}`,
    });
  } catch (error) {
    return [
      { path: "", message: `the inputs schema cannot be compiled: ${(error as Error).message}` },
    ];
  }
  if (validate(inputs)) return [];
  return (validate.errors ?? []).map((e) => {
    const params = e.params as Record<string, unknown>;
    let path = e.instancePath;
    let message = e.message ?? "is invalid";
    if (e.keyword === "required" && typeof params.missingProperty === "string") {
      path = `${path}/${encodeToken(params.missingProperty)}`;
      message = "is required";
    } else if (
      e.keyword === "additionalProperties" &&
      typeof params.additionalProperty === "string"
    ) {
      path = `${path}/${encodeToken(params.additionalProperty)}`;
      message = e.instancePath === "" ? "is not an input of this workflow" : "is not allowed here";
    } else if (e.keyword === "enum" && Array.isArray(params.allowedValues)) {
      message = `must be one of ${params.allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
    }
    const first = path.split("/")[1];
    return { ...(first === undefined ? {} : { input: decodeToken(first) }), path, message };
  });
}

// ---- small helpers -------------------------------------------------------------------------------------

function pointerGet(root: unknown, pointer: string): unknown {
  if (pointer === "") return root;
  if (!pointer.startsWith("/")) return undefined;
  let current = root;
  for (const raw of pointer.slice(1).split("/")) {
    const token = decodeToken(safeDecode(raw));
    if (Array.isArray(current) && /^(0|[1-9]\d*)$/.test(token)) current = current[Number(token)];
    else if (isObj(current) && Object.hasOwn(current, token)) current = current[token];
    else return undefined;
  }
  return current;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function encodeToken(token: string): string {
  return token.replace(/~/g, "~0").replace(/\//g, "~1");
}

function decodeToken(token: string): string {
  return token.replace(/~1/g, "/").replace(/~0/g, "~");
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as Obj)[k], (b as Obj)[k]))
  );
}

function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
