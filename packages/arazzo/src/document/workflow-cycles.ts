/**
 * Cycles between workflows: of dependsOn (a workflow waiting for itself) and of calls (a workflow
 * running itself, without end). Edges go from a workflow to others, keyed "url#workflowId".
 */
import type { DocPath } from "./diagnostics.js";
import type { Problem, WorkflowInfo } from "./reference-model.js";

/** Edges from a workflow to others ("url#id"), with where each one is written. */
export type Edges = { wf: WorkflowInfo; to: { key: string; path: DocPath }[] };

export function keyOf(wf: WorkflowInfo): string {
  return `${wf.doc.doc.url}#${wf.id}`;
}

/** Each edge that closes a cycle, with the cycle it closes (its workflow ids, first one repeated at the end). */
export function findCycles(
  edges: ReadonlyMap<string, Edges>,
): Array<{ wf: WorkflowInfo; path: DocPath; cycle: string[] }> {
  const found: Array<{ wf: WorkflowInfo; path: DocPath; cycle: string[] }> = [];
  const state = new Map<string, "active" | "done">();
  for (const start of edges.keys()) {
    if (state.has(start)) continue;
    const stack: { key: string; next: number }[] = [{ key: start, next: 0 }];
    state.set(start, "active");
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const edge = edges.get(top.key);
      const to = edge?.to[top.next++];
      if (edge === undefined || to === undefined) {
        state.set(top.key, "done");
        stack.pop();
      } else if (state.get(to.key) === "active") {
        const cycle = stack
          .slice(stack.findIndex((f) => f.key === to.key))
          .map((f) => edges.get(f.key)!.wf.id);
        found.push({ wf: edge.wf, path: to.path, cycle: [...cycle, cycle[0]!] });
      } else if (!state.has(to.key)) {
        state.set(to.key, "active");
        stack.push({ key: to.key, next: 0 });
      }
    }
  }
  return found;
}

export function dependsOnCycleProblem(workflowId: string, cycle: readonly string[]): Problem {
  return {
    message: `workflow "${workflowId}": dependsOn makes a cycle: ${cycle.join(" -> ")}`,
    hint: "a workflow cannot wait for a workflow that waits for it; remove one of these dependsOn entries",
  };
}

export function callCycleProblem(workflowId: string, cycle: readonly string[]): Problem {
  return {
    message: `workflow "${workflowId}": this call makes a cycle of workflows calling each other: ${cycle.join(" -> ")}`,
    hint: "each call runs the called workflow inside the caller, so the cycle never ends; loop with a goto to a step of the same workflow instead",
  };
}
