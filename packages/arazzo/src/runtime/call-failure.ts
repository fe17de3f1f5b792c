/**
 * The error of a step whose called workflow failed. Calls nest (a step calls a workflow whose step calls
 * another...), and nesting each error inside the next made messages and details grow with every level.
 * Instead the error keeps a flat list of the calls, outermost first, and the innermost failure once; the
 * message shows the first and last calls around a count of the ones between.
 */
import { SluiceError, type SerializedError } from "sluice/internal";

export interface CallFrame {
  step: string;
  workflow: string;
}

/** Calls shown at each end of a longer chain. */
const SHOWN_AT_EACH_END = 2;

export function calledWorkflowFailed(
  step: string,
  workflow: string,
  inner: SerializedError | undefined,
): SluiceError {
  const nested =
    inner !== undefined && Array.isArray(inner.details?.calls)
      ? (inner.details as { calls: CallFrame[]; cause?: SerializedError })
      : undefined;
  const calls: CallFrame[] = [{ step, workflow }, ...(nested?.calls ?? [])];
  const cause = nested ? nested.cause : inner;
  const details: Record<string, unknown> = { workflow, calls };
  if (cause !== undefined)
    details.cause = {
      code: cause.code,
      message: cause.message,
      ...(cause.step ? { step: cause.step } : {}),
      ...(cause.details ? { details: cause.details } : {}),
    };
  return new SluiceError(
    "step-failed",
    `${chainText(calls)}${cause ? `: ${cause.message}` : "."}`,
    { details },
  );
}

function chainText(calls: readonly CallFrame[]): string {
  const text = (frame: CallFrame) =>
    `Step "${frame.step}": the workflow it calls, "${frame.workflow}", failed`;
  if (calls.length <= SHOWN_AT_EACH_END * 2 + 1) return calls.map(text).join(": ");
  const hidden = calls.length - SHOWN_AT_EACH_END * 2;
  return [
    ...calls.slice(0, SHOWN_AT_EACH_END).map(text),
    `... (${hidden} nested calls, listed in details.calls) ...`,
    ...calls.slice(-SHOWN_AT_EACH_END).map(text),
  ].join(": ");
}
