// Node positions of a flow's graph: layers by topological depth, computed in one pass (at once, and the
// only layout above ELK_MAX_NODES, where ELK's cost grows too fast), and ELK's layered layout in a web
// worker (the page stays responsive) for graphs up to that size.
export const NODE_WIDTH = 180;
export const NODE_HEIGHT = 44;
export const ELK_MAX_NODES = 1000;

export interface GraphStep {
  name: string;
  deps: string[];
  /** The deps that only order the step (`after`): drawn dashed. */
  after?: string[];
}

export type Positions = Map<string, { x: number; y: number }>;

/** Columns by depth (longest path from a root), rows in the order steps come. */
export function depthLayout(steps: readonly GraphStep[]): Positions {
  const depth = new Map<string, number>();
  const rows = new Map<number, number>();
  const positions: Positions = new Map();
  // Steps come in dependency order (the server sends the graph topologically sorted).
  for (const step of steps) {
    const d = step.deps.reduce((most, dep) => Math.max(most, (depth.get(dep) ?? -1) + 1), 0);
    depth.set(step.name, d);
    const row = rows.get(d) ?? 0;
    rows.set(d, row + 1);
    positions.set(step.name, { x: d * (NODE_WIDTH + 60), y: row * (NODE_HEIGHT + 16) });
  }
  return positions;
}

let worker: Worker | undefined;
let nextRequest = 0;
const waiting = new Map<number, (positions: Positions | undefined) => void>();

/** One ELK worker for the page (starting one parses ELK again), answering requests by id. */
function elkWorker(): Worker | undefined {
  if (worker) return worker;
  try {
    worker = new Worker(new URL("./layout.worker.ts", import.meta.url), { type: "module" });
  } catch {
    return undefined;
  }
  worker.onmessage = (
    event: MessageEvent<{ id: number; nodes: Array<[string, number, number]> }>,
  ) => {
    const { id, nodes } = event.data;
    waiting.get(id)?.(new Map(nodes.map(([name, x, y]) => [name, { x, y }])));
    waiting.delete(id);
  };
  worker.onerror = () => {
    for (const answer of waiting.values()) answer(undefined);
    waiting.clear();
    worker?.terminate();
    worker = undefined;
  };
  return worker;
}

/** ELK's layered layout, in the worker; the depth layout if the worker fails. */
export function elkLayout(steps: readonly GraphStep[]): Promise<Positions> {
  const target = elkWorker();
  if (!target) return Promise.resolve(depthLayout(steps));
  const id = nextRequest++;
  return new Promise((resolve) => {
    waiting.set(id, (positions) => resolve(positions ?? depthLayout(steps)));
    target.postMessage({ id, steps: steps.map((step) => ({ name: step.name, deps: step.deps })) });
  });
}
