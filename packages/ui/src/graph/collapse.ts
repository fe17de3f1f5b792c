// What a graph shows with sub-pipelines and map steps collapsed: every step of a collapsed sub-pipeline
// (`use()`) becomes one group node, and a run's map items (`score[3]`) and dynamic children
// (`sweep/train_1`) fold into their step, until the user expands them. Pure, so it is unit-tested.

export interface GraphInputStep {
  name: string;
  deps: string[];
  /** The deps that only order the step (`after`): drawn dashed. */
  after?: string[];
  /** Its sub-pipeline, outermost first ("outer.inner"). */
  group?: string;
}

export interface ShownStep {
  /** A step's name, or `group:<path>` for a collapsed sub-pipeline (no step name has a colon). */
  name: string;
  deps: string[];
  after?: string[];
  /** A group node: the sub-pipeline's path. */
  group?: string;
  /** How many steps a node stands for beyond itself (a group's steps, a map's items). */
  folded: number;
}

export interface Collapsed {
  steps: ShownStep[];
  /** The steps each shown node stands for (itself included). */
  members: Map<string, string[]>;
  /** What can be expanded or collapsed: sub-pipeline paths and steps with items, with their size. */
  toggles: { id: string; label: string; size: number; expanded: boolean }[];
}

export const GROUP_PREFIX = "group:";

/** The step a run-only step (map item or dynamic child) belongs to, when that step is in the graph. */
export function parentOf(name: string, known: ReadonlySet<string>): string | undefined {
  const bracket = name.match(/^(.+)\[\d+\]$/);
  if (bracket && known.has(bracket[1]!)) return bracket[1];
  const slash = name.indexOf("/");
  if (slash > 0 && known.has(name.slice(0, slash))) return name.slice(0, slash);
  return undefined;
}

export function collapse(
  steps: readonly GraphInputStep[],
  expanded: ReadonlySet<string>,
): Collapsed {
  const names = new Set(steps.map((s) => s.name));
  const shownOf = new Map<string, string>();
  const sizes = new Map<string, number>();
  const count = (id: string) => sizes.set(id, (sizes.get(id) ?? 0) + 1);
  const items: [string, string][] = [];
  for (const step of steps) {
    const parent = parentOf(step.name, names);
    if (parent !== undefined) {
      items.push([step.name, parent]);
      count(parent);
      continue;
    }
    let shown = step.name;
    if (step.group) {
      const parts = step.group.split(".");
      for (let i = 1; i <= parts.length; i++) {
        const path = parts.slice(0, i).join(".");
        count(`${GROUP_PREFIX}${path}`);
        if (shown === step.name && !expanded.has(path)) shown = `${GROUP_PREFIX}${path}`;
      }
    }
    shownOf.set(step.name, shown);
  }
  // An item goes where its step goes: into a collapsed group, into its step, or on its own.
  for (const [item, parent] of items) {
    const parentShown = shownOf.get(parent) ?? parent;
    shownOf.set(item, parentShown !== parent || !expanded.has(parent) ? parentShown : item);
  }
  const resolve = (name: string): string => shownOf.get(name) ?? name;

  const order: string[] = [];
  const edges = new Map<string, Map<string, boolean>>(); // node -> dep node -> order only
  const members = new Map<string, string[]>();
  for (const step of steps) {
    const node = resolve(step.name);
    if (!members.has(node)) {
      members.set(node, []);
      edges.set(node, new Map());
      order.push(node);
    }
    members.get(node)!.push(step.name);
    const deps = edges.get(node)!;
    const orderOnly = new Set(step.after ?? []);
    for (const dep of step.deps) {
      const from = resolve(dep);
      if (from === node) continue;
      const isAfter = orderOnly.has(dep);
      // A data edge wins over an order-only one between the same two nodes.
      deps.set(from, (deps.get(from) ?? true) && isAfter);
    }
  }

  const shown = topological(order, edges).map((name): ShownStep => {
    const deps = edges.get(name)!;
    const after = [...deps].filter(([, orderOnly]) => orderOnly).map(([dep]) => dep);
    return {
      name,
      deps: [...deps.keys()],
      ...(after.length > 0 ? { after } : {}),
      ...(name.startsWith(GROUP_PREFIX) ? { group: name.slice(GROUP_PREFIX.length) } : {}),
      folded: members.get(name)!.length - 1,
    };
  });

  const toggles = [...sizes]
    // A group inside a collapsed group cannot be seen to toggle.
    .filter(([id]) => {
      if (!id.startsWith(GROUP_PREFIX)) return resolve(id) === id;
      const parts = id.slice(GROUP_PREFIX.length).split(".");
      return parts.slice(0, -1).every((_, i) => expanded.has(parts.slice(0, i + 1).join(".")));
    })
    .map(([id, size]) => {
      const path = id.startsWith(GROUP_PREFIX) ? id.slice(GROUP_PREFIX.length) : id;
      const isGroup = id.startsWith(GROUP_PREFIX);
      return {
        id: path,
        label: isGroup ? `sub-pipeline ${path} (${size} steps)` : `${path} (${size} items)`,
        size,
        expanded: expanded.has(path),
      };
    });
  return { steps: shown, members, toggles };
}

/** Nodes in dependency order (Kahn); nodes in a cycle that collapsing made come last, as they were. */
function topological(order: string[], edges: Map<string, Map<string, boolean>>): string[] {
  const remaining = new Map(order.map((name) => [name, 0]));
  const dependents = new Map<string, string[]>();
  for (const name of order)
    for (const dep of edges.get(name)!.keys()) {
      if (!remaining.has(dep)) continue;
      remaining.set(name, remaining.get(name)! + 1);
      const list = dependents.get(dep);
      if (list) list.push(name);
      else dependents.set(dep, [name]);
    }
  const ready = order.filter((name) => remaining.get(name) === 0);
  const sorted: string[] = [];
  for (let i = 0; i < ready.length; i++) {
    const name = ready[i]!;
    sorted.push(name);
    for (const next of dependents.get(name) ?? []) {
      const left = remaining.get(next)! - 1;
      remaining.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  if (sorted.length < order.length) {
    const placed = new Set(sorted);
    sorted.push(...order.filter((name) => !placed.has(name)));
  }
  return sorted;
}

const STATUS_ORDER = [
  "failed",
  "upstream-failed",
  "running",
  "retrying",
  "waiting",
  "queued",
  "pending",
  "dynamic",
  "cancelled",
  "skipped",
  "succeeded",
  "complete",
];

/** A group's status from its members': the most pressing one (a failure first, then what is going on). */
export function groupStatus(statuses: readonly (string | undefined)[]): string | undefined {
  const rank = (status: string) => {
    const at = STATUS_ORDER.indexOf(status);
    return at < 0 ? STATUS_ORDER.length : at;
  };
  let best: string | undefined;
  for (const status of statuses)
    if (status !== undefined && (best === undefined || rank(status) < rank(best))) best = status;
  return best;
}
