/**
 * The runner's checkpoint, stored in the run record after every step execution, and what a resumed
 * run does to it before going on: failed workflows reopened, steps whose outputs held a lost secret
 * run again.
 */
import { SluiceError } from "sluice/internal";
import type { CompiledRun } from "./compile.js";
import type { FrameState } from "./interpreter.js";
import { lostOutputSteps } from "./checkpoint-secrets.js";

export interface RootState {
  status: "pending" | "running" | "succeeded" | "failed" | "skipped" | "cancelled";
  frame: FrameState;
}

/** The runner's state in the run record (RunRecord.checkpoint). */
export interface Checkpoint {
  v: 1;
  workflowId?: string;
  ids: string[];
  sourceUrls?: Record<string, string>;
  /** Absolute paths of local copies sources were loaded from, by name; and whether local files were allowed. */
  sourceFiles?: Record<string, string>;
  allowLocalFiles?: boolean;
  maxSteps: number;
  timeoutMs?: number;
  pollTimeoutMs?: number;
  /** Names of secret inputs: their values are stored as { $sluiceSecret: name } and given again on resume. */
  secrets: string[];
  executions: number;
  roots: Record<string, RootState>;
  /** The step ids of every workflow the run can reach, by workflow label: the frames' step indexes refer to them. */
  layout: Record<string, string[]>;
}

/** The step ids of every workflow the run can reach, by workflow label (Checkpoint.layout). */
export function layoutOf(compiled: CompiledRun): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const wf of compiled.workflows.values()) out[wf.label] = wf.steps.map((step) => step.id);
  return out;
}

/** Failed, skipped and cancelled workflows go back to where they stopped; true when any did. */
export function reopen(checkpoint: Checkpoint): boolean {
  let any = false;
  const open = (st: FrameState): void => {
    if (st.call) open(st.call.frame);
    if (st.end && !st.end.success) {
      st.end = undefined;
      st.poll = undefined;
      st.waitUntil = undefined;
      any = true;
    }
  };
  for (const root of Object.values(checkpoint.roots)) {
    if (root.status === "succeeded") continue;
    if (root.status !== "pending" && root.status !== "running") any = true;
    root.status = "pending";
    open(root.frame);
  }
  return any;
}

/**
 * A frame whose step outputs held a secret the run learned (not stored) first runs again the earliest
 * of those steps, the one that got the secret (a login), before going on; other outputs that echoed it
 * come back masked. Refused where a frame is inside a call or a retry's detour.
 */
export function refetchLostSecrets(
  runId: string,
  compiled: CompiledRun,
  sealed: Checkpoint,
  restored: Checkpoint,
): void {
  const visit = (sealedFrame: FrameState, frame: FrameState): void => {
    if (sealedFrame.call && frame.call) visit(sealedFrame.call.frame, frame.call.frame);
    const lost = new Set(lostOutputSteps(sealedFrame.outputs));
    if (lost.size === 0 || frame.end?.success) return;
    const wf = compiled.workflow(frame.wf);
    const first = wf.steps.find((step) => lost.has(step.id));
    if (frame.call || frame.detour || first === undefined) {
      throw new SluiceError(
        "invalid-usage",
        `Run ${runId} cannot be resumed: the outputs of step${lost.size > 1 ? "s" : ""} ${[...lost].map((id) => `"${id}"`).join(", ")} of workflow "${wf.label}" held a secret learned during the run (sent later in a secret header), which sluice does not store. Start a new run with: sluice arazzo run`,
      );
    }
    delete frame.outputs[first.id];
    frame.detour = { run: first.index, then: frame.next };
  };
  for (const [key, root] of Object.entries(restored.roots)) {
    if (root.status !== "succeeded") visit(sealed.roots[key]!.frame, root.frame);
  }
}
