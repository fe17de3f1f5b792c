// A flow's graph: steps as nodes coloured by status (plan or run), edges from each dependency; fit, zoom,
// minimap and controls from @xyflow/react. Selecting a node calls `onSelect` with its name.
import {
  Background,
  Controls,
  MiniMap,
  Position,
  ReactFlow,
  type Edge,
  type Node,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useEffect, useMemo, useState } from "react";
import { CanvasGraph } from "./CanvasGraph.js";
import { collapse, GROUP_PREFIX, groupStatus, type GraphInputStep } from "./collapse.js";
import {
  depthLayout,
  ELK_MAX_NODES,
  elkLayout,
  NODE_HEIGHT,
  NODE_WIDTH,
  type Positions,
} from "./layout.js";

export interface GraphProps {
  steps: readonly GraphInputStep[];
  /** A status per step (pending, complete, running, succeeded, failed...): the node's colour. */
  statusOf?: (name: string) => string | undefined;
  /** A second line under the name (a reason). */
  noteOf?: (name: string) => string | undefined;
  /** What a hover over a step shows (its cache-key inputs). */
  titleOf?: (name: string) => string | undefined;
  onSelect?: (name: string) => void;
}

export function FlowGraph({ steps, statusOf, noteOf, titleOf, onSelect }: GraphProps) {
  // Sub-pipelines and map items start collapsed; the toggles above the graph (or a click on a
  // group) expand them.
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setExpanded((current) => {
      const next = new Set(current);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const shape = steps
    .map((s) => `${s.name}<${s.deps.join(",")}${s.group ? `@${s.group}` : ""}`)
    .join(";");
  const collapsed = useMemo(
    () => collapse(steps, expanded),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [shape, expanded],
  );
  const shown = collapsed.steps;
  const shownStatus = useMemo(
    () => (name: string) => {
      const members = collapsed.members.get(name);
      return members && name.startsWith(GROUP_PREFIX)
        ? groupStatus(members.map((member) => statusOf?.(member)))
        : statusOf?.(name);
    },
    [collapsed, statusOf],
  );

  const [layout, setLayout] = useState<{ positions: Positions; round: number }>();
  const positions = layout?.positions;
  // Each new layout is fitted to the view (the ReactFlow below is mounted again for it).
  const setPositions = (found: Positions) =>
    setLayout((previous) => ({ positions: found, round: (previous?.round ?? 0) + 1 }));
  const [ready, setReady] = useState(false);
  const shownShape = shown.map((s) => `${s.name}<${s.deps.join(",")}`).join(";");
  useEffect(() => {
    let current = true;
    // The depth layout at once (one pass), then ELK's when its worker has it: the graph is usable
    // while ELK computes.
    setPositions(depthLayout(shown));
    if (shown.length <= ELK_MAX_NODES)
      void elkLayout(shown).then((found) => current && setPositions(found));
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shownShape]);
  const nodes = useMemo<Node[]>(
    () =>
      positions && shown.length <= ELK_MAX_NODES
        ? shown.map((step) => {
            const status = shownStatus(step.name) ?? "pending";
            const note = step.group
              ? `${step.folded + 1} steps, collapsed`
              : [noteOf?.(step.name), step.folded > 0 ? `+${step.folded} items` : undefined]
                  .filter(Boolean)
                  .join(", ");
            const label = step.group ?? step.name;
            return {
              id: step.name,
              position: positions.get(step.name) ?? { x: 0, y: 0 },
              data: {
                label: (
                  <span title={titleOf?.(step.name)}>
                    {step.group ? `▸ ${label}` : label}
                    {note ? <small className="node-note">{note}</small> : null}
                  </span>
                ),
              },
              className: `node node-${status}${step.group ? " node-group" : ""}`,
              // Laid out left to right: data comes in on the left, goes out on the right.
              sourcePosition: Position.Right,
              targetPosition: Position.Left,
              style: { width: NODE_WIDTH, height: NODE_HEIGHT },
              // Known dimensions: React Flow shows the node at once instead of keeping it hidden
              // until a ResizeObserver measures it (which a remount for a new layout could leave
              // waiting, so a node stayed hidden).
              width: NODE_WIDTH,
              height: NODE_HEIGHT,
              ariaLabel: `${step.group ? "sub-pipeline" : "step"} ${label}: ${status}${note ? `, ${note}` : ""}`,
            };
          })
        : [],
    [positions, shown, shownStatus, noteOf, titleOf],
  );
  const edges = useMemo<Edge[]>(
    () =>
      shown.flatMap((step) =>
        step.deps.map((dep) => {
          const orderOnly = step.after?.includes(dep) ?? false;
          return {
            id: `${dep}->${step.name}`,
            source: dep,
            target: step.name,
            ...(orderOnly
              ? { className: "edge-after", style: { strokeDasharray: "6 4" }, ariaLabel: "after" }
              : {}),
          };
        }),
      ),
    [shown],
  );
  const select = (name: string) =>
    name.startsWith(GROUP_PREFIX) ? toggle(name.slice(GROUP_PREFIX.length)) : onSelect?.(name);
  const toggles =
    collapsed.toggles.length > 0 ? (
      <div className="graph-toggles" aria-label="Collapsed parts of the graph">
        {collapsed.toggles.map((t) => (
          <button key={t.id} type="button" aria-pressed={t.expanded} onClick={() => toggle(t.id)}>
            {t.expanded ? "▾ Collapse" : "▸ Expand"} {t.label}
          </button>
        ))}
      </div>
    ) : null;
  const legend = shown.some((s) => s.after) ? (
    <p className="hint">Solid edges carry data; dashed ones only order steps (after).</p>
  ) : null;
  if (!positions) return <p aria-busy="true">Laying out {shown.length} steps…</p>;
  if (shown.length > ELK_MAX_NODES)
    return (
      <>
        {toggles}
        <div className="graph" data-testid="flow-graph">
          <CanvasGraph
            steps={shown}
            positions={positions}
            statusOf={shownStatus}
            onSelect={select}
          />
        </div>
        {legend}
      </>
    );
  return (
    <>
      {toggles}
      <div className="graph" data-testid="flow-graph" data-ready={ready ? "true" : undefined}>
        <ReactFlow
          key={layout?.round}
          onInit={() => setReady(true)}
          nodes={nodes}
          edges={edges}
          fitView
          minZoom={0.05}
          nodesDraggable={false}
          onNodeClick={(_, node) => select(node.id)}
          onlyRenderVisibleElements
        >
          <Background />
          <MiniMap pannable zoomable />
          <Controls />
        </ReactFlow>
      </div>
      {legend}
    </>
  );
}
