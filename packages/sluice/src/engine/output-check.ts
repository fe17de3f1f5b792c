import { contentHashOf } from "../artifacts/index.js";
import {
  SluiceError,
  type GraphNode,
  type PipelineGraph,
  type StepDefinition,
  type StepLogger,
} from "../core/index.js";

/**
 * Checks a step's return value against what it declares: with several output names, an object with
 * those fields; where `schemas` name an output, a value that matches. Throws `output-invalid`.
 */
export function checkOutput(def: StepDefinition, value: unknown, runId: string): void {
  const names = def.outputs;
  if (names && names.length > 1) {
    if (typeof value !== "object" || value === null) {
      throw outputError(
        def,
        runId,
        `declares outputs ${names.map((n) => `"${n}"`).join(", ")} but returned ${value === null ? "null" : typeof value}; return an object with those fields`,
      );
    }
    for (const name of names) {
      if (!(name in value))
        throw outputError(
          def,
          runId,
          `declares output "${name}" but its return value has no field "${name}"`,
        );
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
    throw outputError(
      def,
      runId,
      `output "${name}" does not match its schema${at}: ${issue?.message ?? "invalid"}`,
    );
  }
}

function outputError(def: StepDefinition, runId: string, problem: string): SluiceError {
  return new SluiceError("output-invalid", `step "${def.name}" ${problem}.`, {
    step: def.name,
    runId,
    retryable: false,
  });
}

/** Anything a step threw, as a SluiceError that keeps the original as its cause (and its stack). */
export function wrapError(
  error: unknown,
  step: string,
  runId: string,
  context?: string,
): SluiceError {
  if (SluiceError.is(error)) return error;
  const message =
    error instanceof Error ? error.message : typeof error === "string" ? error : String(error);
  const wrapped = new SluiceError(
    "step-failed",
    context ? `step "${step}": ${context}: ${message}` : message,
    { step, runId, cause: error },
  );
  if (error instanceof Error && error.stack) wrapped.stack = error.stack;
  return wrapped;
}

/** Hashes of the fields of this output that dependents read one by one, so they rerun only when their field changes. */
export function fieldHashesOf(
  graph: PipelineGraph,
  node: GraphNode,
  value: unknown,
): Record<string, string> | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  let hashes: Record<string, string> | undefined;
  for (const dependent of node.dependents) {
    for (const input of graph.nodes[dependent]!.inputs) {
      if (
        input.from !== node.index ||
        input.field === undefined ||
        hashes?.[input.field] !== undefined
      )
        continue;
      const hash = contentHashOf((value as Record<string, unknown>)[input.field]);
      if (hash !== undefined) (hashes ??= {})[input.field] = hash;
    }
  }
  return hashes;
}

/** A synchronous body cannot be stopped: say so when it ran past its timeout. */
export function warnIfOverran(def: StepDefinition, log: StepLogger, started: number): void {
  const limit = def.timeoutMs;
  if (limit === undefined) return;
  const took = Date.now() - started;
  if (took > limit) {
    log.warn(
      `took ${took} ms, over its timeoutMs of ${limit}: a synchronous body cannot be interrupted on the main thread, so its result is kept`,
    );
  }
}
