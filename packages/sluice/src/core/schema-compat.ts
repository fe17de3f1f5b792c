import type { z } from "zod";

export interface SchemaProblem {
  expected: string;
  produced: string;
  /** Where inside the value the two disagree, e.g. "items.label"; empty at the top. */
  path: string;
}

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
};

/**
 * Whether values valid for `produced` are accepted by `expected`, compared through their JSON Schemas:
 * types (an integer is a number), required object properties, array items. Schemas zod cannot express
 * as JSON Schema (transforms, custom checks) are not compared. Uses the schemas' own toJSONSchema()
 * so that zod itself is not loaded by pipelines that declare no schemas.
 */
export function checkConnection(
  produced: z.ZodType,
  expected: z.ZodType,
): SchemaProblem | undefined {
  let producedSchema: JsonSchema;
  let expectedSchema: JsonSchema;
  try {
    producedSchema = jsonSchemaOf(produced, "output");
    expectedSchema = jsonSchemaOf(expected, "input");
  } catch {
    return undefined;
  }
  return compare(producedSchema, expectedSchema, "");
}

function compare(
  produced: JsonSchema,
  expected: JsonSchema,
  path: string,
): SchemaProblem | undefined {
  const expectedTypes = typesOf(expected);
  const producedTypes = typesOf(produced);
  if (expectedTypes === undefined || producedTypes === undefined) return undefined;
  for (const type of producedTypes) {
    const accepted =
      expectedTypes.includes(type) || (type === "integer" && expectedTypes.includes("number"));
    if (!accepted)
      return { expected: describe(expectedTypes), produced: describe(producedTypes), path };
  }
  if (
    producedTypes.length === 1 &&
    producedTypes[0] === "array" &&
    produced.items &&
    expected.items
  ) {
    return compare(produced.items, expected.items, join(path, "items"));
  }
  if (producedTypes.length === 1 && producedTypes[0] === "object" && expected.properties) {
    const producedProperties = produced.properties ?? {};
    for (const key of expected.required ?? []) {
      if (!(key in producedProperties)) {
        return {
          expected: `an object with property "${key}"`,
          produced: "an object without it",
          path,
        };
      }
    }
    for (const [key, schema] of Object.entries(expected.properties)) {
      const other = producedProperties[key];
      if (other === undefined) continue;
      const problem = compare(other, schema, join(path, key));
      if (problem) return problem;
    }
  }
  return undefined;
}

/** The JSON types a schema allows, or undefined when it allows anything (or is too complex to say). */
function typesOf(schema: JsonSchema): string[] | undefined {
  if (Array.isArray(schema.type)) return schema.type;
  if (typeof schema.type === "string") return [schema.type];
  if (schema.anyOf) {
    const all: string[] = [];
    for (const option of schema.anyOf) {
      const types = typesOf(option);
      if (types === undefined) return undefined;
      all.push(...types);
    }
    return all;
  }
  return undefined;
}

function describe(types: string[]): string {
  const words = types.map((type) =>
    type === "array"
      ? "an array"
      : type === "object"
        ? "an object"
        : type === "integer"
          ? "an integer"
          : `a ${type}`,
  );
  return words.join(" or ");
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** A zod schema as JSON Schema, by its own toJSONSchema() (zod itself is not loaded); throws when it cannot say. */
export function jsonSchemaOf(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const method = (schema as { toJSONSchema?: (params: object) => unknown }).toJSONSchema;
  if (typeof method !== "function") throw new Error("schema cannot describe itself as JSON Schema");
  return method.call(schema, { io, unrepresentable: "any" }) as JsonSchema;
}
