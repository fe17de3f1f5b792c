/**
 * Arazzo 1.0.x: validate API workflow documents before any call, run their workflows as recorded
 * sluice runs (resumable from a checkpoint), and describe them.
 * @example
 * const { diagnostics } = await validateArazzo("flows/checkout.arazzo.yaml");
 * const result = await runArazzo({ file: "flows/checkout.arazzo.yaml", workflowId: "checkout", inputs: { sku: "A1" }, runs: store });
 * if (!result.success) console.error(result.error);
 */
export { validateArazzo } from "./validate.js";
export type { ValidateOptions, ValidateResult } from "./validate.js";
export { diagnosticsError, formatDiagnostic, sortDiagnostics, throwIfDiagnostics } from "./diagnostics.js";
export type { Diagnostic, FormatOptions } from "./diagnostics.js";
export { loadArazzo } from "./load.js";
export type { IndexedOperation, LoadedDocument, LoadOptions, LoadResult } from "./load.js";
export { runArazzo, resumeArazzoRun } from "./runner.js";
export type { ArazzoClock, ArazzoEvent, ArazzoResumeOptions, ArazzoRunOptions, ArazzoRunResult, ArazzoStepResult, ArazzoWorkflowResult } from "./runner.js";
export { describeArazzo } from "./describe.js";
export type { ArazzoDescription, DescribedInput, DescribedStep, DescribedWorkflow } from "./describe.js";
export { envVarOf } from "./inputs.js";
export { SECRET_NAME, isSecretInput } from "./secrets.js";
export { parseExpression, expressionToString } from "./expression.js";
export type { RuntimeExpression } from "./expression.js";
export { parseTemplate } from "./template.js";
export { applyFixes } from "./fix.js";
export type { Template } from "./template.js";
export { compileCondition, evaluateCondition } from "./condition.js";
export type { CompiledCondition, ExpressionResolver } from "./condition.js";
export { retryAfterMs, isJsonContentType } from "./http.js";
