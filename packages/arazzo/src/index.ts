/**
 * Arazzo 1.0.x: validate API workflow documents before any call, run their workflows as recorded
 * sluice runs (resumable from a checkpoint), and describe them.
 * @example
 * const { diagnostics } = await validateArazzo("flows/checkout.arazzo.yaml");
 * const result = await runArazzo({ file: "flows/checkout.arazzo.yaml", workflowId: "checkout", inputs: { sku: "A1" }, runs: store });
 * if (!result.success) console.error(result.error);
 */
export { validateArazzo } from "./document/validate.js";
export type { ValidateOptions, ValidateResult } from "./document/validate.js";
export {
  diagnosticsError,
  formatDiagnostic,
  sortDiagnostics,
  throwIfDiagnostics,
} from "./document/diagnostics.js";
export type { Diagnostic, FormatOptions } from "./document/diagnostics.js";
export { loadArazzo } from "./document/load.js";
export type { LoadedDocument, LoadOptions, LoadResult } from "./document/load.js";
export type { IndexedOperation } from "./document/operation-index.js";
export { runArazzo, resumeArazzoRun } from "./runtime/runner.js";
export type {
  ArazzoClock,
  ArazzoEvent,
  ArazzoResumeOptions,
  ArazzoRunOptions,
  ArazzoRunResult,
  ArazzoStepResult,
  ArazzoWorkflowResult,
} from "./runtime/run-types.js";
export { describeArazzo } from "./runtime/describe.js";
export type {
  ArazzoDescription,
  DescribedInput,
  DescribedStep,
  DescribedWorkflow,
} from "./runtime/describe.js";
export { envVarOf } from "./runtime/inputs.js";
export { SECRET_NAME, isSecretInput } from "./runtime/secrets.js";
export { parseExpression, expressionToString } from "./expressions/expression.js";
export type { RuntimeExpression } from "./expressions/expression.js";
export { parseTemplate } from "./expressions/template.js";
export { applyFixes } from "./document/fix.js";
export type { Template } from "./expressions/template.js";
export { compileCondition, evaluateCondition } from "./expressions/condition.js";
export type { CompiledCondition, ExpressionResolver } from "./expressions/condition.js";
export { retryAfterMs, isJsonContentType } from "./runtime/http.js";
