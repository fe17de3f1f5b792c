import { SluiceError, type StepDefinition } from "../core/index.js";

/**
 * Checks a step's return value against what it declares: with several output names, an object with
 * those fields; where `schemas` name an output, a value that matches. Throws `output-invalid`.
 */
export function checkOutput(def: StepDefinition, value: unknown, runId: string): void {
  const names = def.outputs;
  if (names && names.length > 1) {
    if (typeof value !== "object" || value === null) {
      throw outputError(def, runId, `declares outputs ${names.map((n) => `"${n}"`).join(", ")} but returned ${value === null ? "null" : typeof value}; return an object with those fields`);
    }
    for (const name of names) {
      if (!(name in value)) throw outputError(def, runId, `declares output "${name}" but its return value has no field "${name}"`);
      checkSchema(def, name, (value as Record<string, unknown>)[name], runId);
    }
    return;
  }
  checkSchema(def, names?.[0] ?? def.name, value, runId);
}

function checkSchema(def: StepDefinition, name: string, value: unknown, runId: string): void {
  if (!def.hasSchemas) return;
  const schema = def.schemas[name];
  if (!schema) return;
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const at = issue && issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
    throw outputError(def, runId, `output "${name}" does not match its schema${at}: ${issue?.message ?? "invalid"}`);
  }
}

function outputError(def: StepDefinition, runId: string, problem: string): SluiceError {
  return new SluiceError("output-invalid", `step "${def.name}" ${problem}.`, { step: def.name, runId, retryable: false });
}

/** Anything a step threw, as a SluiceError that keeps the original as its cause (and its stack). */
export function wrapError(error: unknown, step: string, runId: string, context?: string): SluiceError {
  if (SluiceError.is(error)) return error;
  const message = error instanceof Error ? error.message : typeof error === "string" ? error : String(error);
  const wrapped = new SluiceError("step-failed", context ? `step "${step}": ${context}: ${message}` : message, { step, runId, cause: error });
  if (error instanceof Error && error.stack) wrapped.stack = error.stack;
  return wrapped;
}
